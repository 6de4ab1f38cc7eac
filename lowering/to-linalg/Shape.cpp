//===- Shape.cpp - onnx constants and shape ops -> tensor/arith -----------===//
//
// Constant becomes arith.constant (dense_resource weights stay resources,
// never copied element by element). Reshape/Flatten/Squeeze/Unsqueeze
// become collapse_shape/expand_shape where a reassociation exists (the form
// fusion propagates through), else a collapse-then-expand, or tensor.reshape
// for run-time shapes. Shape/Size/ConstantOfShape/Range/Expand build their
// values from tensor.dim where dims are dynamic.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace kiln {
namespace {

struct ConstantLowering : OpConversionPattern<onnx::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    Attribute folded;
    if (!type || !matchPattern(op.getResult(), m_Constant(&folded)))
      return rewriter.notifyMatchFailure(op, "no constant value");
    if (isa<DenseStringElementsAttr>(folded))
      return rewriter.notifyMatchFailure(op, "strings lower in Strings.cpp");
    Attribute value;
    if (auto dense = dyn_cast<DenseElementsAttr>(folded)) {
      if (!dense.isSplat() && dense.getType().getShape() != type.getShape())
        return rewriter.notifyMatchFailure(op, "value of wrong shape");
      if (dense.getElementType() != type.getElementType())
        dense = dense.isSplat()
                    ? DenseElementsAttr::get(
                          type, dense.getSplatValue<Attribute>())
                    : dense.bitcast(type.getElementType());
      value = dense.getType() == type ? dense : dense.reshape(type);
    } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(folded)) {
      value = DenseResourceElementsAttr::get(type, resource.getRawHandle());
    }
    if (!value || !isa<IntegerType, FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported constant");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type,
                                                   cast<TypedAttr>(value));
    return success();
  }
};

/// `src` cast to the collapsed type that expanding it to `type` by
/// `groups` needs: each source dim is the static product of its group when
/// all of the group's result dims are static, else dynamic (the
/// expand_shape verifier requires exactly that; shape inference may know
/// the result better than the source or the other way round).
static Value castForExpand(OpBuilder &b, Location loc, Value src,
                           RankedTensorType type,
                           ArrayRef<ReassociationIndices> groups) {
  auto srcType = cast<RankedTensorType>(src.getType());
  if (static_cast<int64_t>(groups.size()) != srcType.getRank())
    return src;
  SmallVector<int64_t> shape;
  for (const ReassociationIndices &group : groups) {
    int64_t size = 1;
    for (int64_t dim : group) {
      if (type.isDynamicDim(dim)) {
        size = ShapedType::kDynamic;
        break;
      }
      size *= type.getDimSize(dim);
    }
    shape.push_back(size);
  }
  auto wanted = srcType.clone(shape);
  if (wanted == srcType)
    return src;
  return tensor::CastOp::create(b, loc, wanted, src);
}

/// Collapses `src` by `groups` to `type`: the collapse gets the type the
/// verifier infers from the source, then a cast to `type` where they
/// differ in which dims are static.
static Value collapseTo(OpBuilder &b, Location loc, Value src,
                        RankedTensorType type,
                        ArrayRef<ReassociationIndices> groups) {
  Value collapsed = tensor::CollapseShapeOp::create(b, loc, src, groups);
  if (collapsed.getType() == type)
    return collapsed;
  return tensor::CastOp::create(b, loc, type, collapsed);
}

/// Reshapes `src` to `type` whose sizes are `sizes`: one collapse_shape or
/// expand_shape when a reassociation exists, else collapse to 1-D and
/// expand. Static sizes known on one side only travel through a
/// tensor.cast, so that the reshape ops verify.
Value reshapeTo(OpBuilder &b, Location loc, Value src, RankedTensorType type,
                ArrayRef<OpFoldResult> sizes) {
  auto srcType = cast<RankedTensorType>(src.getType());
  if (srcType == type)
    return src;
  if (srcType.getRank() == type.getRank() &&
      srcType.getShape() == type.getShape())
    return src;
  if (std::optional<SmallVector<ReassociationIndices>> groups =
          getReassociationIndicesForReshape(srcType, type)) {
    if (srcType.getRank() > type.getRank())
      return collapseTo(b, loc, src, type, *groups);
    if (srcType.getRank() < type.getRank()) {
      Value expandSrc = castForExpand(b, loc, src, type, *groups);
      return tensor::ExpandShapeOp::create(b, loc, type, expandSrc, *groups,
                                           sizes);
    }
  }
  Value flat = src;
  if (srcType.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < srcType.getRank(); ++i)
      all.push_back(i);
    SmallVector<ReassociationIndices> groups;
    if (srcType.getRank() > 0)
      groups.push_back(all);
    flat = tensor::CollapseShapeOp::create(b, loc, src, groups);
  }
  if (type.getRank() == 1)
    return tensor::CastOp::create(b, loc, type, flat);
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  SmallVector<ReassociationIndices> groups;
  if (type.getRank() > 0)
    groups.push_back(all);
  flat = castForExpand(b, loc, flat, type, groups);
  return tensor::ExpandShapeOp::create(b, loc, type, flat, groups, sizes);
}

/// The element count of `value` as an index.
Value getNumElements(OpBuilder &b, Location loc, Value value) {
  return getProduct(b, loc, getSizes(b, loc, value));
}

struct ReshapeLowering : OpConversionPattern<onnx::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    if (!type || !dataType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    bool allowZero = op.getAllowzero() != 0;
    FailureOr<SmallVector<int64_t>> shape = getConstantInts(adaptor.getShape());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> sizes(rank);
    if (succeeded(shape)) {
      if ((int64_t)shape->size() != rank)
        return rewriter.notifyMatchFailure(op, "shape/result rank mismatch");
      int64_t inferred = -1;
      for (int64_t i = 0; i < rank; ++i) {
        int64_t s = (*shape)[i];
        if (!type.isDynamicDim(i))
          sizes[i] = rewriter.getIndexAttr(type.getDimSize(i));
        else if (s == 0 && !allowZero && i < dataType.getRank())
          sizes[i] = tensor::getMixedSize(rewriter, loc, data, i);
        else if (s == -1)
          inferred = i;
        else if (s >= 0)
          sizes[i] = rewriter.getIndexAttr(s);
        else
          return rewriter.notifyMatchFailure(op, "invalid shape entry");
      }
      if (inferred >= 0) {
        SmallVector<OpFoldResult> known;
        for (int64_t i = 0; i < rank; ++i)
          if (i != inferred)
            known.push_back(sizes[i]);
        sizes[inferred] = arith::DivUIOp::create(
                              rewriter, loc, getNumElements(rewriter, loc, data),
                              getProduct(rewriter, loc, known))
                              .getResult();
      }
      rewriter.replaceOp(op, reshapeTo(rewriter, loc, data, type, sizes));
      return success();
    }
    return lowerRuntimeShape(op, data, adaptor.getShape(), type, allowZero,
                             rewriter);
  }

private:
  /// Run-time shape: resolve 0 and -1 entries, check at run time that the
  /// shape has the result's rank, at most one -1, no other negative entry,
  /// the result's static dims and the data's element count, then
  /// tensor.reshape.
  LogicalResult lowerRuntimeShape(onnx::ReshapeOp op, Value data,
                                  Value shapeValue, RankedTensorType type,
                                  bool allowZero,
                                  ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    auto dataType = cast<RankedTensorType>(data.getType());
    int64_t rank = type.getRank();
    auto shapeType = dyn_cast<RankedTensorType>(shapeValue.getType());
    if (!shapeType || shapeType.getRank() != 1 ||
        (!shapeType.isDynamicDim(0) && shapeType.getDimSize(0) != rank))
      return rewriter.notifyMatchFailure(op, "shape/result rank mismatch");
    auto cmp = [&](arith::CmpIPredicate pred, Value a, Value b) -> Value {
      return arith::CmpIOp::create(rewriter, loc, pred, a, b);
    };
    auto i1And = [&](Value a, Value b) -> Value {
      return arith::AndIOp::create(rewriter, loc, a, b);
    };
    if (shapeType.isDynamicDim(0))
      emitRuntimeCheck(
          rewriter, op,
          cmp(arith::CmpIPredicate::eq, getDimValue(rewriter, loc, shapeValue, 0),
              arith::ConstantIndexOp::create(rewriter, loc, rank)),
          "the shape input's length is not the result's rank " +
              Twine(rank));
    Type i64 = rewriter.getI64Type();
    SmallVector<Value> entries;
    Value minusOne = createScalarConstant(rewriter, loc, i64, -1);
    Value zero = createScalarConstant(rewriter, loc, i64, 0);
    Value one = createScalarConstant(rewriter, loc, i64, 1);
    Value known = one, inferredCount = zero;
    Value valid = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    for (int64_t i = 0; i < rank; ++i) {
      Value idx = arith::ConstantIndexOp::create(rewriter, loc, i);
      Value s = tensor::ExtractOp::create(rewriter, loc, shapeValue, idx);
      if (!allowZero && i < dataType.getRank()) {
        Value dim = arith::IndexCastOp::create(
            rewriter, loc, i64, getDimValue(rewriter, loc, data, i));
        s = arith::SelectOp::create(
            rewriter, loc, cmp(arith::CmpIPredicate::eq, s, zero), dim, s);
      }
      Value isInferred = cmp(arith::CmpIPredicate::eq, s, minusOne);
      valid = i1And(valid, cmp(arith::CmpIPredicate::sge, s, minusOne));
      inferredCount = arith::AddIOp::create(
          rewriter, loc, inferredCount,
          arith::ExtUIOp::create(rewriter, loc, i64, isInferred));
      known = arith::MulIOp::create(
          rewriter, loc, known,
          arith::SelectOp::create(rewriter, loc, isInferred, one, s));
      entries.push_back(s);
    }
    valid = i1And(valid, cmp(arith::CmpIPredicate::ule, inferredCount, one));
    Value total = arith::IndexCastOp::create(
        rewriter, loc, i64, getNumElements(rewriter, loc, data));
    // A zero `known` only happens with a 0 entry; keep the division defined.
    Value safeKnown = arith::SelectOp::create(
        rewriter, loc, cmp(arith::CmpIPredicate::eq, known, zero), one, known);
    Value inferredSize = arith::DivUIOp::create(rewriter, loc, total, safeKnown);
    Value product = one;
    for (int64_t i = 0; i < rank; ++i) {
      Value &s = entries[i];
      Value isInferred = cmp(arith::CmpIPredicate::eq, s, minusOne);
      s = arith::SelectOp::create(rewriter, loc, isInferred, inferredSize, s);
      product = arith::MulIOp::create(rewriter, loc, product, s);
      if (!type.isDynamicDim(i))
        valid = i1And(valid, cmp(arith::CmpIPredicate::eq, s,
                                 createScalarConstant(rewriter, loc, i64,
                                                      type.getDimSize(i))));
    }
    valid = i1And(valid, cmp(arith::CmpIPredicate::eq, product, total));
    emitRuntimeCheck(rewriter, op, valid,
                     "the shape input does not fit the data (element count, "
                     "-1/0 entries or the inferred dims)");
    Value resolved = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({rank}, i64), entries);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, type, data, resolved);
    return success();
  }
};

struct FlattenLowering : OpConversionPattern<onnx::FlattenOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::FlattenOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    if (!type || !inType || type.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = inType.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    SmallVector<OpFoldResult> in = getSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> sizes = {
        getProduct(rewriter, loc, ArrayRef(in).take_front(axis)),
        getProduct(rewriter, loc, ArrayRef(in).drop_front(axis))};
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, input, type, sizes));
    return success();
  }
};

/// Squeeze and Unsqueeze: the axes name the unit dims of the larger shape.
template <typename OpTy, bool squeeze>
struct UnitDimLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    RankedTensorType type =
        getConvertedResultType(*this->getTypeConverter(), op);
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    if (!type || !dataType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t bigRank = squeeze ? dataType.getRank() : type.getRank();
    SmallVector<bool> isUnit(bigRank, false);
    if (isa<NoneType>(adaptor.getAxes().getType())) {
      if (!squeeze)
        return rewriter.notifyMatchFailure(op, "Unsqueeze without axes");
      for (int64_t i = 0; i < bigRank; ++i)
        isUnit[i] = dataType.getDimSize(i) == 1;
    } else {
      FailureOr<SmallVector<int64_t>> axes = getConstantInts(adaptor.getAxes());
      if (failed(axes))
        return lowerRuntimeAxes(op, data, adaptor.getAxes(), type, rewriter);
      for (int64_t axis : *axes) {
        FailureOr<int64_t> a = normalizeAxis(axis, bigRank);
        if (failed(a))
          return rewriter.notifyMatchFailure(op, "axis out of range");
        isUnit[*a] = true;
      }
    }
    int64_t units = llvm::count(isUnit, true);
    if ((squeeze ? bigRank - units : bigRank) != type.getRank() ||
        (squeeze ? bigRank : bigRank - units) != dataType.getRank())
      return rewriter.notifyMatchFailure(op, "axes do not match the ranks");
    Value result =
        squeeze
            ? collapseUnitDims(rewriter, op.getLoc(), data, type, isUnit)
            : expandUnitDims(rewriter, op.getLoc(), data, type, isUnit);
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// Axes given at run time: every unit-dim set the ranks and static dims
  /// allow is lowered and the run-time axes mask selects one.
  LogicalResult lowerRuntimeAxes(OpTy op, Value data, Value axes,
                                 RankedTensorType type,
                                 ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto axesType = dyn_cast<RankedTensorType>(axes.getType());
    RankedTensorType big = squeeze ? dataType : type;
    RankedTensorType small = squeeze ? type : dataType;
    int64_t bigRank = big.getRank();
    int64_t count = bigRank - small.getRank();
    if (!axesType || axesType.getRank() != 1 || bigRank > 16 || count < 0 ||
        (!axesType.isDynamicDim(0) && axesType.getDimSize(0) != count))
      return rewriter.notifyMatchFailure(op, "axes do not match the ranks");
    auto fits = [](int64_t a, int64_t b) {
      return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
    };
    SmallVector<int64_t> masks;
    for (int64_t mask = 0; mask < (int64_t(1) << bigRank); ++mask) {
      if (llvm::popcount(uint64_t(mask)) != count)
        continue;
      bool ok = true;
      for (int64_t d = 0, s = 0; d < bigRank && ok; ++d) {
        if (mask & (int64_t(1) << d))
          ok = fits(big.getDimSize(d), 1);
        else
          ok = fits(big.getDimSize(d), small.getDimSize(s++));
      }
      if (ok)
        masks.push_back(mask);
    }
    if (masks.empty() || masks.size() > 64)
      return rewriter.notifyMatchFailure(op, "no axis set fits the shapes");
    Value mask = buildAxesMask(rewriter, loc, axes, bigRank);
    Value result = buildMaskSwitch(
        rewriter, op, mask, masks, type,
        [&](OpBuilder &b, int64_t m) -> Value {
          SmallVector<bool> isUnit(bigRank);
          for (int64_t d = 0; d < bigRank; ++d)
            isUnit[d] = m & (int64_t(1) << d);
          if (!squeeze)
            return expandUnitDims(b, loc, data, type, isUnit);
          // A squeezed dim that is dynamic must be 1 at run time.
          for (int64_t d = 0; d < bigRank; ++d)
            if (isUnit[d] && dataType.isDynamicDim(d)) {
              Value dim = getDimValue(b, loc, data, d);
              Value one = arith::ConstantIndexOp::create(b, loc, 1);
              emitRuntimeCheck(
                  b, op,
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, dim,
                                        one),
                  "squeezes a dim whose size is not 1");
            }
          return collapseUnitDims(b, loc, data, type, isUnit);
        },
        "axes out of range, repeated, or not matching the shapes");
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ShapeLowering : OpConversionPattern<onnx::ShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!dataType || !type)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = dataType.getRank();
    auto clamp = [&](int64_t v) {
      if (v < 0)
        v += rank;
      return std::clamp<int64_t>(v, 0, rank);
    };
    int64_t start = clamp(op.getStart());
    int64_t end = op.getEnd() ? clamp(*op.getEnd()) : rank;
    SmallVector<Value> dims;
    SmallVector<int64_t> staticDims;
    for (int64_t i = start; i < end; ++i) {
      dims.push_back(arith::IndexCastOp::create(
          rewriter, loc, rewriter.getI64Type(), getDimValue(rewriter, loc, data, i)));
      staticDims.push_back(dataType.getDimSize(i));
    }
    auto resultType = RankedTensorType::get({(int64_t)dims.size()},
                                            rewriter.getI64Type());
    if (!llvm::is_contained(staticDims, ShapedType::kDynamic)) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseIntElementsAttr::get(resultType, staticDims));
      return success();
    }
    Value shape = tensor::FromElementsOp::create(rewriter, loc, resultType, dims);
    if (resultType != type)
      shape = tensor::CastOp::create(rewriter, loc, type, shape);
    rewriter.replaceOp(op, shape);
    return success();
  }
};

struct SizeLowering : OpConversionPattern<onnx::SizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    if (!isa<RankedTensorType>(data.getType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked tensor");
    Value n = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                         getNumElements(rewriter, loc, data));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(
        op, RankedTensorType::get({}, rewriter.getI64Type()), ValueRange{n});
    return success();
  }
};

/// Result sizes from a 1-D i64 shape operand: static dims of the result
/// type, else the shape's entries.
SmallVector<OpFoldResult> sizesFromShape(OpBuilder &b, Location loc,
                                         Value shape, RankedTensorType type) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!type.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
      continue;
    }
    Value s = tensor::ExtractOp::create(
        b, loc, shape, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
    sizes.push_back(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), s).getResult());
  }
  return sizes;
}

struct ConstantOfShapeLowering : OpConversionPattern<onnx::ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !isa<IntegerType, FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported result type");
    Attribute fill = rewriter.getZeroAttr(type.getElementType());
    if (auto value = dyn_cast_or_null<DenseElementsAttr>(op.getValueAttr())) {
      if (value.getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "value is not one element");
      fill = value.getValues<Attribute>()[0];
      if (auto i = dyn_cast<IntegerAttr>(fill))
        fill = rewriter.getIntegerAttr(type.getElementType(), i.getValue());
    }
    if (type.hasStaticShape()) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseElementsAttr::get(type, fill));
      return success();
    }
    Value scalar = arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(fill));
    rewriter.replaceOp(op, createFilled(rewriter, loc, type,
                                        sizesFromShape(rewriter, loc,
                                                       adaptor.getInput(), type),
                                        scalar));
    return success();
  }
};

struct RangeLowering : OpConversionPattern<onnx::RangeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!type || type.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "expects a 1-D result");
    Type elementType = type.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    auto scalarOf = [&](Value t) {
      return tensor::ExtractOp::create(rewriter, loc, t, ValueRange{});
    };
    Value start = scalarOf(adaptor.getStart());
    Value limit = scalarOf(adaptor.getLimit());
    Value delta = scalarOf(adaptor.getDelta());
    OpFoldResult size;
    if (!type.isDynamicDim(0)) {
      size = rewriter.getIndexAttr(type.getDimSize(0));
    } else {
      // max(ceil((limit - start) / delta), 0)
      Value span, count;
      if (isFloat) {
        span = arith::SubFOp::create(rewriter, loc, limit, start);
        Value q = math::CeilOp::create(
            rewriter, loc, arith::DivFOp::create(rewriter, loc, span, delta));
        count = arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), q);
      } else {
        span = arith::SubIOp::create(rewriter, loc, limit, start);
        count = arith::CeilDivSIOp::create(rewriter, loc, span, delta);
        count = convertScalar(rewriter, loc, count, rewriter.getI64Type(),
                              false, false);
      }
      count = arith::MaxSIOp::create(
          rewriter, loc, count,
          createScalarConstant(rewriter, loc, rewriter.getI64Type(), 0));
      size = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                        count)
                 .getResult();
    }
    Value empty = createEmpty(rewriter, loc, type, {size});
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{empty},
            ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
            parallelIterators(1),
            [&](OpBuilder &nb, Location nloc, ValueRange) {
              Value i = linalg::IndexOp::create(nb, nloc, 0);
              Value i64 =
                  arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), i);
              Value iv = convertScalar(nb, nloc, i64, elementType, false, false);
              Value v = isFloat
                            ? (Value)arith::AddFOp::create(
                                  nb, nloc, start,
                                  arith::MulFOp::create(nb, nloc, iv, delta))
                            : (Value)arith::AddIOp::create(
                                  nb, nloc, start,
                                  arith::MulIOp::create(nb, nloc, iv, delta));
              linalg::YieldOp::create(nb, nloc, v);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<onnx::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!inType || !type || inType.getRank() > type.getRank())
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    // Result dims: max(shape[i], input dim) (one of them is 1).
    SmallVector<OpFoldResult> sizes =
        sizesFromShape(rewriter, loc, adaptor.getShape(), type);
    int64_t offset = type.getRank() - inType.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (!type.isDynamicDim(i) || i < offset)
        continue;
      Value dim = getDimValue(rewriter, loc, input, i - offset);
      sizes[i] = arith::MaxUIOp::create(rewriter, loc, cast<Value>(sizes[i]), dim)
                     .getResult();
    }
    rewriter.replaceOp(
        op, buildBroadcastGeneric(
                rewriter, loc, {input}, {op.getInput().getType()}, type,
                op.getType(),
                [](OpBuilder &, Location, ValueRange args) { return args[0]; },
                sizes));
    return success();
  }
};

struct IdentityLowering : OpConversionPattern<onnx::IdentityOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::IdentityOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

} // namespace

void populateOnnxShapeToLinalgPatterns(TypeConverter &converter,
                                       RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ReshapeLowering, FlattenLowering,
               UnitDimLowering<onnx::SqueezeOp, true>,
               UnitDimLowering<onnx::UnsqueezeOp, false>, ShapeLowering,
               SizeLowering, ConstantOfShapeLowering, RangeLowering,
               ExpandLowering, IdentityLowering>(converter,
                                                 patterns.getContext());
}

} // namespace kiln
