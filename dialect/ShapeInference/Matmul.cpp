//===- Matmul.cpp - Inference rules of Gemm and MatMul --------------------===//
//
// Gemm (2-D, optional transposes) and numpy-style MatMul (1-D operands
// promoted and squeezed back, batch dims broadcast), plus their integer and
// quantized variants, which only differ in the element type.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

using namespace mlir;

namespace kiln::onnx {
namespace {

/// Fails with a diagnostic when two contraction dims are statically unequal.
LogicalResult checkContraction(Operation *op, const Dim &lhs, const Dim &rhs) {
  if (lhs.isStatic() && rhs.isStatic() && lhs.getSize() != rhs.getSize())
    return op->emitOpError() << "expects equal contraction dims, got "
                             << lhs.getSize() << " and " << rhs.getSize();
  return success();
}

LogicalResult inferGemm(GemmOp op, InferredResults &results) {
  std::optional<DimList> a = getDims(op.getA());
  std::optional<DimList> b = getDims(op.getB());
  if (!a || !b)
    return success();
  if (a->size() != 2 || b->size() != 2)
    return op.emitOpError() << "expects 2-D A and B, got ranks " << a->size()
                            << " and " << b->size();
  bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
  Dim m = (*a)[transA ? 1 : 0], kA = (*a)[transA ? 0 : 1];
  Dim kB = (*b)[transB ? 1 : 0], n = (*b)[transB ? 0 : 1];
  if (failed(checkContraction(op, kA, kB)))
    return failure();
  results.setShape(0, {m, n});
  return success();
}

/// The numpy matmul shape of `a` x `b`; std::nullopt when an operand is
/// unranked. Emits an error on mismatched contraction or batch dims.
FailureOr<std::optional<DimList>> getMatmulShape(Operation *op, Value a,
                                                 Value b) {
  std::optional<DimList> lhs = getDims(a);
  std::optional<DimList> rhs = getDims(b);
  if (!lhs || !rhs)
    return std::optional<DimList>();
  if (lhs->empty() || rhs->empty())
    return op->emitOpError() << "expects operands of rank >= 1";
  bool vectorA = lhs->size() == 1, vectorB = rhs->size() == 1;
  if (vectorA)
    lhs->insert(lhs->begin(), Dim::get(1));
  if (vectorB)
    rhs->push_back(Dim::get(1));
  if (failed(checkContraction(op, lhs->back(), (*rhs)[rhs->size() - 2])))
    return failure();
  FailureOr<DimList> batch = broadcastShapes(ArrayRef<Dim>(*lhs).drop_back(2),
                                             ArrayRef<Dim>(*rhs).drop_back(2));
  if (failed(batch))
    return op->emitOpError() << "expects broadcast-compatible batch dims";
  DimList output = *batch;
  if (!vectorA)
    output.push_back((*lhs)[lhs->size() - 2]);
  if (!vectorB)
    output.push_back(rhs->back());
  return std::optional<DimList>(std::move(output));
}

/// Sets result 0 to the matmul of `a` and `b` with `elementType` (null: the
/// result keeps its own).
LogicalResult setMatmulResult(Operation *op, InferredResults &results, Value a,
                              Value b, Type elementType) {
  FailureOr<std::optional<DimList>> shape = getMatmulShape(op, a, b);
  if (failed(shape))
    return failure();
  if (*shape)
    results.setShape(0, **shape, elementType);
  else if (elementType)
    results.setElementType(0, elementType);
  return success();
}

LogicalResult inferMatMul(MatMulOp op, InferredResults &results) {
  return setMatmulResult(op, results, op.getA(), op.getB(),
                         getShapeInfo(op.getA()).elementType);
}

LogicalResult inferMatMulInteger(MatMulIntegerOp op, InferredResults &results) {
  return setMatmulResult(op, results, op.getA(), op.getB(),
                         IntegerType::get(op.getContext(), 32));
}

/// QLinearMatMul: the output element type is that of y_zero_point.
LogicalResult inferQLinearMatMul(QLinearMatMulOp op, InferredResults &results) {
  return setMatmulResult(op, results, op.getA(), op.getB(),
                         getShapeInfo(op.getYZeroPoint()).elementType);
}

const InferenceRule kMatmulRules[] = {
    typedRule<GemmOp, inferGemm>(13),
    typedRule<MatMulOp, inferMatMul>(13),
    typedRule<MatMulIntegerOp, inferMatMulInteger>(10),
    typedRule<QLinearMatMulOp, inferQLinearMatMul>(21),
};

} // namespace

ArrayRef<InferenceRule> getMatmulInferenceRules() { return kMatmulRules; }

} // namespace kiln::onnx
