//===- Softmax.cpp - onnx Softmax/LogSoftmax/Hardmax -> linalg ------------===//
//
// Numerically stable softmax along one axis: subtract the max, exponentiate,
// sum, divide (or, for LogSoftmax, x - max - log(sum)). Each step is a
// reduction or broadcasting generic, so fusion can merge the elementwise
// steps with their neighbours. Hardmax is an arg-max reduction along the
// axis and a generic writing 1 where the index along it is the first max.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {

Value buildSoftmax(OpBuilder &rewriter, Location loc, Value x, int64_t axis,
                   bool isLog) {
  // float16/bfloat16 rows are computed in f32 and rounded once.
  Type storageType = cast<RankedTensorType>(x.getType()).getElementType();
  Type elementType = getAccumulationType(storageType);
  x = castElements(rewriter, loc, x, elementType);
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> axes = {axis};

  Value maxes =
      buildReduction(rewriter, loc, x, axes,
                     createLowestValue(rewriter, loc, elementType, false),
                     [](OpBuilder &b, Location l, ValueRange args) -> Value {
                       return arith::MaximumFOp::create(b, l, args[0], args[1]);
                     });
  Value keptMax = restoreReducedDims(rewriter, loc, maxes, type, axes);
  Value exps = buildInternalBroadcast(
      rewriter, loc, {x, keptMax}, x, elementType,
      [](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value shifted = arith::SubFOp::create(b, l, args[0], args[1]);
        return math::ExpOp::create(b, l, shifted);
      });
  Value sums =
      buildReduction(rewriter, loc, exps, axes,
                     createScalarConstant(rewriter, loc, elementType, 0),
                     [](OpBuilder &b, Location l, ValueRange args) -> Value {
                       return arith::AddFOp::create(b, l, args[0], args[1]);
                     });
  Value keptSum = restoreReducedDims(rewriter, loc, sums, type, axes);
  Value result;
  if (isLog)
    result = buildInternalBroadcast(
        rewriter, loc, {x, keptMax, keptSum}, x, elementType,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value shifted = arith::SubFOp::create(b, l, args[0], args[1]);
          return arith::SubFOp::create(b, l, shifted,
                                       math::LogOp::create(b, l, args[2]));
        });
  else
    result = buildInternalBroadcast(
        rewriter, loc, {exps, keptSum}, x, elementType,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          return arith::DivFOp::create(b, l, args[0], args[1]);
        });
  return castElements(rewriter, loc, result, storageType);
}

namespace {

template <typename OpTy, bool isLog>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    rewriter.replaceOp(op, buildSoftmax(rewriter, loc, x, *axis, isLog));
    return success();
  }
};

struct HardmaxLowering : OpConversionPattern<onnx::HardmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::HardmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Type elementType = type.getElementType();
    Value argmax = buildArgReduction(rewriter, loc, x, *axis, /*isMax=*/true,
                                     /*last=*/false, /*isUnsigned=*/false)
                       .second;
    Value kept = restoreReducedDims(rewriter, loc, argmax, type, {*axis});
    Value result = buildInternalBroadcast(
        rewriter, loc, {kept}, x, elementType,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value index = arith::IndexCastOp::create(
              b, l, b.getI64Type(), linalg::IndexOp::create(b, l, *axis));
          Value isMax = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                              index, args[0]);
          return arith::SelectOp::create(
              b, l, isMax, createScalarConstant(b, l, elementType, 1),
              createScalarConstant(b, l, elementType, 0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxSoftmaxToLinalgPatterns(TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering<onnx::SoftmaxOp, false>,
               SoftmaxLowering<onnx::LogSoftmaxOp, true>, HardmaxLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
