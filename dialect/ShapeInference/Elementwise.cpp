//===- Elementwise.cpp - Inference rules of elementwise onnx ops ----------===//
//
// Unary ops and activations (result shaped like the input), broadcasting
// binary and variadic ops, comparisons and logic (bool results), Where,
// Clip, Cast/CastLike, and the *Like generators. The table at the bottom is
// the family's registry: the shared rules differ only in the row.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"
#include "dialect/OnnxSchema.h"

using namespace mlir;

namespace kiln::onnx {
namespace {

/// Result 0 (and every other tensor result) has the shape and element type
/// of operand 0: activations, unary math, Softmax-like ops, CumSum, Trilu.
LogicalResult inferLikeFirstInput(Operation *op, InferredResults &results) {
  ShapeInfo input = getShapeInfo(op->getOperand(0));
  results.set(0, input);
  return success();
}

/// Like the input, for ops normalizing along one `axis` attribute (Softmax,
/// LogSoftmax, Hardmax, LpNormalization): the axis must be in [-r, r-1].
LogicalResult inferLikeFirstInputAlongAxis(Operation *op,
                                           InferredResults &results) {
  ShapeInfo input = getShapeInfo(op->getOperand(0));
  auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
  if (input.dims && axisAttr) {
    int64_t rank = input.dims->size(), axis = axisAttr.getInt();
    if (!normalizeAxis(axis, rank))
      return op->emitOpError() << "expects axis in [" << -rank << ", "
                               << rank - 1 << "] for an input of rank "
                               << rank << ", got " << axis;
  }
  results.set(0, input);
  return success();
}

/// Shape of operand 0, bool elements (IsNaN, IsInf).
LogicalResult inferBoolLikeFirstInput(Operation *op, InferredResults &results) {
  ShapeInfo info = getShapeInfo(op->getOperand(0));
  info.elementType = IntegerType::get(op->getContext(), 1);
  results.set(0, info);
  return success();
}

/// Broadcasts the shapes of the operands in [first, end), skipping `none`.
/// Emits an error on incompatible static dims; std::nullopt when an operand
/// is unranked.
FailureOr<std::optional<DimList>> broadcastOperands(Operation *op,
                                                    unsigned first = 0) {
  std::optional<DimList> shape = DimList();
  for (Value operand : op->getOperands().drop_front(first)) {
    if (isa<NoneType>(operand.getType()))
      continue;
    std::optional<DimList> dims = getDims(operand);
    if (!dims)
      return std::optional<DimList>();
    FailureOr<DimList> merged = broadcastShapes(*shape, *dims);
    if (failed(merged)) {
      std::string lhs, rhs;
      llvm::raw_string_ostream lhsOs(lhs), rhsOs(rhs);
      printDims(lhsOs, *shape);
      printDims(rhsOs, *dims);
      return op->emitOpError() << "expects broadcast-compatible operand shapes, got "
                               << lhs << " and " << rhs;
    }
    shape = std::move(*merged);
  }
  return shape;
}

/// Sets result 0 to the broadcast shape with `elementType`.
LogicalResult setBroadcastResult(Operation *op, InferredResults &results,
                                 Type elementType, unsigned first = 0) {
  FailureOr<std::optional<DimList>> shape = broadcastOperands(op, first);
  if (failed(shape))
    return failure();
  if (*shape)
    results.setShape(0, **shape, elementType);
  else if (elementType)
    results.setElementType(0, elementType);
  return success();
}

/// Numpy-broadcasting ops whose result has the operands' element type
/// (Add, Mul, Pow, Max, Sum, PRelu, And...).
LogicalResult inferBroadcast(Operation *op, InferredResults &results) {
  return setBroadcastResult(op, results,
                            getShapeInfo(op->getOperand(0)).elementType);
}

/// Broadcasting comparisons: bool result.
LogicalResult inferBroadcastCompare(Operation *op, InferredResults &results) {
  return setBroadcastResult(op, results, IntegerType::get(op->getContext(), 1));
}

LogicalResult inferWhere(WhereOp op, InferredResults &results) {
  return setBroadcastResult(op, results, getShapeInfo(op.getX()).elementType);
}

LogicalResult inferCast(CastOp op, InferredResults &results) {
  Type elementType = getElementTypeForDataType(
      op.getContext(), static_cast<int32_t>(op.getTo()));
  if (!elementType)
    return op.emitOpError() << "expects a known ONNX data type in 'to', got "
                            << static_cast<int64_t>(op.getTo());
  ShapeInfo info = getShapeInfo(op.getInput());
  info.elementType = elementType;
  results.set(0, info);
  return success();
}

LogicalResult inferCastLike(CastLikeOp op, InferredResults &results) {
  ShapeInfo info = getShapeInfo(op.getInput());
  info.elementType = getShapeInfo(op.getTargetType()).elementType;
  results.set(0, info);
  return success();
}

/// Shape of the input, element type from an optional `dtype` attribute
/// (Bernoulli, RandomNormalLike, RandomUniformLike, EyeLike).
LogicalResult inferLikeInputWithDtype(Operation *op, InferredResults &results) {
  ShapeInfo info = getShapeInfo(op->getOperand(0));
  if (auto dtype = op->getAttrOfType<IntegerAttr>("dtype")) {
    Type elementType =
        getElementTypeForDataType(op->getContext(), dtype.getInt());
    if (!elementType)
      return op->emitOpError()
             << "expects a known ONNX data type in 'dtype', got "
             << dtype.getInt();
    info.elementType = elementType;
  }
  results.set(0, info);
  return success();
}

/// Dropout: output like data; the optional mask is bool of the same shape.
LogicalResult inferDropout(DropoutOp op, InferredResults &results) {
  ShapeInfo info = getShapeInfo(op.getData());
  results.set(0, info);
  info.elementType = IntegerType::get(op.getContext(), 1);
  results.set(1, info);
  return success();
}

/// Shape of operand 0; the element type is left to the result's own (it
/// depends on attributes or zero points: QuantizeLinear, DequantizeLinear,
/// RotaryEmbedding).
LogicalResult inferShapeOfFirstInput(Operation *op, InferredResults &results) {
  if (std::optional<DimList> dims = getDims(op->getOperand(0)))
    results.setShape(0, *dims);
  return success();
}

/// DynamicQuantizeLinear: y like x (uint8), scalar scale and zero point.
LogicalResult inferDynamicQuantizeLinear(DynamicQuantizeLinearOp op,
                                         InferredResults &results) {
  if (std::optional<DimList> dims = getDims(op.getX()))
    results.setShape(0, *dims);
  results.setShape(1, {});
  results.setShape(2, {});
  return success();
}

const InferenceRule kElementwiseRules[] = {
    // Unary math and activations.
    genericRule<AbsOp>(13, inferLikeFirstInput),
    genericRule<AcosOp>(22, inferLikeFirstInput),
    genericRule<AcoshOp>(22, inferLikeFirstInput),
    genericRule<AsinOp>(22, inferLikeFirstInput),
    genericRule<AsinhOp>(22, inferLikeFirstInput),
    genericRule<AtanOp>(22, inferLikeFirstInput),
    genericRule<AtanhOp>(22, inferLikeFirstInput),
    genericRule<BitwiseNotOp>(18, inferLikeFirstInput),
    genericRule<CeilOp>(13, inferLikeFirstInput),
    genericRule<CeluOp>(12, inferLikeFirstInput),
    genericRule<ClipOp>(13, inferLikeFirstInput),
    genericRule<CosOp>(22, inferLikeFirstInput),
    genericRule<CoshOp>(22, inferLikeFirstInput),
    genericRule<EluOp>(22, inferLikeFirstInput),
    genericRule<ErfOp>(13, inferLikeFirstInput),
    genericRule<ExpOp>(13, inferLikeFirstInput),
    genericRule<FloorOp>(13, inferLikeFirstInput),
    genericRule<GeluOp>(20, inferLikeFirstInput),
    genericRule<HardSigmoidOp>(22, inferLikeFirstInput),
    genericRule<HardSwishOp>(22, inferLikeFirstInput),
    genericRule<IdentityOp>(25, inferLikeFirstInput),
    genericRule<LeakyReluOp>(16, inferLikeFirstInput),
    genericRule<LogOp>(13, inferLikeFirstInput),
    genericRule<MishOp>(22, inferLikeFirstInput),
    genericRule<NegOp>(13, inferLikeFirstInput),
    genericRule<NotOp>(1, inferLikeFirstInput),
    genericRule<ReciprocalOp>(13, inferLikeFirstInput),
    genericRule<ReluOp>(14, inferLikeFirstInput),
    genericRule<RoundOp>(22, inferLikeFirstInput),
    genericRule<SeluOp>(22, inferLikeFirstInput),
    genericRule<ShrinkOp>(9, inferLikeFirstInput),
    genericRule<SigmoidOp>(13, inferLikeFirstInput),
    genericRule<SignOp>(13, inferLikeFirstInput),
    genericRule<SinOp>(22, inferLikeFirstInput),
    genericRule<SinhOp>(22, inferLikeFirstInput),
    genericRule<SoftplusOp>(22, inferLikeFirstInput),
    genericRule<SoftsignOp>(22, inferLikeFirstInput),
    genericRule<SqrtOp>(13, inferLikeFirstInput),
    genericRule<SwishOp>(24, inferLikeFirstInput),
    genericRule<TanOp>(22, inferLikeFirstInput),
    genericRule<TanhOp>(13, inferLikeFirstInput),
    genericRule<ThresholdedReluOp>(22, inferLikeFirstInput),
    // Whole-tensor ops that keep the input's shape.
    genericRule<CumProdOp>(26, inferLikeFirstInput),
    genericRule<CumSumOp>(14, inferLikeFirstInput),
    genericRule<HardmaxOp>(13, inferLikeFirstInputAlongAxis),
    genericRule<LogSoftmaxOp>(13, inferLikeFirstInputAlongAxis),
    genericRule<LRNOp>(13, inferLikeFirstInput),
    genericRule<LpNormalizationOp>(22, inferLikeFirstInputAlongAxis),
    genericRule<MeanVarianceNormalizationOp>(13, inferLikeFirstInput),
    genericRule<ReverseSequenceOp>(10, inferLikeFirstInput),
    genericRule<ScatterOp>(11, inferLikeFirstInput),
    genericRule<ScatterElementsOp>(18, inferLikeFirstInput),
    genericRule<ScatterNDOp>(18, inferLikeFirstInput),
    genericRule<SoftmaxOp>(13, inferLikeFirstInputAlongAxis),
    genericRule<TriluOp>(14, inferLikeFirstInput),
    genericRule<IsInfOp>(20, inferBoolLikeFirstInput),
    genericRule<IsNaNOp>(20, inferBoolLikeFirstInput),
    typedRule<DropoutOp, inferDropout>(22),
    // Quantization and rotary embeddings: shape only.
    genericRule<DequantizeLinearOp>(25, inferShapeOfFirstInput),
    genericRule<QuantizeLinearOp>(25, inferShapeOfFirstInput),
    genericRule<RotaryEmbeddingOp>(23, inferShapeOfFirstInput),
    typedRule<DynamicQuantizeLinearOp, inferDynamicQuantizeLinear>(11),
    // Broadcasting binary and variadic ops.
    genericRule<AddOp>(14, inferBroadcast),
    genericRule<AndOp>(7, inferBroadcast),
    genericRule<BitShiftOp>(11, inferBroadcast),
    genericRule<BitwiseAndOp>(18, inferBroadcast),
    genericRule<BitwiseOrOp>(18, inferBroadcast),
    genericRule<BitwiseXorOp>(18, inferBroadcast),
    genericRule<DivOp>(14, inferBroadcast),
    genericRule<MaxOp>(13, inferBroadcast),
    genericRule<MeanOp>(13, inferBroadcast),
    genericRule<MinOp>(13, inferBroadcast),
    genericRule<ModOp>(13, inferBroadcast),
    genericRule<MulOp>(14, inferBroadcast),
    genericRule<OrOp>(7, inferBroadcast),
    genericRule<PowOp>(15, inferBroadcast),
    genericRule<PReluOp>(16, inferBroadcast),
    genericRule<SubOp>(14, inferBroadcast),
    genericRule<SumOp>(13, inferBroadcast),
    genericRule<XorOp>(7, inferBroadcast),
    // Comparisons.
    genericRule<EqualOp>(19, inferBroadcastCompare),
    genericRule<GreaterOp>(13, inferBroadcastCompare),
    genericRule<GreaterOrEqualOp>(16, inferBroadcastCompare),
    genericRule<LessOp>(13, inferBroadcastCompare),
    genericRule<LessOrEqualOp>(16, inferBroadcastCompare),
    typedRule<WhereOp, inferWhere>(16),
    // Type conversions and generators shaped like their input.
    typedRule<CastOp, inferCast>(25),
    typedRule<CastLikeOp, inferCastLike>(25),
    genericRule<BernoulliOp>(22, inferLikeInputWithDtype),
    genericRule<EyeLikeOp>(22, inferLikeInputWithDtype),
    genericRule<RandomNormalLikeOp>(22, inferLikeInputWithDtype),
    genericRule<RandomUniformLikeOp>(22, inferLikeInputWithDtype),
};

} // namespace

ArrayRef<InferenceRule> getElementwiseInferenceRules() {
  return kElementwiseRules;
}

} // namespace kiln::onnx
