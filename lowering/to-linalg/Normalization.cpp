//===- Normalization.cpp - onnx normalizations -> linalg ------------------===//
//
// BatchNormalization (inference) is one elementwise generic reading the
// per-channel statistics with a channel map. LayerNormalization,
// InstanceNormalization, GroupNormalization (in an (N, G, C/G, D...) view),
// MeanVarianceNormalization and training-mode BatchNormalization compute
// mean and variance with reductions over the normalized axes, then
// normalize, scale and shift in one broadcasting generic.
// LpNormalization divides by the L1 or L2 norm along one axis (a zero norm
// gives 0, as the reference does). LRN divides by a power of the sum of
// squares over a window of channels: the squares are zero-padded along the
// channels and summed by a generic with a window dim, the pooling shape.
// RMSNormalization is LayerNormalization without the mean: the root mean
// square over the normalized axes scales x.
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
      return rewriter.notifyMatchFailure(op, "training mode (its own pattern)");
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

/// The mean and the population variance of `x` over `axes`.
struct Moments {
  Value mean;     ///< The reduced dims dropped.
  Value keptMean; ///< The reduced dims kept as unit dims.
  Value variance; ///< The reduced dims dropped.
};

/// The mean of `x` over `axes`, then the mean of the squared deviations
/// (two passes, as precise as the data's element type allows).
Moments computeMeanVariance(OpBuilder &b, Location loc, Value x,
                            ArrayRef<int64_t> axes) {
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
  auto divideByCount = [&](Value sums) {
    return buildInternalBroadcast(
        b, loc, {sums}, sums, elementType,
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::DivFOp::create(nb, l, args[0], count);
        });
  };
  Value zero = createScalarConstant(b, loc, elementType, 0);
  Value means = divideByCount(buildReduction(b, loc, x, axes, zero, add));
  Value keptMean = restoreReducedDims(b, loc, means, type, axes);
  Value squares = buildInternalBroadcast(
      b, loc, {x, keptMean}, x, elementType,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value d = arith::SubFOp::create(nb, l, args[0], args[1]);
        return arith::MulFOp::create(nb, l, d, d);
      });
  Value variances =
      divideByCount(buildReduction(b, loc, squares, axes, zero, add));
  return {means, keptMean, variances};
}

/// Mean and 1/sqrt(var + eps) of `x` over `axes`, with the reduced dims
/// kept as unit dims.
std::pair<Value, Value> computeMoments(OpBuilder &b, Location loc, Value x,
                                       ArrayRef<int64_t> axes, double epsilon) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elementType = type.getElementType();
  Moments m = computeMeanVariance(b, loc, x, axes);
  Value invStd = buildInternalBroadcast(
      b, loc, {m.variance}, m.variance, elementType,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value eps = createScalarConstant(nb, l, elementType, epsilon);
        return math::RsqrtOp::create(
            nb, l, arith::AddFOp::create(nb, l, args[0], eps));
      });
  return {m.keptMean, restoreReducedDims(b, loc, invStd, type, axes)};
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

/// A per-channel [C] vector as [C, 1, ...] (rank `rank` - 1), so that it
/// broadcasts numpy-style against an (N, C, D...) tensor of rank `rank`.
Value perChannel(OpBuilder &b, Location loc, Value v, int64_t rank) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape = {t.getDimSize(0)};
  shape.append(rank - 2, 1);
  SmallVector<bool> isUnit(rank - 1, true);
  isUnit[0] = false;
  return expandUnitDims(
      b, loc, v, RankedTensorType::get(shape, t.getElementType()), isUnit);
}

/// Training-mode BatchNormalization: Y is normalized with the batch's own
/// mean and population variance over every dim but the channel; the running
/// statistics outputs blend the inputs' with the batch's by `momentum`.
struct BatchNormTrainingLowering
    : OpConversionPattern<onnx::BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::BatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getTrainingMode() == 0)
      return rewriter.notifyMatchFailure(op, "inference mode");
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    SmallVector<Value> params = {adaptor.getScale(), adaptor.getB(),
                                 adaptor.getInputMean(), adaptor.getInputVar()};
    for (Value v : params) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || t.getRank() != 1 || t.getElementType() != elementType)
        return rewriter.notifyMatchFailure(op, "expects [C] parameters");
    }
    SmallVector<RankedTensorType> statTypes(3);
    for (unsigned i = 1; i < 3; ++i) {
      if (isa<NoneType>(op->getResult(i).getType()) ||
          op->getResult(i).use_empty())
        continue;
      statTypes[i] = getConvertedResultType(*getTypeConverter(), op, i);
      if (!statTypes[i] || statTypes[i].getRank() != 1 ||
          statTypes[i].getElementType() != elementType)
        return rewriter.notifyMatchFailure(op, "statistics outputs type");
    }
    SmallVector<int64_t> axes = {0};
    for (int64_t i = 2; i < rank; ++i)
      axes.push_back(i);
    Moments m = computeMeanVariance(rewriter, loc, x, axes);
    double epsilon = op.getEpsilon().convertToDouble();
    Value invStd = buildInternalBroadcast(
        rewriter, loc, {m.variance}, m.variance, elementType,
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value eps = createScalarConstant(nb, l, elementType, epsilon);
          return math::RsqrtOp::create(
              nb, l, arith::AddFOp::create(nb, l, args[0], eps));
        });
    Value keptInvStd = restoreReducedDims(rewriter, loc, invStd, type, axes);
    Value scale = perChannel(rewriter, loc, params[0], rank);
    Value bias = perChannel(rewriter, loc, params[1], rank);
    SmallVector<Type> origTypes = {op.getX().getType(), m.keptMean.getType(),
                                   keptInvStd.getType(), scale.getType(),
                                   bias.getType()};
    Value y = normalize(rewriter, loc, x, m.keptMean, keptInvStd, scale, bias,
                        origTypes, op.getX().getType());
    // running = input * momentum + current * (1 - momentum)
    double momentum = op.getMomentum().convertToDouble();
    auto blend = [&](Value input, Value current) {
      return buildInternalBroadcast(
          rewriter, loc, {input, current}, current, elementType,
          [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
            Value mom = createScalarConstant(nb, l, elementType, momentum);
            Value rest = createScalarConstant(nb, l, elementType, 1 - momentum);
            return arith::AddFOp::create(
                nb, l, arith::MulFOp::create(nb, l, args[0], mom),
                arith::MulFOp::create(nb, l, args[1], rest));
          });
    };
    SmallVector<Value> replacements = {y, Value(), Value()};
    for (unsigned i = 1; i < 3; ++i) {
      RankedTensorType t = statTypes[i];
      if (!t)
        continue;
      Value v =
          i == 1 ? blend(params[2], m.mean) : blend(params[3], m.variance);
      replacements[i] =
          v.getType() == t ? v : tensor::CastOp::create(rewriter, loc, t, v);
    }
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

/// GroupNormalization (opset 21): the channels are split into `num_groups`
/// groups, each (instance, group) normalized over its channels and spatial
/// dims in an (N, G, C/G, D...) view, then scaled and shifted per channel.
struct GroupNormLowering : OpConversionPattern<onnx::GroupNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GroupNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    int64_t rank = type.getRank();
    int64_t channels = type.getDimSize(1);
    int64_t groups = op.getNumGroups();
    if (ShapedType::isDynamic(channels) || groups <= 0 || channels % groups)
      return rewriter.notifyMatchFailure(
          op, "needs a static channel count divisible by num_groups");
    Type elementType = type.getElementType();
    for (Value v : {adaptor.getScale(), adaptor.getBias()}) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || t.getRank() != 1 || t.getDimSize(0) != channels ||
          t.getElementType() != elementType)
        return rewriter.notifyMatchFailure(op, "expects [C] scale and bias");
    }
    int64_t perGroup = channels / groups;
    // (N, C, D...) -> (N, G, C/G, D...).
    SmallVector<ReassociationIndices> reassoc = {{0}, {1, 2}};
    SmallVector<int64_t> shape = {type.getDimSize(0), groups, perGroup};
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x), groupedSizes;
    groupedSizes = {sizes[0], rewriter.getIndexAttr(groups),
                    rewriter.getIndexAttr(perGroup)};
    for (int64_t i = 2; i < rank; ++i) {
      reassoc.push_back({i + 1});
      shape.push_back(type.getDimSize(i));
      groupedSizes.push_back(sizes[i]);
    }
    auto groupedType = RankedTensorType::get(shape, elementType);
    Value grouped = tensor::ExpandShapeOp::create(rewriter, loc, groupedType, x,
                                                  reassoc, groupedSizes);
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i <= rank; ++i)
      axes.push_back(i);
    auto [mean, invStd] = computeMoments(rewriter, loc, grouped, axes,
                                         op.getEpsilon().convertToDouble());
    // Scale and bias: [C] -> [G, C/G, 1, ...].
    auto perGroupChannel = [&](Value v) {
      auto splitType = RankedTensorType::get({groups, perGroup}, elementType);
      Value split = tensor::ExpandShapeOp::create(
          rewriter, loc, splitType, v,
          SmallVector<ReassociationIndices>{{0, 1}},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(groups),
                                 rewriter.getIndexAttr(perGroup)});
      SmallVector<int64_t> unitShape = {groups, perGroup};
      unitShape.append(rank - 2, 1);
      SmallVector<bool> isUnit(rank, true);
      isUnit[0] = isUnit[1] = false;
      return expandUnitDims(rewriter, loc, split,
                            RankedTensorType::get(unitShape, elementType),
                            isUnit);
    };
    Value scale = perGroupChannel(adaptor.getScale());
    Value bias = perGroupChannel(adaptor.getBias());
    SmallVector<Type> origTypes = {groupedType, mean.getType(),
                                   invStd.getType(), scale.getType(),
                                   bias.getType()};
    Value y = normalize(rewriter, loc, grouped, mean, invStd, scale, bias,
                        origTypes, groupedType);
    Value result = tensor::CollapseShapeOp::create(rewriter, loc, y, reassoc);
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// MeanVarianceNormalization: (x - mean) / (sqrt(var) + 1e-9) over `axes`,
/// as the ONNX function body computes it.
struct MeanVarianceNormLowering
    : OpConversionPattern<onnx::MeanVarianceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::MeanVarianceNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    SmallVector<int64_t> axes;
    for (Attribute a : op.getAxes()) {
      FailureOr<int64_t> axis =
          normalizeAxis(cast<IntegerAttr>(a).getInt(), type.getRank());
      if (failed(axis))
        return rewriter.notifyMatchFailure(op, "axis out of range");
      axes.push_back(*axis);
    }
    llvm::sort(axes);
    axes.erase(llvm::unique(axes), axes.end());
    Type elementType = type.getElementType();
    Moments m = computeMeanVariance(rewriter, loc, x, axes);
    Value keptVar = restoreReducedDims(rewriter, loc, m.variance, type, axes);
    rewriter.replaceOp(
        op, buildInternalBroadcast(
                rewriter, loc, {x, m.keptMean, keptVar}, x, elementType,
                [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                  Value eps = createScalarConstant(nb, l, elementType, 1e-9);
                  Value std = arith::AddFOp::create(
                      nb, l, math::SqrtOp::create(nb, l, args[2]), eps);
                  return arith::DivFOp::create(
                      nb, l, arith::SubFOp::create(nb, l, args[0], args[1]),
                      std);
                }));
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
    Value scale = perChannel(rewriter, loc, adaptor.getScale(), type.getRank());
    Value bias = perChannel(rewriter, loc, adaptor.getB(), type.getRank());
    SmallVector<Type> origTypes = {op.getInput().getType(), mean.getType(),
                                   invStd.getType(), scale.getType(),
                                   bias.getType()};
    rewriter.replaceOp(op, normalize(rewriter, loc, x, mean, invStd, scale,
                                     bias, origTypes, op.getInput().getType()));
    return success();
  }
};

struct LpNormalizationLowering : OpConversionPattern<onnx::LpNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LpNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 1 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    int64_t p = op.getP();
    if (p != 1 && p != 2)
      return rewriter.notifyMatchFailure(op, "p is neither 1 nor 2");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Type elementType = type.getElementType();
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value sums = buildReduction(
        rewriter, loc, x, {*axis}, zero,
        [p](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value term =
              p == 1 ? (Value)math::AbsFOp::create(b, l, args[0])
                     : (Value)arith::MulFOp::create(b, l, args[0], args[0]);
          return arith::AddFOp::create(b, l, term, args[1]);
        });
    Value norms = restoreReducedDims(rewriter, loc, sums, type, {*axis});
    rewriter.replaceOp(
        op, buildInternalBroadcast(
                rewriter, loc, {x, norms}, x, elementType,
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  Value norm = args[1];
                  if (p == 2)
                    norm = math::SqrtOp::create(b, l, norm);
                  Value zero = createScalarConstant(b, l, elementType, 0);
                  Value isZero = arith::CmpFOp::create(
                      b, l, arith::CmpFPredicate::OEQ, norm, zero);
                  return arith::SelectOp::create(
                      b, l, isZero, zero,
                      arith::DivFOp::create(b, l, args[0], norm));
                }));
    return success();
  }
};

/// y = x / (bias + alpha / size * sum of x^2 over channels
/// [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)]) ^ beta.
struct LrnLowering : OpConversionPattern<onnx::LRNOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LRNOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    int64_t size = op.getSize();
    if (size < 1)
      return rewriter.notifyMatchFailure(op, "size below 1");
    int64_t rank = type.getRank();
    Type elementType = type.getElementType();
    MLIRContext *ctx = rewriter.getContext();
    Value squares = buildInternalBroadcast(
        rewriter, loc, {x}, x, elementType,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          return arith::MulFOp::create(b, l, args[0], args[0]);
        });
    // Zero-pad the channels so that every window is in bounds.
    int64_t before = (size - 1) / 2, after = size - 1 - before;
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> high(rank, rewriter.getIndexAttr(0));
    low[1] = rewriter.getIndexAttr(before);
    high[1] = rewriter.getIndexAttr(after);
    SmallVector<int64_t> paddedShape(type.getShape());
    if (!type.isDynamicDim(1))
      paddedShape[1] += size - 1;
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value padded = tensor::PadOp::create(
        rewriter, loc, RankedTensorType::get(paddedShape, elementType), squares,
        low, high, zero);
    // sums[n, c, d...] = sum_k padded[n, c + k, d...].
    SmallVector<AffineExpr> paddedExprs, outExprs;
    for (int64_t i = 0; i < rank; ++i) {
      AffineExpr d = getAffineDimExpr(i, ctx);
      paddedExprs.push_back(i == 1 ? d + getAffineDimExpr(rank, ctx) : d);
      outExprs.push_back(d);
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, paddedExprs, ctx),
        AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, ctx)}, ctx),
        AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Value window = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{size}, elementType);
    Value init =
        createFilled(rewriter, loc, type, getSizes(rewriter, loc, x), zero);
    Value sums = linalg::GenericOp::create(
                     rewriter, loc, TypeRange{type}, ValueRange{padded, window},
                     ValueRange{init}, maps, iterators,
                     [](OpBuilder &b, Location l, ValueRange args) {
                       Value sum =
                           arith::AddFOp::create(b, l, args[0], args[2]);
                       linalg::YieldOp::create(b, l, sum);
                     })
                     .getResult(0);
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    double bias = op.getBias().convertToDouble();
    rewriter.replaceOp(
        op,
        buildInternalBroadcast(
            rewriter, loc, {x, sums}, x, elementType,
            [&](OpBuilder &b, Location l, ValueRange args) -> Value {
              Value scaled = arith::MulFOp::create(
                  b, l, args[1],
                  createScalarConstant(b, l, elementType, alpha / size));
              Value base = arith::AddFOp::create(
                  b, l, scaled, createScalarConstant(b, l, elementType, bias));
              Value denom = math::PowFOp::create(
                  b, l, base, createScalarConstant(b, l, elementType, beta));
              return arith::DivFOp::create(b, l, args[0], denom);
            }));
    return success();
  }
};

} // namespace

void populateOnnxNormalizationToLinalgPatterns(TypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, BatchNormTrainingLowering, LayerNormLowering,
               RMSNormLowering, InstanceNormLowering, GroupNormLowering,
               MeanVarianceNormLowering, LpNormalizationLowering, LrnLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
