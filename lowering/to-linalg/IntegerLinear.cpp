//===- IntegerLinear.cpp - integer and QLinear MatMul/Conv -> linalg ------===//
//
// MatMulInteger and ConvInteger accumulate (x - x_zero_point) * (w -
// w_zero_point) in i32 in one contraction linalg.generic whose body extends
// and offsets the 8-bit operands (zero points are generic inputs: scalar,
// [1], per row of A / per column of B / per output channel of W). ConvInteger
// pads x with its zero point, so padded points contribute 0.
// QLinearMatMul and QLinearConv requantize that i32 accumulator (plus the
// i32 bias of QLinearConv) like the ONNX reference: in f64,
// acc * (a_scale * w_scale / y_scale) + y_zero_point, rounded half to even
// and clamped to the output's integer range.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// An operand read inside a generic through its own indexing map.
struct Param {
  Value value;
  AffineMap map;
  bool isUnsigned = false;
};

/// The map reading a quantization parameter: a scalar, a [1] tensor, or a
/// 1-D tensor of `perSize` elements along loop `perDim`; failure otherwise.
FailureOr<AffineMap> getParamMap(Value param, unsigned numLoops,
                                 unsigned perDim, int64_t perSize) {
  MLIRContext *ctx = param.getContext();
  auto type = dyn_cast<RankedTensorType>(param.getType());
  if (!type)
    return failure();
  if (type.getRank() == 0)
    return AffineMap::get(numLoops, 0, {}, ctx);
  if (type.getRank() != 1 || type.isDynamicDim(0))
    return failure();
  if (type.getDimSize(0) == 1)
    return AffineMap::get(numLoops, 0, {getAffineConstantExpr(0, ctx)}, ctx);
  if (type.getDimSize(0) != perSize)
    return failure();
  return AffineMap::get(numLoops, 0, {getAffineDimExpr(perDim, ctx)}, ctx);
}

/// The optional operand, or null when omitted.
Value optional(Value v) {
  return v && !isa<NoneType>(v.getType()) ? v : Value();
}

/// Builds a generic over `inputs` (each with its map) into `init`; `body`
/// gets the input scalars and the accumulator.
Value buildGeneric(
    OpBuilder &b, Location loc, ArrayRef<Param> inputs, Value init,
    AffineMap outMap, ArrayRef<utils::IteratorType> iterators,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body) {
  SmallVector<Value> values;
  SmallVector<AffineMap> maps;
  for (const Param &p : inputs) {
    values.push_back(p.value);
    maps.push_back(p.map);
  }
  maps.push_back(outMap);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, values, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l, body(nb, l, args.drop_back(), args.back()));
             })
      .getResult(0);
}

/// The body of an integer contraction: acc + (x - xzp) * (w - wzp) in i32;
/// `args` are x, w and then the zero points that are present.
Value integerProductBody(OpBuilder &b, Location loc, ValueRange args,
                         Value acc, ArrayRef<Param> params, bool hasXZp,
                         bool hasWZp) {
  Type i32 = b.getI32Type();
  auto ext = [&](unsigned i) {
    return convertScalar(b, loc, args[i], i32, params[i].isUnsigned, false);
  };
  Value x = ext(0), w = ext(1);
  unsigned next = 2;
  if (hasXZp)
    x = arith::SubIOp::create(b, loc, x, ext(next++));
  if (hasWZp)
    w = arith::SubIOp::create(b, loc, w, ext(next++));
  return arith::AddIOp::create(b, loc, acc, arith::MulIOp::create(b, loc, x, w));
}

/// (a - aZp) x (b - bZp) into an i32 tensor of `resultType`'s shape, with
/// MatMul's batch broadcasting (operands of rank 2 or more).
FailureOr<Value> buildIntegerMatMul(ConversionPatternRewriter &rewriter,
                                    Operation *op, Value a, Value bm,
                                    Value aZp, Value bZp, Type aOrig,
                                    Type bOrig, Type aZpOrig, Type bZpOrig,
                                    RankedTensorType resultType) {
  Location loc = op->getLoc();
  MLIRContext *ctx = rewriter.getContext();
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(bm.getType());
  int64_t rank = resultType.getRank();
  if (aType.getRank() < 2 || bType.getRank() < 2 || rank < 2)
    return rewriter.notifyMatchFailure(op, "expects operands of rank >= 2");
  int64_t batchRank = rank - 2;
  unsigned numLoops = rank + 1;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  AffineExpr m = d(batchRank), n = d(batchRank + 1), k = d(rank);
  auto batchExprs = [&](RankedTensorType type) {
    SmallVector<AffineExpr> exprs;
    int64_t own = type.getRank() - 2;
    for (int64_t i = 0; i < own; ++i) {
      int64_t loop = i + batchRank - own;
      bool broadcast =
          type.getDimSize(i) == 1 && resultType.getDimSize(loop) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : d(loop));
    }
    return exprs;
  };
  SmallVector<AffineExpr> aExprs = batchExprs(aType), bExprs = batchExprs(bType);
  aExprs.append({m, k});
  bExprs.append({k, n});
  SmallVector<Param> params = {
      {a, AffineMap::get(numLoops, 0, aExprs, ctx), isUnsignedElement(aOrig)},
      {bm, AffineMap::get(numLoops, 0, bExprs, ctx), isUnsignedElement(bOrig)}};
  if (aZp) {
    FailureOr<AffineMap> map = getParamMap(aZp, numLoops, batchRank,
                                           aType.getDimSize(aType.getRank() - 2));
    if (failed(map))
      return rewriter.notifyMatchFailure(op, "unsupported a_zero_point shape");
    params.push_back({aZp, *map, isUnsignedElement(aZpOrig)});
  }
  if (bZp) {
    FailureOr<AffineMap> map = getParamMap(bZp, numLoops, batchRank + 1,
                                           bType.getDimSize(bType.getRank() - 1));
    if (failed(map))
      return rewriter.notifyMatchFailure(op, "unsupported b_zero_point shape");
    params.push_back({bZp, *map, isUnsignedElement(bZpOrig)});
  }

  // Result sizes: batch dims from whichever operand has them, then M, N.
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < batchRank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(rewriter.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    int64_t ad = i - (batchRank - (aType.getRank() - 2));
    sizes.push_back(ad >= 0 && aType.getDimSize(ad) != 1
                        ? getDimValue(rewriter, loc, a, ad)
                        : getDimValue(rewriter, loc, bm,
                                      i - (batchRank - (bType.getRank() - 2))));
  }
  sizes.push_back(tensor::getMixedSize(rewriter, loc, a, aType.getRank() - 2));
  sizes.push_back(tensor::getMixedSize(rewriter, loc, bm, bType.getRank() - 1));
  auto accType = RankedTensorType::get(resultType.getShape(),
                                       rewriter.getI32Type());
  Value init = createFilled(rewriter, loc, accType, sizes,
                            createScalarConstant(rewriter, loc,
                                                 rewriter.getI32Type(), 0));
  SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
  iterators.push_back(utils::IteratorType::reduction);
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(d(i));
  bool hasAZp = (bool)aZp, hasBZp = (bool)bZp;
  return buildGeneric(rewriter, loc, params, init,
                      AffineMap::get(numLoops, 0, outExprs, ctx), iterators,
                      [&](OpBuilder &b, Location l, ValueRange args, Value acc) {
                        return integerProductBody(b, l, args, acc, params,
                                                  hasAZp, hasBZp);
                      });
}

/// Requantizes the i32 accumulator: round_half_even(acc * (xs * ws / ys) +
/// yzp) clamped to the output range, computed in f64. `wScaleDim` is the
/// loop along which a 1-D w/b scale varies (per row of A: `xScaleDim`).
FailureOr<Value> requantize(ConversionPatternRewriter &rewriter, Operation *op,
                            Value acc, Value xScale, int64_t xScaleDim,
                            int64_t xScaleSize, Value wScale, int64_t wScaleDim,
                            int64_t wScaleSize, Value yScale, Value yZp,
                            Type yZpOrig, RankedTensorType resultType,
                            bool resultUnsigned) {
  Location loc = op->getLoc();
  auto accType = cast<RankedTensorType>(acc.getType());
  unsigned rank = accType.getRank();
  auto outInt = dyn_cast<IntegerType>(resultType.getElementType());
  if (!outInt)
    return rewriter.notifyMatchFailure(op, "expects an integer output");
  SmallVector<Param> params = {
      {acc, rewriter.getMultiDimIdentityMap(rank), false}};
  auto addParam = [&](Value v, int64_t dim, int64_t size,
                      Type orig) -> LogicalResult {
    FailureOr<AffineMap> map = getParamMap(v, rank, dim, size);
    if (failed(map))
      return failure();
    params.push_back({v, *map, orig && isUnsignedElement(orig)});
    return success();
  };
  if (failed(addParam(xScale, xScaleDim, xScaleSize, {})) ||
      failed(addParam(wScale, wScaleDim, wScaleSize, {})) ||
      failed(addParam(yScale, 0, -1, {})) ||
      (yZp && failed(addParam(yZp, 0, -1, yZpOrig))))
    return rewriter.notifyMatchFailure(op, "unsupported scale/zero point shape");
  Value init = createEmpty(rewriter, loc, resultType, getSizes(rewriter, loc, acc));
  unsigned width = outInt.getWidth();
  double lo = resultUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double hi = resultUnsigned ? std::ldexp(1.0, width) - 1.0
                             : std::ldexp(1.0, width - 1) - 1.0;
  bool hasZp = (bool)yZp;
  return buildGeneric(
      rewriter, loc, params, init, rewriter.getMultiDimIdentityMap(rank),
      parallelIterators(rank),
      [&](OpBuilder &b, Location l, ValueRange args, Value) -> Value {
        Type f64 = b.getF64Type();
        // The multiplier in the scales' own precision, as numpy does.
        Value mult = arith::MulFOp::create(b, l, args[1], args[2]);
        mult = arith::DivFOp::create(b, l, mult, args[3]);
        Value v = arith::MulFOp::create(
            b, l, convertScalar(b, l, args[0], f64, false, false),
            convertScalar(b, l, mult, f64, false, false));
        if (hasZp)
          v = arith::AddFOp::create(
              b, l, v,
              convertScalar(b, l, args[4], f64, params[4].isUnsigned, false));
        v = math::RoundEvenOp::create(b, l, v);
        v = arith::MaximumFOp::create(b, l, v, createScalarConstant(b, l, f64, lo));
        v = arith::MinimumFOp::create(b, l, v, createScalarConstant(b, l, f64, hi));
        return convertScalar(b, l, v, outInt, false, resultUnsigned);
      });
}

struct MatMulIntegerLowering : OpConversionPattern<onnx::MatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::MatMulIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || !isa<RankedTensorType>(adaptor.getA().getType()) ||
        !isa<RankedTensorType>(adaptor.getB().getType()))
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    Value aZp = optional(adaptor.getAZeroPoint());
    Value bZp = optional(adaptor.getBZeroPoint());
    FailureOr<Value> result = buildIntegerMatMul(
        rewriter, op, adaptor.getA(), adaptor.getB(), aZp, bZp,
        op.getA().getType(), op.getB().getType(),
        aZp ? op.getAZeroPoint().getType() : Type(),
        bZp ? op.getBZeroPoint().getType() : Type(), resultType);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

struct QLinearMatMulLowering : OpConversionPattern<onnx::QLinearMatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::QLinearMatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    auto aType = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!resultType || !aType || !bType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    if (!isa<IntegerType>(aType.getElementType()) ||
        !isa<IntegerType>(bType.getElementType()))
      return rewriter.notifyMatchFailure(op, "float8 operands are unsupported");
    auto accType = RankedTensorType::get(resultType.getShape(),
                                         rewriter.getI32Type());
    FailureOr<Value> acc = buildIntegerMatMul(
        rewriter, op, adaptor.getA(), adaptor.getB(), adaptor.getAZeroPoint(),
        adaptor.getBZeroPoint(), op.getA().getType(), op.getB().getType(),
        op.getAZeroPoint().getType(), op.getBZeroPoint().getType(), accType);
    if (failed(acc))
      return failure();
    int64_t rank = resultType.getRank();
    FailureOr<Value> result = requantize(
        rewriter, op, *acc, adaptor.getAScale(), rank - 2,
        aType.getDimSize(aType.getRank() - 2), adaptor.getBScale(), rank - 1,
        bType.getDimSize(bType.getRank() - 1), adaptor.getYScale(),
        adaptor.getYZeroPoint(), op.getYZeroPoint().getType(), resultType,
        isUnsignedElement(op.getY().getType()));
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

/// (x - xZp) conv (w - wZp) in i32 (group 1), accumulated onto the i32
/// `bias` (null: zeros), x padded with its zero point.
template <typename OpTy>
FailureOr<Value> buildIntegerConv(ConversionPatternRewriter &rewriter, OpTy op,
                                  Value x, Value w, Value xZp, Value wZp,
                                  Value bias, RankedTensorType resultType) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto wType = dyn_cast<RankedTensorType>(w.getType());
  if (!xType || !wType || xType.getRank() < 3 ||
      wType.getRank() != xType.getRank() || !wType.hasStaticShape() ||
      xType.isDynamicDim(1) || wType.getDimSize(1) != xType.getDimSize(1))
    return rewriter.notifyMatchFailure(op, "expects static channels/kernel");
  if (op.getGroup() != 1)
    return rewriter.notifyMatchFailure(op, "grouped integer conv unsupported");
  FailureOr<WindowGeometry> geometry = getWindowGeometry(
      rewriter, op, xType, wType.getShape().drop_front(2), op.getStridesAttr(),
      op.getDilationsAttr(), op.getPadsAttr(), op.getAutoPad(),
      /*ceilMode=*/false, resultType);
  if (failed(geometry))
    return failure();
  const WindowGeometry &g = *geometry;
  int64_t r = xType.getRank() - 2;
  int64_t outChannels = wType.getDimSize(0);

  // Pad with x's zero point so that padded points contribute nothing.
  Value padValue;
  if (xZp) {
    auto zpType = cast<RankedTensorType>(xZp.getType());
    if (!zpType.hasStaticShape() || zpType.getNumElements() != 1 ||
        zpType.getRank() > 1)
      return rewriter.notifyMatchFailure(op, "expects a scalar x_zero_point");
    SmallVector<Value> idx(zpType.getRank(),
                           arith::ConstantIndexOp::create(rewriter, loc, 0));
    padValue = tensor::ExtractOp::create(rewriter, loc, xZp, idx);
  } else {
    padValue = createScalarConstant(rewriter, loc, xType.getElementType(), 0);
  }
  Value padded = padSpatial(rewriter, loc, x, g.padsBegin, g.padsEnd, padValue);

  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, x, 0),
                                     rewriter.getIndexAttr(outChannels)};
  for (int64_t i = 0; i < r; ++i)
    sizes.push_back(getWindowOutputSize(
        rewriter, loc, tensor::getMixedSize(rewriter, loc, x, i + 2),
        g.kernel[i], g.strides[i], g.dilations[i],
        g.padsBegin[i] + g.padsEnd[i]));
  Type i32 = rewriter.getI32Type();
  auto accType = RankedTensorType::get(resultType.getShape(), i32);
  int64_t rank = accType.getRank();
  Value init;
  if (bias) {
    Value empty = createEmpty(rewriter, loc, accType, sizes);
    init = buildGeneric(
        rewriter, loc,
        {{bias, AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx)}},
        empty, rewriter.getMultiDimIdentityMap(rank), parallelIterators(rank),
        [](OpBuilder &, Location, ValueRange args, Value) { return args[0]; });
  } else {
    init = createFilled(rewriter, loc, accType, sizes,
                        createScalarConstant(rewriter, loc, i32, 0));
  }

  // Loops: n, m, o_1..o_r, c, k_1..k_r.
  unsigned numLoops = 3 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xExprs = {d(0), d(2 + r)}, wExprs = {d(1), d(2 + r)},
                          outExprs = {d(0), d(1)};
  for (int64_t i = 0; i < r; ++i) {
    xExprs.push_back(d(2 + i) * g.strides[i] + d(3 + r + i) * g.dilations[i]);
    wExprs.push_back(d(3 + r + i));
    outExprs.push_back(d(2 + i));
  }
  SmallVector<Param> params = {
      {padded, AffineMap::get(numLoops, 0, xExprs, ctx),
       isUnsignedElement(op.getX().getType())},
      {w, AffineMap::get(numLoops, 0, wExprs, ctx),
       isUnsignedElement(op.getW().getType())}};
  if (xZp)
    params.push_back({xZp, *getParamMap(xZp, numLoops, 0, -1),
                      isUnsignedElement(op.getXZeroPoint().getType())});
  if (wZp) {
    FailureOr<AffineMap> map = getParamMap(wZp, numLoops, 1, outChannels);
    if (failed(map))
      return rewriter.notifyMatchFailure(op, "unsupported w_zero_point shape");
    params.push_back(
        {wZp, *map, isUnsignedElement(op.getWZeroPoint().getType())});
  }
  SmallVector<utils::IteratorType> iterators = parallelIterators(2 + r);
  iterators.append(r + 1, utils::IteratorType::reduction);
  bool hasXZp = (bool)xZp, hasWZp = (bool)wZp;
  return buildGeneric(rewriter, loc, params, init,
                      AffineMap::get(numLoops, 0, outExprs, ctx), iterators,
                      [&](OpBuilder &b, Location l, ValueRange args, Value acc) {
                        return integerProductBody(b, l, args, acc, params,
                                                  hasXZp, hasWZp);
                      });
}

struct ConvIntegerLowering : OpConversionPattern<onnx::ConvIntegerOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConvIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "expects a ranked result");
    FailureOr<Value> result = buildIntegerConv(
        rewriter, op, adaptor.getX(), adaptor.getW(),
        optional(adaptor.getXZeroPoint()), optional(adaptor.getWZeroPoint()),
        Value(), resultType);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

struct QLinearConvLowering : OpConversionPattern<onnx::QLinearConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::QLinearConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    auto wType = dyn_cast<RankedTensorType>(adaptor.getW().getType());
    if (!resultType || !wType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    FailureOr<Value> acc = buildIntegerConv(
        rewriter, op, adaptor.getX(), adaptor.getW(), adaptor.getXZeroPoint(),
        adaptor.getWZeroPoint(), optional(adaptor.getB()), resultType);
    if (failed(acc))
      return failure();
    FailureOr<Value> result = requantize(
        rewriter, op, *acc, adaptor.getXScale(), 0, -1, adaptor.getWScale(), 1,
        wType.getDimSize(0), adaptor.getYScale(), adaptor.getYZeroPoint(),
        op.getYZeroPoint().getType(), resultType,
        isUnsignedElement(op.getY().getType()));
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

} // namespace

void populateOnnxIntegerLinearToLinalgPatterns(TypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<MatMulIntegerLowering, QLinearMatMulLowering,
               ConvIntegerLowering, QLinearConvLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
