//===- Pipelines.h - kiln's pass pipelines ----------------------*- C++ -*-===//
//
// The pipelines kiln's driver runs between stages, each also registered
// with kiln-opt so lit can run it on its own.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_PIPELINES_H
#define KILN_LOWERING_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kiln {

/// Options of the import-cleanup pipeline (`kiln-onnx-import`).
struct OnnxImportPipelineOptions
    : public mlir::PassPipelineOptions<OnnxImportPipelineOptions> {
  Option<bool> canonicalize{
      *this, "canonicalize",
      llvm::cl::desc("Fold and deduplicate after shape inference"),
      llvm::cl::init(true)};
};

/// Cleans up what the importer produced: infers shapes and types, then
/// folds constants and removes duplicate and dead ops.
void buildOnnxImportPipeline(mlir::OpPassManager &pm,
                             const OnnxImportPipelineOptions &options);
void buildOnnxImportPipeline(mlir::OpPassManager &pm);

/// Options of the graph-optimization pipeline (`kiln-onnx-optimize`).
struct OnnxOptimizationPipelineOptions
    : public mlir::PassPipelineOptions<OnnxOptimizationPipelineOptions> {
  Option<bool> foldConstants{
      *this, "fold-constants",
      llvm::cl::desc("Evaluate onnx ops on constants"), llvm::cl::init(true)};
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Fold Conv+BN/Mul/Add and MatMul+Add"),
                    llvm::cl::init(true)};
  Option<bool> matmulNd{
      *this, "matmul-nd",
      llvm::cl::desc("Rewrite N-D MatMul+Add into flattened Gemms"),
      llvm::cl::init(true)};
  Option<bool> recognize{
      *this, "recognize",
      llvm::cl::desc("Recognize LayerNormalization, GELU and attention "
                     "subgraphs"),
      llvm::cl::init(true)};
  Option<bool> layout{
      *this, "layout",
      llvm::cl::desc("Eliminate redundant Transposes and Reshapes"),
      llvm::cl::init(true)};
};

/// Graph-level optimizations on the onnx dialect, run after
/// `kiln-onnx-import` at -O1 and above.
void buildOnnxOptimizationPipeline(
    mlir::OpPassManager &pm, const OnnxOptimizationPipelineOptions &options);
void buildOnnxOptimizationPipeline(mlir::OpPassManager &pm);

/// Options of the fusion pipeline on linalg on tensors
/// (`kiln-linalg-fusion`).
struct LinalgFusionPipelineOptions
    : public mlir::PassPipelineOptions<LinalgFusionPipelineOptions> {
  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse chains of elementwise generics"),
      llvm::cl::init(true)};
  Option<bool> inPlace{
      *this, "in-place",
      llvm::cl::desc("Compute elementwise ops into inputs that die there"),
      llvm::cl::init(true)};
};

/// Dispatch formation on linalg on tensors, between convert-onnx-to-linalg
/// and bufferization (at -O1 and above).
void buildLinalgFusionPipeline(mlir::OpPassManager &pm,
                               const LinalgFusionPipelineOptions &options);
void buildLinalgFusionPipeline(mlir::OpPassManager &pm);

/// Registers kiln's pipelines (`kiln-onnx-import`, ...) with the pass
/// registry used by kiln-opt.
void registerKilnPipelines();

} // namespace kiln

#endif // KILN_LOWERING_PIPELINES_H
