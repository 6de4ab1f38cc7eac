//===- GraphPatterns.h - Rewrite patterns on the onnx dialect ---*- C++ -*-===//
//
// The pattern sets of the graph-level optimization passes (lowering/graph/),
// one populate function per set, and the constant helpers they share.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_GRAPH_PATTERNS_GRAPHPATTERNS_H
#define KILN_LOWERING_GRAPH_PATTERNS_GRAPHPATTERNS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <vector>

namespace kiln {

/// Constant folding: elementwise ops, Transpose and the shape-only ops
/// (Reshape, Unsqueeze, Squeeze, Flatten) on constants, Shape of a static
/// tensor, and the Gather/Concat/Slice/Cast of shape subgraphs.
void populateFoldConstantPatterns(mlir::RewritePatternSet &patterns);

/// Conv followed by BatchNormalization (inference) or by a Mul/Add with a
/// per-channel constant: folded into the Conv's weights and bias.
void populateFuseConvAffinePatterns(mlir::RewritePatternSet &patterns);

/// MatMul followed by a bias Add: a Gemm with C. With `nd` set, an N-D
/// left operand times a 2-D right one is flattened to 2-D around the Gemm.
void populateFuseMatMulAddPatterns(mlir::RewritePatternSet &patterns, bool nd);

/// Transpose∘Transpose, Reshape∘Reshape and identity Transpose/Reshape;
/// unary elementwise ops between two Reshapes move before the first.
void populateSimplifyLayoutPatterns(mlir::RewritePatternSet &patterns);

/// The erf and tanh forms of GELU -> onnx.Gelu.
void populateRecognizeGeluPatterns(mlir::RewritePatternSet &patterns);

/// MatMul(Softmax(Add(Div(MatMul(Q, Kt), c), mask)), V) -> onnx.Attention.
void populateRecognizeAttentionPatterns(mlir::RewritePatternSet &patterns);

/// ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add -> LayerNormalization.
void populateRecognizeLayerNormPatterns(mlir::RewritePatternSet &patterns);

namespace graph {

/// The value of a splat float constant (any float type), if `v` is one.
std::optional<double> getSplatFloat(mlir::Value v);

/// Whether `v` is a splat float constant within a relative 1e-4 of `want`.
bool isSplatFloat(mlir::Value v, double want);

/// The elements attribute of a constant `v` (dense or resource), if any.
mlir::ElementsAttr getConstElements(mlir::Value v);

/// The elements of a constant f32 tensor, dense or resource.
std::optional<std::vector<float>> readF32(mlir::Value v);

/// The elements of a constant i64 tensor (dense or resource).
std::optional<std::vector<int64_t>> readI64(mlir::Value v);

/// A constant of `type` holding `bytes` (the raw little-endian elements):
/// a dense attr when small, else a new resource blob named after `hint`.
mlir::Value makeConstant(mlir::RewriterBase &rewriter, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<char> bytes, llvm::StringRef hint);
mlir::Value makeF32Constant(mlir::RewriterBase &rewriter, mlir::Location loc,
                            mlir::RankedTensorType type,
                            llvm::ArrayRef<float> values, llvm::StringRef hint);
mlir::Value makeI64Constant(mlir::RewriterBase &rewriter, mlir::Location loc,
                            llvm::ArrayRef<int64_t> values);

/// The raw bytes of a constant, dense or resource, for byte-sized element
/// types; nullopt otherwise (i1, sub-byte, strings).
std::optional<std::vector<char>> readRawBytes(mlir::Value v);

/// The same bytes without a copy: a view of the dense attribute's or the
/// resource blob's data (valid while the attribute lives); splats are
/// expanded into `storage`, which the view then points into.
std::optional<llvm::ArrayRef<char>>
viewRawBytes(mlir::Value v, std::vector<char> &storage);

} // namespace graph
} // namespace kiln

#endif // KILN_LOWERING_GRAPH_PATTERNS_GRAPHPATTERNS_H
