//===- Pooling.cpp - onnx pooling ops -> linalg pooling -------------------===//
//
// MaxPool pads with -inf and AveragePool with 0 (tensor.pad, including the
// extra end padding ceil_mode needs), then use linalg.pooling_nchw_max/sum
// for 2-D and a windowed linalg.generic otherwise. MaxPool's Indices output
// comes from a windowed generic reducing (value, flat index) pairs, the
// index row- or column-major (storage_order) over the unpadded input.
// AveragePool divides by
// the per-output window count computed from the output index, which gives
// count_include_pad and the ceil_mode tail exactly. Global pools are
// reductions over the spatial dims. LpPool sums |x|^p like AveragePool's
// sum and takes the p-th root.
//
// Ops that write values back into an image:
// Col2Im (the inverse of im2col) is a gather over the image: every image
// element sums, over the kernel offsets, the column entries whose sliding
// block covers it (a generic with reduction dims over the block shape; the
// block shape and image shape may be run-time inputs, checked against the
// input's and the result's sizes).
// MaxUnpool scatters X into a zero image at the flat indices of I (a
// sequential scf.for of tensor.insert, so a repeated index keeps the last
// value, as the reference does), with the indices checked in range first;
// the unpooled image is then zero-padded to a larger output_shape.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {
namespace {

enum class PoolKind { Max, Sum };

/// Pools the padded `input` [N, C, S...] into `init` [N, C, O...].
Value buildPool(OpBuilder &b, Location loc, PoolKind kind, Value input,
                Value init, const WindowGeometry &g, bool isUnsigned) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  Type elementType = inType.getElementType();
  int64_t r = inType.getRank() - 2;
  Value window = tensor::EmptyOp::create(b, loc, g.kernel, elementType);
  if (r == 2 && isa<FloatType>(elementType)) {
    auto strides = b.getI64TensorAttr(g.strides);
    auto dilations = b.getI64TensorAttr(g.dilations);
    if (kind == PoolKind::Max)
      return linalg::PoolingNchwMaxOp::create(
                 b, loc, TypeRange{outType}, ValueRange{input, window},
                 ValueRange{init}, strides, dilations)
          .getResult(0);
    return linalg::PoolingNchwSumOp::create(b, loc, TypeRange{outType},
                                            ValueRange{input, window},
                                            ValueRange{init}, strides,
                                            dilations)
        .getResult(0);
  }
  // Loops: n, c, o_1..o_r, k_1..k_r; the window operand only gives the k
  // loops their extent.
  int64_t numLoops = 2 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> inExprs = {d(0), d(1)}, winExprs, outExprs = {d(0), d(1)};
  for (int64_t i = 0; i < r; ++i) {
    inExprs.push_back(d(2 + i) * g.strides[i] + d(2 + r + i) * g.dilations[i]);
    winExprs.push_back(d(2 + r + i));
    outExprs.push_back(d(2 + i));
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inExprs, ctx),
                                 AffineMap::get(numLoops, 0, winExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(2 + r);
  iterators.append(r, utils::IteratorType::reduction);
  bool isFloat = isa<FloatType>(elementType);
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{input, window},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value v;
               if (kind == PoolKind::Sum)
                 v = arith::AddFOp::create(nb, nloc, args[0], args[2]);
               else if (isFloat)
                 v = arith::MaximumFOp::create(nb, nloc, args[0], args[2]);
               else if (isUnsigned)
                 v = arith::MaxUIOp::create(nb, nloc, args[0], args[2]);
               else
                 v = arith::MaxSIOp::create(nb, nloc, args[0], args[2]);
               linalg::YieldOp::create(nb, nloc, v);
             })
      .getResult(0);
}

/// Max-pools the padded `input` [N, C, S...] of the unpadded `x` into
/// (values, indices): the index of each maximum in `x` flattened row-major
/// (`columnMajor`: the spatial dims column-major), the first maximum of the
/// window winning.
std::pair<Value, Value>
buildMaxPoolWithIndices(OpBuilder &b, Location loc, Value x, Value input,
                        Value valuesInit, Value indicesInit,
                        const WindowGeometry &g, bool isUnsigned,
                        bool columnMajor) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  Type elementType = inType.getElementType();
  int64_t r = inType.getRank() - 2;
  int64_t numLoops = 2 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> inExprs = {d(0), d(1)}, winExprs,
                          outExprs = {d(0), d(1)};
  for (int64_t i = 0; i < r; ++i) {
    inExprs.push_back(d(2 + i) * g.strides[i] + d(2 + r + i) * g.dilations[i]);
    winExprs.push_back(d(2 + r + i));
    outExprs.push_back(d(2 + i));
  }
  AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, ctx);
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inExprs, ctx),
                                 AffineMap::get(numLoops, 0, winExprs, ctx),
                                 outMap, outMap};
  SmallVector<utils::IteratorType> iterators = parallelIterators(2 + r);
  iterators.append(r, utils::IteratorType::reduction);
  Value window = tensor::EmptyOp::create(b, loc, g.kernel, elementType);
  // Sizes of the unpadded input, read outside the loop nest.
  SmallVector<Value> dims;
  for (int64_t i = 0; i < r + 2; ++i)
    dims.push_back(getDimValue(b, loc, x, i));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valuesInit.getType(), indicesInit.getType()},
      ValueRange{input, window}, ValueRange{valuesInit, indicesInit}, maps,
      iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        auto c = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, l, v);
        };
        auto idx = [&](int64_t i) { return linalg::IndexOp::create(nb, l, i); };
        // The position in the unpadded input and whether it is inside.
        Value inside = arith::ConstantOp::create(nb, l, nb.getBoolAttr(true));
        SmallVector<Value> pos;
        for (int64_t i = 0; i < r; ++i) {
          Value start =
              arith::MulIOp::create(nb, l, idx(2 + i), c(g.strides[i]));
          Value offset =
              arith::MulIOp::create(nb, l, idx(2 + r + i), c(g.dilations[i]));
          Value p = arith::AddIOp::create(nb, l, start, offset);
          p = arith::SubIOp::create(nb, l, p, c(g.padsBegin[i]));
          Value notBefore =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, p, c(0));
          Value notAfter = arith::CmpIOp::create(
              nb, l, arith::CmpIPredicate::slt, p, dims[2 + i]);
          inside = arith::AndIOp::create(
              nb, l, inside, arith::AndIOp::create(nb, l, notBefore, notAfter));
          pos.push_back(p);
        }
        // flat = (n * C + c) * prod(S) + spatial offset.
        Value flat = arith::MulIOp::create(nb, l, idx(0), dims[1]);
        flat = arith::AddIOp::create(nb, l, flat, idx(1));
        Value spatial = c(0), stride = c(1);
        for (int64_t k = 0; k < r; ++k) {
          int64_t i = columnMajor ? k : r - 1 - k;
          Value term = arith::MulIOp::create(nb, l, pos[i], stride);
          spatial = arith::AddIOp::create(nb, l, spatial, term);
          stride = arith::MulIOp::create(nb, l, stride, dims[2 + i]);
        }
        flat = arith::MulIOp::create(nb, l, flat, stride);
        flat = arith::AddIOp::create(nb, l, flat, spatial);
        Value flatI64 =
            arith::IndexCastOp::create(nb, l, nb.getI64Type(), flat);
        Value x = args[0], best = args[2], bestIndex = args[3];
        Value greater =
            isa<FloatType>(elementType)
                ? (Value)arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                               x, best)
                : (Value)arith::CmpIOp::create(nb, l,
                                               isUnsigned
                                                   ? arith::CmpIPredicate::ugt
                                                   : arith::CmpIPredicate::sgt,
                                               x, best);
        // The first element inside the input wins whatever its value.
        Value none = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::slt, bestIndex,
            createScalarConstant(nb, l, nb.getI64Type(), 0));
        Value wins = arith::OrIOp::create(nb, l, greater, none);
        Value better = arith::AndIOp::create(nb, l, inside, wins);
        Value value = arith::SelectOp::create(nb, l, better, x, best);
        Value index =
            arith::SelectOp::create(nb, l, better, flatI64, bestIndex);
        linalg::YieldOp::create(nb, l, ValueRange{value, index});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// Divides the window sums by the number of input (or, with
/// count_include_pad, input-or-explicit-pad) positions each window covers.
Value divideByWindowCount(OpBuilder &b, Location loc, Value sums,
                          const WindowGeometry &g, ArrayRef<int64_t> explicitEnd,
                          RankedTensorType inType, bool countIncludePad) {
  auto type = cast<RankedTensorType>(sums.getType());
  int64_t rank = type.getRank(), r = rank - 2;
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value empty = createEmpty(b, loc, type, getSizes(b, loc, sums));
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{sums}, ValueRange{empty}, maps,
             parallelIterators(rank),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               auto c = [&](int64_t v) {
                 return arith::ConstantIndexOp::create(nb, nloc, v);
               };
               Value count = c(1);
               for (int64_t i = 0; i < r; ++i) {
                 // Window positions t in [0, k) with lo <= start + t*d < hi.
                 int64_t lo = countIncludePad ? -g.padsBegin[i] : 0;
                 int64_t hi = inType.getDimSize(i + 2) +
                              (countIncludePad ? explicitEnd[i] : 0);
                 Value o = linalg::IndexOp::create(nb, nloc, 2 + i);
                 Value start = arith::SubIOp::create(
                     nb, nloc, arith::MulIOp::create(nb, nloc, o, c(g.strides[i])),
                     c(g.padsBegin[i]));
                 Value dil = c(g.dilations[i]);
                 Value first = arith::CeilDivSIOp::create(
                     nb, nloc, arith::SubIOp::create(nb, nloc, c(lo), start), dil);
                 first = arith::MaxSIOp::create(nb, nloc, first, c(0));
                 Value last = arith::FloorDivSIOp::create(
                     nb, nloc,
                     arith::SubIOp::create(nb, nloc, c(hi - 1), start), dil);
                 last = arith::MinSIOp::create(nb, nloc, last,
                                               c(g.kernel[i] - 1));
                 Value n = arith::AddIOp::create(
                     nb, nloc, arith::SubIOp::create(nb, nloc, last, first), c(1));
                 n = arith::MaxSIOp::create(nb, nloc, n, c(1));
                 count = arith::MulIOp::create(nb, nloc, count, n);
               }
               Value countInt = arith::IndexCastOp::create(
                   nb, nloc, nb.getI64Type(), count);
               Value countF = arith::SIToFPOp::create(
                   nb, nloc, args[0].getType(), countInt);
               Value mean = arith::DivFOp::create(nb, nloc, args[0], countF);
               linalg::YieldOp::create(nb, nloc, mean);
             })
      .getResult(0);
}

template <typename OpTy, PoolKind kind>
struct PoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*this->getTypeConverter(), op);
    if (!xType || !resultType || xType.getRank() < 3)
      return rewriter.notifyMatchFailure(op, "expects ranked N-D input");
    RankedTensorType indicesType;
    bool withIndices = op->getNumResults() > 1 &&
                       !isa<NoneType>(op->getResult(1).getType()) &&
                       !op->getResult(1).use_empty();
    if (withIndices) {
      indicesType = getConvertedResultType(*this->getTypeConverter(), op, 1);
      if (!indicesType)
        return rewriter.notifyMatchFailure(op, "expects ranked Indices");
    }
    SmallVector<int64_t> kernel;
    for (Attribute a : op.getKernelShape())
      kernel.push_back(cast<IntegerAttr>(a).getInt());
    FailureOr<WindowGeometry> geometry = getWindowGeometry(
        rewriter, op, xType, kernel, op.getStridesAttr(), op.getDilationsAttr(),
        op.getPadsAttr(), op.getAutoPad(), op.getCeilMode() != 0, resultType);
    if (failed(geometry))
      return failure();
    WindowGeometry g = *geometry;
    int64_t r = xType.getRank() - 2;
    // The end pads without ceil_mode's extra tail (for count_include_pad).
    FailureOr<WindowGeometry> noCeil = getWindowGeometry(
        rewriter, op, xType, kernel, op.getStridesAttr(), op.getDilationsAttr(),
        op.getPadsAttr(), op.getAutoPad(), false, resultType);
    if (failed(noCeil))
      return failure();

    if (kind == PoolKind::Sum)
      for (int64_t i = 0; i < r; ++i)
        if (xType.isDynamicDim(i + 2))
          return rewriter.notifyMatchFailure(op, "dynamic spatial dims");
    Type elementType = xType.getElementType();
    bool isUnsigned = isUnsignedElement(op.getX().getType());
    Value padValue = kind == PoolKind::Max
                         ? createLowestValue(rewriter, loc, elementType,
                                             isUnsigned)
                         : createScalarConstant(rewriter, loc, elementType, 0);
    Value padded = padSpatial(rewriter, loc, x, g.padsBegin, g.padsEnd, padValue);
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, x, 0),
                                       tensor::getMixedSize(rewriter, loc, x, 1)};
    for (int64_t i = 0; i < r; ++i)
      sizes.push_back(getWindowOutputSize(
          rewriter, loc, tensor::getMixedSize(rewriter, loc, x, i + 2),
          g.kernel[i], g.strides[i], g.dilations[i],
          g.padsBegin[i] + g.padsEnd[i]));
    Value init = createFilled(rewriter, loc, resultType, sizes, padValue);
    if constexpr (std::is_same_v<OpTy, onnx::MaxPoolOp>) {
      if (withIndices) {
        Value indicesInit = createFilled(
            rewriter, loc, indicesType, sizes,
            createScalarConstant(rewriter, loc, rewriter.getI64Type(), -1));
        auto [values, indices] =
            buildMaxPoolWithIndices(rewriter, loc, x, padded, init, indicesInit,
                                    g, isUnsigned, op.getStorageOrder() != 0);
        rewriter.replaceOp(op, ValueRange{values, indices});
        return success();
      }
    }
    Value result =
        buildPool(rewriter, loc, kind, padded, init, g, isUnsigned);
    if constexpr (kind == PoolKind::Sum) {
      result = divideByWindowCount(rewriter, loc, result, g, noCeil->padsEnd,
                                   xType, op.getCountIncludePad() != 0);
    }
    SmallVector<Value> replacements = {result};
    // The unused Indices output (a `none` result or dead) goes away.
    for (unsigned i = 1; i < op->getNumResults(); ++i)
      replacements.push_back(Value());
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

template <typename OpTy, PoolKind kind>
struct GlobalPoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*this->getTypeConverter(), op);
    if (!xType || !resultType || xType.getRank() < 3 ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects ranked float N-D input");
    Type elementType = xType.getElementType();
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i < xType.getRank(); ++i)
      axes.push_back(i);
    Value init = kind == PoolKind::Max
                     ? createLowestValue(rewriter, loc, elementType, false)
                     : createScalarConstant(rewriter, loc, elementType, 0);
    Value reduced = buildReduction(
        rewriter, loc, x, axes, init,
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          if (kind == PoolKind::Max)
            return arith::MaximumFOp::create(nb, nloc, args[0], args[1]);
          return arith::AddFOp::create(nb, nloc, args[0], args[1]);
        });
    if (kind == PoolKind::Sum) {
      Value count = getProduct(
          rewriter, loc, ArrayRef<OpFoldResult>(getSizes(rewriter, loc, x)).drop_front(2));
      Value countF = arith::UIToFPOp::create(
          rewriter, loc, elementType,
          arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), count));
      reduced = buildInternalBroadcast(
          rewriter, loc, {reduced}, reduced, elementType,
          [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
            return arith::DivFOp::create(nb, nloc, args[0], countF);
          });
    }
    SmallVector<bool> isUnit(xType.getRank(), true);
    isUnit[0] = isUnit[1] = false;
    rewriter.replaceOp(
        op, expandUnitDims(rewriter, loc, reduced, resultType, isUnit));
    return success();
  }
};

/// LpPool: (sum over the window of |x|^p)^(1/p), the padding adding 0.
struct LpPoolLowering : OpConversionPattern<onnx::LpPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LpPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !resultType || xType.getRank() < 3 ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects ranked float N-D input");
    SmallVector<int64_t> kernel;
    for (Attribute a : op.getKernelShape())
      kernel.push_back(cast<IntegerAttr>(a).getInt());
    FailureOr<WindowGeometry> geometry = getWindowGeometry(
        rewriter, op, xType, kernel, op.getStridesAttr(), op.getDilationsAttr(),
        op.getPadsAttr(), op.getAutoPad(), op.getCeilMode() != 0, resultType);
    if (failed(geometry))
      return failure();
    const WindowGeometry &g = *geometry;
    int64_t r = xType.getRank() - 2;
    Type elementType = xType.getElementType();
    double p = (double)op.getP();
    if (p <= 0)
      return rewriter.notifyMatchFailure(op, "p must be positive");
    auto power = [&](OpBuilder &b, Location l, Value v, double e) -> Value {
      if (e == 1)
        return v;
      if (e == 2)
        return arith::MulFOp::create(b, l, v, v);
      if (e == 0.5)
        return math::SqrtOp::create(b, l, v);
      return math::PowFOp::create(b, l, v,
                                  createScalarConstant(b, l, elementType, e));
    };
    Value powered = buildInternalBroadcast(
        rewriter, loc, {x}, x, elementType,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return power(b, l, math::AbsFOp::create(b, l, args[0]), p);
        });
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value padded =
        padSpatial(rewriter, loc, powered, g.padsBegin, g.padsEnd, zero);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        tensor::getMixedSize(rewriter, loc, x, 1)};
    for (int64_t i = 0; i < r; ++i)
      sizes.push_back(getWindowOutputSize(
          rewriter, loc, tensor::getMixedSize(rewriter, loc, x, i + 2),
          g.kernel[i], g.strides[i], g.dilations[i],
          g.padsBegin[i] + g.padsEnd[i]));
    Value init = createFilled(rewriter, loc, resultType, sizes, zero);
    Value sums = buildPool(rewriter, loc, PoolKind::Sum, padded, init, g,
                           /*isUnsigned=*/false);
    Value result = buildInternalBroadcast(
        rewriter, loc, {sums}, sums, elementType,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return power(b, l, args[0], 1 / p);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The integer attribute list `attr`, or `count` copies of `fallback`.
SmallVector<int64_t> intsOr(std::optional<ArrayAttr> attr, size_t count,
                            int64_t fallback) {
  SmallVector<int64_t> values;
  if (attr)
    for (Attribute a : *attr)
      values.push_back(cast<IntegerAttr>(a).getInt());
  else
    values.assign(count, fallback);
  return values;
}

/// Element `i` of the 1-D i64 tensor `t` as an index value.
Value extractIndexAt(OpBuilder &b, Location loc, Value t, int64_t i) {
  Value v = tensor::ExtractOp::create(
      b, loc, t, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

struct Col2ImLowering : OpConversionPattern<onnx::Col2ImOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::Col2ImOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!inType || !type || inType.getRank() != 3 || type.getRank() < 3 ||
        !isa<IntegerType, FloatType>(inType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects (N, C*B, L) input");
    int64_t k = type.getRank() - 2;
    SmallVector<int64_t> dilations = intsOr(op.getDilations(), k, 1);
    SmallVector<int64_t> strides = intsOr(op.getStrides(), k, 1);
    SmallVector<int64_t> pads = intsOr(op.getPads(), 2 * k, 0);
    if ((int64_t)dilations.size() != k || (int64_t)strides.size() != k ||
        (int64_t)pads.size() != 2 * k ||
        llvm::any_of(dilations, [](int64_t d) { return d < 1; }) ||
        llvm::any_of(strides, [](int64_t s) { return s < 1; }))
      return rewriter.notifyMatchFailure(op, "malformed attributes");
    for (Value shape : {adaptor.getImageShape(), adaptor.getBlockShape()}) {
      auto t = dyn_cast<RankedTensorType>(shape.getType());
      if (!t || t.getRank() != 1 ||
          (!t.isDynamicDim(0) && t.getDimSize(0) != k))
        return rewriter.notifyMatchFailure(op, "shape inputs of wrong length");
    }
    FailureOr<SmallVector<int64_t>> constBlock =
        getConstantInts(adaptor.getBlockShape());
    FailureOr<SmallVector<int64_t>> constImage =
        getConstantInts(adaptor.getImageShape());
    if (succeeded(constBlock) &&
        ((int64_t)constBlock->size() != k ||
         llvm::any_of(*constBlock, [](int64_t v) { return v < 1; })))
      return rewriter.notifyMatchFailure(op, "malformed block_shape");
    if (succeeded(constImage)) {
      if ((int64_t)constImage->size() != k)
        return rewriter.notifyMatchFailure(op, "malformed image_shape");
      for (int64_t i = 0; i < k; ++i)
        if (!type.isDynamicDim(i + 2) &&
            (*constImage)[i] != type.getDimSize(i + 2))
          return rewriter.notifyMatchFailure(op, "image_shape/result mismatch");
    }
    Type elementType = type.getElementType();
    auto idx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    auto eq = [&](Value a, Value b) -> Value {
      return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, a,
                                   b);
    };
    auto mul = [&](Value a, Value b) -> Value {
      return arith::MulIOp::create(rewriter, loc, a, b);
    };
    Value ok = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    auto require = [&](Value cond) {
      ok = arith::AndIOp::create(rewriter, loc, ok, cond);
    };
    for (Value shape : {adaptor.getImageShape(), adaptor.getBlockShape()})
      if (cast<RankedTensorType>(shape.getType()).isDynamicDim(0))
        emitRuntimeCheck(rewriter, op,
                         eq(getDimValue(rewriter, loc, shape, 0), idx(k)),
                         "image_shape/block_shape length is not the image "
                         "rank");
    // Image sizes (the result's) and block sizes, static where known.
    SmallVector<Value> image, block, blocks;
    Value blockSize = idx(1), blockCount = idx(1);
    for (int64_t i = 0; i < k; ++i) {
      Value img;
      if (succeeded(constImage)) {
        img = idx((*constImage)[i]);
      } else {
        img = extractIndexAt(rewriter, loc, adaptor.getImageShape(), i);
      }
      if (!type.isDynamicDim(i + 2))
        require(eq(img, idx(type.getDimSize(i + 2))));
      Value blk;
      if (succeeded(constBlock)) {
        blk = idx((*constBlock)[i]);
      } else {
        blk = extractIndexAt(rewriter, loc, adaptor.getBlockShape(), i);
        require(arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                      blk, idx(1)));
      }
      // blocks = (img + pads - dil * (blk - 1) - 1) / stride + 1
      Value span = arith::SubIOp::create(
          rewriter, loc,
          arith::AddIOp::create(rewriter, loc, img,
                                idx(pads[i] + pads[i + k] - 1 + dilations[i])),
          mul(blk, idx(dilations[i])));
      Value n = arith::AddIOp::create(
          rewriter, loc,
          arith::DivSIOp::create(rewriter, loc, span, idx(strides[i])), idx(1));
      require(arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                    span, idx(0)));
      image.push_back(img);
      block.push_back(blk);
      blocks.push_back(n);
      blockSize = mul(blockSize, blk);
      blockCount = mul(blockCount, n);
    }
    Value channels = type.isDynamicDim(1) ? Value() : idx(type.getDimSize(1));
    if (!channels)
      channels = arith::DivUIOp::create(
          rewriter, loc, getDimValue(rewriter, loc, input, 1), blockSize);
    require(eq(mul(channels, blockSize), getDimValue(rewriter, loc, input, 1)));
    require(eq(blockCount, getDimValue(rewriter, loc, input, 2)));
    emitRuntimeCheck(rewriter, op, ok,
                     "image_shape/block_shape do not fit the input's sizes");

    // out[n, c, o...] = sum over kernel offsets q... of
    //   input[n, c * B + lin(q), lin((o + padBegin - q * dil) / stride)]
    // where every divided position is exact and inside the block grid.
    MLIRContext *ctx = rewriter.getContext();
    int64_t loops = 2 + 2 * k;
    SmallVector<AffineExpr> outExprs, kernelExprs;
    for (int64_t i = 0; i < 2 + k; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    for (int64_t i = 0; i < k; ++i)
      kernelExprs.push_back(getAffineDimExpr(2 + k + i, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, kernelExprs, ctx),
                                   AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(2 + k);
    iterators.append(k, utils::IteratorType::reduction);
    SmallVector<int64_t> kernelShape;
    SmallVector<Value> kernelDyn;
    for (int64_t i = 0; i < k; ++i) {
      if (succeeded(constBlock)) {
        kernelShape.push_back((*constBlock)[i]);
      } else {
        kernelShape.push_back(ShapedType::kDynamic);
        kernelDyn.push_back(block[i]);
      }
    }
    Value kernel = tensor::EmptyOp::create(rewriter, loc, kernelShape,
                                           elementType, kernelDyn);
    SmallVector<OpFoldResult> outSizes = {getDimValue(rewriter, loc, input, 0),
                                          channels};
    for (int64_t i = 0; i < k; ++i)
      outSizes.push_back(image[i]);
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value init = createFilled(rewriter, loc, type, outSizes, zero);
    bool isFloat = isa<FloatType>(elementType);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{kernel},
            ValueRange{init}, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              auto c = [&](int64_t v) -> Value {
                return arith::ConstantIndexOp::create(b, l, v);
              };
              Value valid = arith::ConstantIntOp::create(b, l, 1, 1);
              Value col = linalg::IndexOp::create(b, l, 1);
              Value pos = c(0);
              for (int64_t i = 0; i < k; ++i) {
                Value o = linalg::IndexOp::create(b, l, 2 + i);
                Value q = linalg::IndexOp::create(b, l, 2 + k + i);
                col = arith::AddIOp::create(
                    b, l, arith::MulIOp::create(b, l, col, block[i]), q);
                Value p = arith::SubIOp::create(
                    b, l, arith::AddIOp::create(b, l, o, c(pads[i])),
                    arith::MulIOp::create(b, l, q, c(dilations[i])));
                Value p0 = arith::MaxSIOp::create(b, l, p, c(0));
                Value bi = arith::DivUIOp::create(b, l, p0, c(strides[i]));
                Value exact = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::eq,
                    arith::RemUIOp::create(b, l, p0, c(strides[i])), c(0));
                Value inGrid = arith::AndIOp::create(
                    b, l,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, p,
                                          c(0)),
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, bi,
                                          blocks[i]));
                valid = arith::AndIOp::create(
                    b, l, valid, arith::AndIOp::create(b, l, exact, inGrid));
                pos = arith::AddIOp::create(
                    b, l, arith::MulIOp::create(b, l, pos, blocks[i]), bi);
              }
              Value n = linalg::IndexOp::create(b, l, 0);
              col = arith::SelectOp::create(b, l, valid, col, c(0));
              pos = arith::SelectOp::create(b, l, valid, pos, c(0));
              Value v = tensor::ExtractOp::create(b, l, input,
                                                  ValueRange{n, col, pos});
              Value zeroV = createScalarConstant(b, l, elementType, 0);
              v = arith::SelectOp::create(b, l, valid, v, zeroV);
              Value sum = isFloat
                              ? (Value)arith::AddFOp::create(b, l, args[1], v)
                              : (Value)arith::AddIOp::create(b, l, args[1], v);
              linalg::YieldOp::create(b, l, sum);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MaxUnpoolLowering : OpConversionPattern<onnx::MaxUnpoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::MaxUnpoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    Value indices = adaptor.getI();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto iType = dyn_cast<RankedTensorType>(indices.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !iType || !type || xType.getRank() < 3 ||
        type.getRank() != xType.getRank() || !xType.hasStaticShape() ||
        iType.getShape() != xType.getShape() || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "expects static shapes");
    int64_t k = xType.getRank() - 2;
    SmallVector<int64_t> kernel = intsOr(op.getKernelShape(), k, 1);
    SmallVector<int64_t> strides = intsOr(op.getStrides(), k, 1);
    SmallVector<int64_t> pads = intsOr(op.getPads(), 2 * k, 0);
    if ((int64_t)kernel.size() != k || (int64_t)strides.size() != k ||
        (int64_t)pads.size() != 2 * k)
      return rewriter.notifyMatchFailure(op, "malformed attributes");
    // The unpooled shape; output_shape may only be larger (zero-padded).
    SmallVector<int64_t> unpooled = {xType.getDimSize(0), xType.getDimSize(1)};
    for (int64_t i = 0; i < k; ++i)
      unpooled.push_back((xType.getDimSize(i + 2) - 1) * strides[i] -
                         (pads[i] + pads[i + k]) + kernel[i]);
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (unpooled[i] < 1 || type.getDimSize(i) < unpooled[i] ||
          (i < 2 && type.getDimSize(i) != unpooled[i]))
        return rewriter.notifyMatchFailure(
            op, "output_shape smaller than the unpooled shape");
    Value outputShape = adaptor.getOutputShape();
    FailureOr<SmallVector<int64_t>> constOutputShape = failure();
    if (!isa<NoneType>(outputShape.getType()))
      constOutputShape = getConstantInts(outputShape);
    if (succeeded(constOutputShape)) {
      if (ArrayRef<int64_t>(*constOutputShape) != type.getShape())
        return rewriter.notifyMatchFailure(op, "output_shape/result mismatch");
    } else if (!isa<NoneType>(outputShape.getType())) {
      auto t = dyn_cast<RankedTensorType>(outputShape.getType());
      if (!t || t.getRank() != 1 ||
          (!t.isDynamicDim(0) && t.getDimSize(0) != type.getRank()))
        return rewriter.notifyMatchFailure(op, "output_shape of wrong length");
      if (t.isDynamicDim(0))
        emitRuntimeCheck(
            rewriter, op,
            arith::CmpIOp::create(
                rewriter, loc, arith::CmpIPredicate::eq,
                getDimValue(rewriter, loc, outputShape, 0),
                arith::ConstantIndexOp::create(rewriter, loc, type.getRank())),
            "output_shape's length is not the output rank");
      Value ok = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
      for (int64_t i = 0; i < type.getRank(); ++i)
        ok = arith::AndIOp::create(
            rewriter, loc, ok,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                  extractIndexAt(rewriter, loc, outputShape, i),
                                  arith::ConstantIndexOp::create(
                                      rewriter, loc, type.getDimSize(i))));
      emitRuntimeCheck(rewriter, op, ok,
                       "output_shape differs from the result's sizes");
    }
    Type elementType = type.getElementType();
    int64_t total = 1, count = xType.getNumElements();
    for (int64_t s : unpooled)
      total *= s;
    // Every index must address the unpooled image.
    Type i64 = rewriter.getI64Type();
    Value allValid = buildReduction(
        rewriter, loc, indices,
        llvm::to_vector(llvm::seq<int64_t>(0, iType.getRank())),
        arith::ConstantIntOp::create(rewriter, loc, 1, 1),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value inRange = arith::AndIOp::create(
              b, l,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, args[0],
                                    createScalarConstant(b, l, i64, 0)),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, args[0],
                                    createScalarConstant(b, l, i64, total)));
          return arith::AndIOp::create(b, l, inRange, args[1]);
        });
    emitRuntimeCheck(
        rewriter, op,
        tensor::ExtractOp::create(rewriter, loc, allValid, ValueRange{}),
        "an index is outside the unpooled output");
    // Flatten X and I, scatter in element order.
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < xType.getRank(); ++i)
      all[0].push_back(i);
    Value flatX = tensor::CollapseShapeOp::create(rewriter, loc, x, all);
    Value flatI = tensor::CollapseShapeOp::create(rewriter, loc, indices, all);
    auto flatType = RankedTensorType::get({total}, elementType);
    Value image =
        createFilled(rewriter, loc, flatType, {},
                     createScalarConstant(rewriter, loc, elementType, 0));
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value upper = arith::ConstantIndexOp::create(rewriter, loc, count);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, upper, one, ValueRange{image},
        [&](OpBuilder &b, Location l, Value iv, ValueRange iter) {
          Value v = tensor::ExtractOp::create(b, l, flatX, ValueRange{iv});
          Value target = arith::IndexCastOp::create(
              b, l, b.getIndexType(),
              tensor::ExtractOp::create(b, l, flatI, ValueRange{iv}));
          Value next =
              tensor::InsertOp::create(b, l, v, iter[0], ValueRange{target});
          scf::YieldOp::create(b, l, next);
        });
    all.clear();
    all.emplace_back();
    for (int64_t i = 0; i < type.getRank(); ++i)
      all[0].push_back(i);
    Value result = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(unpooled, elementType),
        loop.getResult(0), all);
    if (ArrayRef<int64_t>(unpooled) != type.getShape()) {
      SmallVector<OpFoldResult> low(type.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> high;
      for (int64_t i = 0; i < type.getRank(); ++i)
        high.push_back(rewriter.getIndexAttr(type.getDimSize(i) - unpooled[i]));
      result = tensor::PadOp::create(
          rewriter, loc, type, result, low, high,
          createScalarConstant(rewriter, loc, elementType, 0));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxPoolingToLinalgPatterns(TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  patterns.add<PoolLowering<onnx::MaxPoolOp, PoolKind::Max>,
               PoolLowering<onnx::AveragePoolOp, PoolKind::Sum>,
               GlobalPoolLowering<onnx::GlobalMaxPoolOp, PoolKind::Max>,
               GlobalPoolLowering<onnx::GlobalAveragePoolOp, PoolKind::Sum>,
               LpPoolLowering, Col2ImLowering, MaxUnpoolLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
