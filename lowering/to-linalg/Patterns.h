//===- Patterns.h - onnx -> linalg/tensor/arith/math conversion patterns --===//
//
// The entry points of the onnx-to-linalg lowering: the type converter and one
// populate function per op family. The pass (ConvertOnnxToLinalg.cpp) mixes
// them; pipelines and tests may mix them differently.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_TOLINALG_PATTERNS_H
#define KILN_LOWERING_TOLINALG_PATTERNS_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

/// Converts onnx-dialect tensor types to the builtin types linalg works on:
/// drops the `#onnx.dims` encoding and makes unsigned integers signless.
class OnnxToLinalgTypeConverter : public mlir::TypeConverter {
public:
  OnnxToLinalgTypeConverter();
};

/// Unary/binary/variadic elementwise math, activations, comparisons, logic,
/// Where, Cast and CastLike, with numpy broadcasting.
void populateOnnxElementwiseToLinalgPatterns(mlir::TypeConverter &converter,
                                             mlir::RewritePatternSet &patterns);
/// MatMul (1-D, 2-D, batched, broadcast) and Gemm.
void populateOnnxMatMulToLinalgPatterns(mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
/// Conv (any rank, groups, depthwise, dilations, strides, pads),
/// ConvTranspose and CausalConvWithState.
void populateOnnxConvToLinalgPatterns(mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
/// MaxPool (with its Indices output), AveragePool, LpPool,
/// GlobalAveragePool, GlobalMaxPool.
void populateOnnxPoolingToLinalgPatterns(mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// BatchNormalization (inference), LayerNormalization, InstanceNormalization.
void populateOnnxNormalizationToLinalgPatterns(
    mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Reduce* ops and ArgMax/ArgMin.
void populateOnnxReductionToLinalgPatterns(mlir::TypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
/// Softmax, LogSoftmax and Hardmax.
void populateOnnxSoftmaxToLinalgPatterns(mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// Attention (opset 23/24: heads, GQA, masks, causal, softcap, KV cache).
void populateOnnxAttentionToLinalgPatterns(mlir::TypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
/// RotaryEmbedding (3-D/4-D input, interleaved, partial rotation,
/// optional position_ids).
void populateOnnxRotaryEmbeddingToLinalgPatterns(
    mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// LinearAttention (linear, gated, delta, gated_delta; GQA) as scf.for over
/// the time steps.
void populateOnnxLinearAttentionToLinalgPatterns(
    mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// NegativeLogLikelihoodLoss (weights, ignore_index, none/sum/mean).
void populateOnnxLossToLinalgPatterns(mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
/// Constants and shape ops: Constant, Reshape, Flatten, Squeeze, Unsqueeze,
/// Shape, Size, ConstantOfShape, Range, Expand, Identity.
void populateOnnxShapeToLinalgPatterns(mlir::TypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);
/// RandomUniform, RandomNormal, RandomUniformLike, RandomNormalLike,
/// Bernoulli and Dropout (counter-based draws; see Random.cpp).
void populateOnnxRandomToLinalgPatterns(mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
/// Data movement: Transpose, Concat, Split, Slice, Gather, GatherElements,
/// Tile.
void populateOnnxDataMovementToLinalgPatterns(
    mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Pad (constant/reflect/edge/wrap).
void populateOnnxPadToLinalgPatterns(mlir::TypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);
/// Resize (nearest/linear/cubic, every coordinate transformation mode).
void populateOnnxResizeToLinalgPatterns(mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
/// GridSample (nearest/linear/cubic, zeros/border/reflection padding, any
/// rank) and AffineGrid (2-D/3-D).
void populateOnnxSamplingToLinalgPatterns(mlir::TypeConverter &converter,
                                          mlir::RewritePatternSet &patterns);
/// TopK (rank selection; k static in the result type).
void populateOnnxTopKToLinalgPatterns(mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
/// ScatterElements, ScatterND, TensorScatter (as gathers over the updates)
/// and GatherND.
void populateOnnxScatterToLinalgPatterns(mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// Einsum (one generic; diagonals, ellipsis, implicit output).
void populateOnnxEinsumToLinalgPatterns(mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
/// HannWindow, HammingWindow, BlackmanWindow (compile-time constants).
void populateOnnxWindowToLinalgPatterns(mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
/// DFT (forward/inverse, rfft/irfft, run-time axis), STFT and
/// MelWeightMatrix (direct sums over run-time lengths).
void populateOnnxSpectralToLinalgPatterns(mlir::TypeConverter &converter,
                                          mlir::RewritePatternSet &patterns);
/// TfIdfVectorizer over integer tokens (n-gram counts, skips), Equal on
/// strings, RegexFullMatch; with populateOnnxStringToLinalgPatterns.
void populateOnnxTextToLinalgPatterns(mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
/// The ops that make strings: StringConcat, StringSplit, StringNormalizer
/// (runtime helpers allocating in the session's string arena).
void populateOnnxStringToLinalgPatterns(mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
/// Trilu and EyeLike (selection by the diagonal of the last two dims).
void populateOnnxTriangularToLinalgPatterns(mlir::TypeConverter &converter,
                                            mlir::RewritePatternSet &patterns);
/// CumSum and CumProd along a constant or run-time axis.
void populateOnnxScanToLinalgPatterns(mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
/// DepthToSpace (DCR/CRD) and SpaceToDepth.
void populateOnnxDepthSpaceToLinalgPatterns(mlir::TypeConverter &converter,
                                            mlir::RewritePatternSet &patterns);
/// MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv.
void populateOnnxIntegerLinearToLinalgPatterns(mlir::TypeConverter &converter,
                                               mlir::RewritePatternSet &patterns);
/// Value-sized results: NonZero, Compress, OneHot, NonMaxSuppression, Unique.
void populateOnnxDataDependentToLinalgPatterns(
    mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// QuantizeLinear and DequantizeLinear (per-tensor, per-axis, blocked),
/// DynamicQuantizeLinear.
void populateOnnxQuantizeToLinalgPatterns(mlir::TypeConverter &converter,
                                          mlir::RewritePatternSet &patterns);

/// If (scf.if), Loop (scf.while, or scf.for with scan outputs) and Scan
/// (scf.for over the scanned dim), and the onnx.Yield of their bodies.
void populateOnnxControlFlowToLinalgPatterns(mlir::TypeConverter &converter,
                                             mlir::RewritePatternSet &patterns);
/// RNN, GRU and LSTM (every direction, layout, activation; sequence_lens
/// for the forward direction) as scf.for over the time steps, and
/// ReverseSequence.
void populateOnnxRecurrentToLinalgPatterns(mlir::TypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);

/// All of the above.
void populateOnnxToLinalgPatterns(mlir::TypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_LOWERING_TOLINALG_PATTERNS_H
