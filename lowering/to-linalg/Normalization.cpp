//===- Normalization.cpp - onnx normalizations -> linalg ------------------===//
//
// BatchNormalization (inference) is one elementwise generic reading the
// per-channel statistics with a channel map. LayerNormalization and
// InstanceNormalization compute mean and variance with reductions over the
// normalized axes, then normalize, scale and shift in one broadcasting
// generic. RMSNormalization is LayerNormalization without the mean: the
// root mean square over the normalized axes scales x.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

struct BatchNormLowering : OpConversionPattern<onnx::BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::BatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    if (op.getTrainingMode() != 0)
      return rewriter.notifyMatchFailure(op, "training mode");
    for (unsigned i = 1; i < op->getNumResults(); ++i)
      if (!op->getResult(i).use_empty())
        return rewriter.notifyMatchFailure(op, "running statistics outputs");
    Type elementType = type.getElementType();
    double epsilon = op.getEpsilon().convertToDouble();
    int64_t rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    SmallVector<Value> inputs = {x, adaptor.getScale(), adaptor.getB(),
                                 adaptor.getInputMean(), adaptor.getInputVar()};
    for (Value v : inputs)
      if (!isa<RankedTensorType>(v.getType()) ||
          cast<RankedTensorType>(v.getType()).getElementType() != elementType)
        return rewriter.notifyMatchFailure(op, "mixed element types");
    SmallVector<AffineMap> maps = {identity, channel, channel, channel, channel,
                                   identity};
    Value empty = createEmpty(rewriter, loc, type, getSizes(rewriter, loc, x));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, inputs, ValueRange{empty}, maps,
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value eps = createScalarConstant(b, l, elementType, epsilon);
              Value invStd = math::RsqrtOp::create(
                  b, l, arith::AddFOp::create(b, l, args[4], eps));
              Value centered = arith::SubFOp::create(b, l, args[0], args[3]);
              Value scaled = arith::MulFOp::create(
                  b, l, centered, arith::MulFOp::create(b, l, invStd, args[1]));
              Value y = arith::AddFOp::create(b, l, scaled, args[2]);
              linalg::YieldOp::create(b, l, y);
            })
            .getResult(0);
    SmallVector<Value> replacements = {result};
    replacements.append(op->getNumResults() - 1, Value());
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

/// Mean and 1/sqrt(var + eps) of `x` over `axes`, with the reduced dims
/// kept as unit dims.
std::pair<Value, Value> computeMoments(OpBuilder &b, Location loc, Value x,
                                       ArrayRef<int64_t> axes, double epsilon) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elementType = type.getElementType();
  auto add = [](OpBuilder &nb, Location l, ValueRange args) -> Value {
    return arith::AddFOp::create(nb, l, args[0], args[1]);
  };
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x), reducedSizes;
  for (int64_t a : axes)
    reducedSizes.push_back(sizes[a]);
  Value count = arith::UIToFPOp::create(
      b, loc, elementType,
      arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                 getProduct(b, loc, reducedSizes)));
  Value zero = createScalarConstant(b, loc, elementType, 0);
  Value sums = buildReduction(b, loc, x, axes, zero, add);
  Value means = buildInternalBroadcast(
      b, loc, {sums}, sums, elementType,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, l, args[0], count);
      });
  Value keptMean = restoreReducedDims(b, loc, means, type, axes);
  Value squares = buildInternalBroadcast(
      b, loc, {x, keptMean}, x, elementType,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value d = arith::SubFOp::create(nb, l, args[0], args[1]);
        return arith::MulFOp::create(nb, l, d, d);
      });
  Value variances = buildReduction(b, loc, squares, axes, zero, add);
  Value invStd = buildInternalBroadcast(
      b, loc, {variances}, variances, elementType,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value var = arith::DivFOp::create(nb, l, args[0], count);
        Value eps = createScalarConstant(nb, l, elementType, epsilon);
        return math::RsqrtOp::create(nb, l,
                                     arith::AddFOp::create(nb, l, var, eps));
      });
  return {keptMean, restoreReducedDims(b, loc, invStd, type, axes)};
}

/// (x - mean) * invStd * scale + bias; `scale`/`bias` are null when absent.
Value normalize(OpBuilder &b, Location loc, Value x, Value mean, Value invStd,
                Value scale, Value bias, ArrayRef<Type> origTypes,
                Type origResultType) {
  auto type = cast<RankedTensorType>(x.getType());
  return buildBroadcastGeneric(
      b, loc, {x, mean, invStd, scale, bias}, origTypes, type, origResultType,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value y = arith::MulFOp::create(
            nb, l, arith::SubFOp::create(nb, l, args[0], args[1]), args[2]);
        if (args[3])
          y = arith::MulFOp::create(nb, l, y, args[3]);
        if (args[4])
          y = arith::AddFOp::create(nb, l, y, args[4]);
        return y;
      },
      getSizes(b, loc, x), /*knownEqual=*/true);
}

struct LayerNormLowering : OpConversionPattern<onnx::LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LayerNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    SmallVector<int64_t> axes;
    for (int64_t i = *axis; i < type.getRank(); ++i)
      axes.push_back(i);
    auto [mean, invStd] = computeMoments(rewriter, loc, x, axes,
                                         op.getEpsilon().convertToDouble());
    Value bias = adaptor.getB();
    if (isa<NoneType>(bias.getType()))
      bias = Value();
    SmallVector<Type> origTypes = {op.getX().getType(), mean.getType(),
                                   invStd.getType(), op.getScale().getType(),
                                   op.getB().getType()};
    Value y = normalize(rewriter, loc, x, mean, invStd, adaptor.getScale(),
                        bias, origTypes, op.getX().getType());
    SmallVector<Value> replacements = {y, Value(), Value()};
    for (unsigned i = 1; i < 3; ++i) {
      if (isa<NoneType>(op->getResult(i).getType()) ||
          op->getResult(i).use_empty())
        continue;
      RankedTensorType t = getConvertedResultType(*getTypeConverter(), op, i);
      Value v = i == 1 ? mean : invStd;
      if (!t || t.getElementType() != type.getElementType())
        return rewriter.notifyMatchFailure(op, "statistics outputs type");
      replacements[i] =
          v.getType() == t ? v : tensor::CastOp::create(rewriter, loc, t, v);
    }
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

/// 1/sqrt(mean(x^2) + eps) of `x` over `axes`, reduced dims kept as unit
/// dims.
Value computeInvRms(OpBuilder &b, Location loc, Value x,
                    ArrayRef<int64_t> axes, double epsilon) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elementType = type.getElementType();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x), reducedSizes;
  for (int64_t a : axes)
    reducedSizes.push_back(sizes[a]);
  Value count = arith::UIToFPOp::create(
      b, loc, elementType,
      arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                 getProduct(b, loc, reducedSizes)));
  Value zero = createScalarConstant(b, loc, elementType, 0);
  Value sums = buildReduction(
      b, loc, x, axes, zero,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value sq = arith::MulFOp::create(nb, l, args[0], args[0]);
        return arith::AddFOp::create(nb, l, sq, args[1]);
      });
  Value invRms = buildInternalBroadcast(
      b, loc, {sums}, sums, elementType,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value ms = arith::DivFOp::create(nb, l, args[0], count);
        Value eps = createScalarConstant(nb, l, elementType, epsilon);
        return math::RsqrtOp::create(nb, l,
                                     arith::AddFOp::create(nb, l, ms, eps));
      });
  return restoreReducedDims(b, loc, invRms, type, axes);
}

struct RMSNormLowering : OpConversionPattern<onnx::RMSNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::RMSNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    SmallVector<int64_t> axes;
    for (int64_t i = *axis; i < type.getRank(); ++i)
      axes.push_back(i);
    Value invRms = computeInvRms(rewriter, loc, x, axes,
                                 op.getEpsilon().convertToDouble());
    SmallVector<Type> origTypes = {op.getX().getType(), invRms.getType(),
                                   op.getScale().getType()};
    rewriter.replaceOp(
        op, buildBroadcastGeneric(
                rewriter, loc, {x, invRms, adaptor.getScale()}, origTypes,
                type, op.getX().getType(),
                [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                  Value y = arith::MulFOp::create(nb, l, args[0], args[1]);
                  return arith::MulFOp::create(nb, l, y, args[2]);
                },
                getSizes(rewriter, loc, x), /*knownEqual=*/true));
    return success();
  }
};

struct InstanceNormLowering : OpConversionPattern<onnx::InstanceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::InstanceNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 3 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i < type.getRank(); ++i)
      axes.push_back(i);
    auto [mean, invStd] = computeMoments(rewriter, loc, x, axes,
                                         op.getEpsilon().convertToDouble());
    // Scale and bias are [C]: make them [C, 1, ...] to broadcast numpy-style.
    auto perChannel = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape = {t.getDimSize(0)};
      shape.append(type.getRank() - 2, 1);
      SmallVector<bool> isUnit(type.getRank() - 1, true);
      isUnit[0] = false;
      return expandUnitDims(rewriter, loc, v,
                            RankedTensorType::get(shape, t.getElementType()),
                            isUnit);
    };
    Value scale = perChannel(adaptor.getScale());
    Value bias = perChannel(adaptor.getB());
    SmallVector<Type> origTypes = {op.getInput().getType(), mean.getType(),
                                   invStd.getType(), scale.getType(),
                                   bias.getType()};
    rewriter.replaceOp(op, normalize(rewriter, loc, x, mean, invStd, scale,
                                     bias, origTypes, op.getInput().getType()));
    return success();
  }
};

} // namespace

void populateOnnxNormalizationToLinalgPatterns(TypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, LayerNormLowering, RMSNormLowering,
               InstanceNormLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
