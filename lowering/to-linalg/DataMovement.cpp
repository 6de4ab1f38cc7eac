//===- DataMovement.cpp - onnx data movement ops -> linalg/tensor ---------===//
//
// Transpose becomes linalg.transpose; Concat an insert_slice chain into one
// tensor.empty; Split and Slice become extract_slice (negative steps add a
// reversing generic; run-time starts/ends are clamped with index arithmetic
// into dynamic offsets and sizes); Gather/GatherElements/Tile become generics
// whose bodies index the data with tensor.extract (indices may be negative;
// Tile with run-time repeats or dynamic dims wraps indices with remsi).
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

struct TransposeLowering : OpConversionPattern<onnx::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = type.getRank();
    SmallVector<int64_t> perm;
    if (std::optional<ArrayAttr> attr = op.getPerm()) {
      for (Attribute a : *attr)
        perm.push_back(cast<IntegerAttr>(a).getInt());
    } else {
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    }
    if ((int64_t)perm.size() != rank || !isPermutationVector(perm))
      return rewriter.notifyMatchFailure(op, "invalid perm");
    SmallVector<OpFoldResult> in = getSizes(rewriter, op.getLoc(), data);
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(in[p]);
    Value init = createEmpty(rewriter, op.getLoc(), resultType, sizes);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       data, init, perm)
                               .getResult());
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<onnx::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!type || adaptor.getInputs().empty())
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    for (Value v : adaptor.getInputs())
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    Value first = adaptor.getInputs().front();
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, first);
    OpFoldResult total = rewriter.getIndexAttr(0);
    for (Value v : adaptor.getInputs())
      total = addSizes(rewriter, loc, total,
                       tensor::getMixedSize(rewriter, loc, v, *axis));
    sizes[*axis] = total;
    Value result = createEmpty(rewriter, loc, type, sizes);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> ones(type.getRank(), rewriter.getIndexAttr(1));
    for (Value v : adaptor.getInputs()) {
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      offsets[*axis] = offset;
      result = tensor::InsertSliceOp::create(rewriter, loc, v, result, offsets,
                                             getSizes(rewriter, loc, v), ones);
      offset = addSizes(rewriter, loc, offset,
                        tensor::getMixedSize(rewriter, loc, v, *axis));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SplitLowering : OpConversionPattern<onnx::SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "expects a ranked tensor");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    int64_t n = op->getNumResults();
    // Piece sizes: the split operand, else the result types, else an even
    // split (the last piece smaller) of the run-time dim.
    SmallVector<OpFoldResult> pieces;
    if (!isa<NoneType>(adaptor.getSplit().getType())) {
      FailureOr<SmallVector<int64_t>> split = getConstantInts(adaptor.getSplit());
      if (succeeded(split)) {
        if ((int64_t)split->size() != n)
          return rewriter.notifyMatchFailure(op, "split of wrong length");
        for (int64_t s : *split)
          pieces.push_back(rewriter.getIndexAttr(s));
      } else if (failed(getRuntimeSplit(op, adaptor.getSplit(), input, *axis,
                                        pieces, rewriter))) {
        return rewriter.notifyMatchFailure(op, "split of unknown length");
      }
    } else {
      Value dim = getDimValue(rewriter, loc, input, *axis);
      Value count = arith::ConstantIndexOp::create(rewriter, loc, n);
      Value each = arith::CeilDivUIOp::create(rewriter, loc, dim, count);
      for (int64_t i = 0; i < n; ++i) {
        RankedTensorType t = getConvertedResultType(*getTypeConverter(), op, i);
        if (t && !t.isDynamicDim(*axis)) {
          pieces.push_back(rewriter.getIndexAttr(t.getDimSize(*axis)));
          continue;
        }
        Value start = arith::MulIOp::create(
            rewriter, loc, each, arith::ConstantIndexOp::create(rewriter, loc, i));
        start = arith::MinUIOp::create(rewriter, loc, start, dim);
        Value left = arith::SubIOp::create(rewriter, loc, dim, start);
        pieces.push_back(
            arith::MinUIOp::create(rewriter, loc, each, left).getResult());
      }
    }
    SmallVector<Value> results;
    OpFoldResult offset = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> ones(type.getRank(), rewriter.getIndexAttr(1));
    for (int64_t i = 0; i < n; ++i) {
      RankedTensorType t = getConvertedResultType(*getTypeConverter(), op, i);
      if (!t)
        return rewriter.notifyMatchFailure(op, "unranked result");
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      offsets[*axis] = offset;
      sizes[*axis] = pieces[i];
      // An empty piece is a fresh empty tensor: extract_slice's verifier
      // rejects a static offset at the end of the dim, even for size 0.
      std::optional<int64_t> staticPiece = getConstantIntValue(pieces[i]);
      Value slice;
      if (staticPiece && *staticPiece == 0) {
        SmallVector<int64_t> shape;
        for (OpFoldResult s : sizes)
          shape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
        slice = createEmpty(
            rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
            sizes);
      } else {
        slice = tensor::ExtractSliceOp::create(rewriter, loc, input, offsets,
                                               sizes, ones);
      }
      if (slice.getType() != t)
        slice = tensor::CastOp::create(rewriter, loc, t, slice);
      results.push_back(slice);
      offset = addSizes(rewriter, loc, offset, pieces[i]);
    }
    rewriter.replaceOp(op, results);
    return success();
  }

private:
  /// Piece sizes from a run-time `split` tensor: the result type's static
  /// size where it has one, else the value; checked at run time to be
  /// non-negative, equal to the static sizes and to sum to the axis dim.
  LogicalResult getRuntimeSplit(onnx::SplitOp op, Value split, Value input,
                                int64_t axis,
                                SmallVectorImpl<OpFoldResult> &pieces,
                                ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    int64_t n = op->getNumResults();
    auto splitType = dyn_cast<RankedTensorType>(split.getType());
    if (!splitType || splitType.getRank() != 1 ||
        !isa<IntegerType>(splitType.getElementType()))
      return failure();
    if (!splitType.isDynamicDim(0) && splitType.getDimSize(0) != n)
      return failure();
    if (splitType.isDynamicDim(0))
      emitRuntimeCheck(
          rewriter, op,
          arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::eq,
              getDimValue(rewriter, loc, split, 0),
              arith::ConstantIndexOp::create(rewriter, loc, n)),
          "split has a length other than the number of outputs");
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value total = zero;
    for (int64_t i = 0; i < n; ++i) {
      Value v = tensor::ExtractOp::create(
          rewriter, loc, split,
          ValueRange{arith::ConstantIndexOp::create(rewriter, loc, i)});
      v = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), v);
      Value ok = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                       v, zero);
      RankedTensorType t = getConvertedResultType(*getTypeConverter(), op, i);
      if (t && !t.isDynamicDim(axis)) {
        Value want =
            arith::ConstantIndexOp::create(rewriter, loc, t.getDimSize(axis));
        ok = arith::AndIOp::create(
            rewriter, loc, ok,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, v,
                                  want));
        pieces.push_back(rewriter.getIndexAttr(t.getDimSize(axis)));
      } else {
        pieces.push_back(v);
      }
      emitRuntimeCheck(rewriter, op, ok,
                       "split " + Twine(i) +
                           " is negative or does not match the output shape");
      total = arith::AddIOp::create(rewriter, loc, total, v);
    }
    emitRuntimeCheck(
        rewriter, op,
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, total,
                              getDimValue(rewriter, loc, input, axis)),
        "split does not sum to the size of the axis");
    return success();
  }
};

/// Reverses `value` along `dims` with a generic: an affine map for static
/// sizes, a tensor.extract at `size - 1 - i` otherwise.
Value reverseDims(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> dims) {
  auto type = cast<RankedTensorType>(value.getType());
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  Value empty = createEmpty(b, loc, type, getSizes(b, loc, value));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  if (llvm::any_of(dims, [&](int64_t d) { return type.isDynamicDim(d); })) {
    SmallVector<Value> lasts;
    for (int64_t d : dims)
      lasts.push_back(
          arith::SubIOp::create(b, loc, getDimValue(b, loc, value, d),
                                arith::ConstantIndexOp::create(b, loc, 1)));
    return linalg::GenericOp::create(
               b, loc, TypeRange{type}, ValueRange{}, ValueRange{empty},
               ArrayRef<AffineMap>{identity}, parallelIterators(rank),
               [&](OpBuilder &nb, Location nloc, ValueRange) {
                 SmallVector<Value> at;
                 for (int64_t i = 0; i < rank; ++i) {
                   Value index = linalg::IndexOp::create(nb, nloc, i);
                   auto *it = llvm::find(dims, i);
                   if (it != dims.end())
                     index = arith::SubIOp::create(
                         nb, nloc, lasts[it - dims.begin()], index);
                   at.push_back(index);
                 }
                 linalg::YieldOp::create(
                     nb, nloc,
                     tensor::ExtractOp::create(nb, nloc, value, at)
                         .getResult());
               })
        .getResult(0);
  }
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i)
    exprs.push_back(llvm::is_contained(dims, i)
                        ? type.getDimSize(i) - 1 - getAffineDimExpr(i, ctx)
                        : getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx), identity};
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{value}, ValueRange{empty},
             maps, parallelIterators(rank),
             [](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc, args[0]);
             })
      .getResult(0);
}

/// Element `i` of the 1-D integer tensor `values` as an index: the constant
/// when `constants` holds them (clamped to int32 so that adding a dim cannot
/// overflow), else read at run time.
Value getIndexElement(OpBuilder &b, Location loc, Value values,
                      const FailureOr<SmallVector<int64_t>> &constants,
                      size_t i) {
  if (succeeded(constants))
    return arith::ConstantIndexOp::create(
        b, loc, std::clamp<int64_t>((*constants)[i], INT32_MIN, INT32_MAX));
  Value element = tensor::ExtractOp::create(
      b, loc, values, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
}

/// The (offset, size) of a Slice along one axis of size `dim` computed at
/// run time; the elements are taken ascending with stride |step| (a negative
/// step reverses them afterwards).
std::pair<Value, Value> buildRuntimeSliceBounds(OpBuilder &b, Location loc,
                                                Value start, Value end,
                                                Value dim, int64_t step) {
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto wrap = [&](Value v) -> Value {
    Value neg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, c(0));
    return arith::SelectOp::create(b, loc, neg,
                                   arith::AddIOp::create(b, loc, v, dim), v);
  };
  auto clamp = [&](Value v, Value lo, Value hi) -> Value {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, v, lo),
                                  hi);
  };
  Value s = wrap(start), e = wrap(end);
  if (step > 0) {
    s = clamp(s, c(0), dim);
    e = clamp(e, c(0), dim);
    Value span = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, e, s), c(0));
    if (step == 1)
      return {s, span};
    return {s, arith::CeilDivSIOp::create(b, loc, span, c(step))};
  }
  Value last = arith::SubIOp::create(b, loc, dim, c(1));
  s = clamp(s, c(0), last);
  e = clamp(e, c(-1), last);
  Value span =
      arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, s, e), c(0));
  Value count = arith::CeilDivSIOp::create(b, loc, span, c(-step));
  // The lowest element taken: s + (count - 1) * step (0 when none is).
  Value lowest = arith::AddIOp::create(
      b, loc, s,
      arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, count, c(1)),
                            c(step)));
  Value empty =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, count, c(0));
  return {arith::SelectOp::create(b, loc, empty, c(0), lowest), count};
}

/// `v` (an integer tensor element) as i64.
Value extractI64(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  Value v = tensor::ExtractOp::create(
      b, loc, tensor, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
  if (v.getType() != b.getI64Type())
    v = arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
  return v;
}

/// Slice with axes or steps given at run time: per data dim, the (first
/// index, signed step, count) are selected from the run-time inputs, and a
/// generic gathers data[first + i * step] per output dim. Invalid axes
/// (out of range, repeated) and zero steps fail a run-time check.
FailureOr<Value> buildRuntimeSlice(OpBuilder &b, onnx::SliceOp op, Value data,
                                   Value starts, Value ends, Value axes,
                                   Value steps, int64_t n,
                                   RankedTensorType resultType) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(data.getType());
  int64_t rank = type.getRank();
  if (resultType.getRank() != rank)
    return failure();
  for (Value v : {axes, steps}) {
    if (isa<NoneType>(v.getType()))
      continue;
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || t.getRank() != 1 || !isa<IntegerType>(t.getElementType()) ||
        (!t.isDynamicDim(0) && t.getDimSize(0) != n))
      return failure();
  }
  Type i64 = b.getI64Type();
  auto c = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v))
        .getResult();
  };
  auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y).getResult();
  };
  auto sel = [&](Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y).getResult();
  };
  auto clamp = [&](Value v, Value lo, Value hi) {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, v, lo),
                                  hi)
        .getResult();
  };
  using P = arith::CmpIPredicate;
  if (!isa<NoneType>(axes.getType()))
    emitRuntimeCheck(b, op,
                     cmp(P::ult, buildAxesMask(b, loc, axes, rank),
                         arith::ConstantIndexOp::create(b, loc, int64_t(1) << rank)),
                     "axes out of range or repeated");
  SmallVector<Value> first(rank), step(rank), count(rank);
  SmallVector<Value> dims(rank);
  for (int64_t d = 0; d < rank; ++d) {
    dims[d] = arith::IndexCastOp::create(b, loc, i64,
                                         getDimValue(b, loc, data, d));
    first[d] = c(0);
    step[d] = c(1);
    count[d] = dims[d];
  }
  Value rankV = c(rank);
  for (int64_t i = 0; i < n; ++i) {
    Value axis = c(i);
    if (!isa<NoneType>(axes.getType())) {
      axis = extractI64(b, loc, axes, i);
      axis = sel(cmp(P::slt, axis, c(0)),
                 arith::AddIOp::create(b, loc, axis, rankV), axis);
    }
    Value st = isa<NoneType>(steps.getType()) ? c(1)
                                               : extractI64(b, loc, steps, i);
    emitRuntimeCheck(b, op, cmp(P::ne, st, c(0)), "a step is 0");
    Value s = extractI64(b, loc, starts, i);
    Value e = extractI64(b, loc, ends, i);
    for (int64_t d = 0; d < rank; ++d) {
      Value dim = dims[d];
      Value sw = sel(cmp(P::slt, s, c(0)), arith::AddIOp::create(b, loc, s, dim), s);
      Value ew = sel(cmp(P::slt, e, c(0)), arith::AddIOp::create(b, loc, e, dim), e);
      Value positive = cmp(P::sgt, st, c(0));
      Value dimMinus1 = arith::SubIOp::create(b, loc, dim, c(1));
      Value sPos = clamp(sw, c(0), dim), ePos = clamp(ew, c(0), dim);
      Value sNeg = clamp(sw, c(0), dimMinus1), eNeg = clamp(ew, c(-1), dimMinus1);
      Value sc = sel(positive, sPos, sNeg), ec = sel(positive, ePos, eNeg);
      Value absStep = sel(positive, st, arith::SubIOp::create(b, loc, c(0), st));
      Value span = sel(positive, arith::SubIOp::create(b, loc, ec, sc),
                       arith::SubIOp::create(b, loc, sc, ec));
      Value cnt = arith::DivSIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, span,
                                arith::SubIOp::create(b, loc, absStep, c(1))),
          absStep);
      cnt = arith::MaxSIOp::create(b, loc, cnt, c(0));
      Value hit = cmp(P::eq, axis, c(d));
      first[d] = sel(hit, sel(cmp(P::eq, cnt, c(0)), c(0), sc), first[d]);
      step[d] = sel(hit, st, step[d]);
      count[d] = sel(hit, cnt, count[d]);
    }
  }
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    Value cnt = arith::IndexCastOp::create(b, loc, b.getIndexType(), count[d]);
    if (resultType.isDynamicDim(d)) {
      sizes.push_back(cnt);
      continue;
    }
    emitRuntimeCheck(b, op,
                     cmp(P::eq, cnt,
                         arith::ConstantIndexOp::create(
                             b, loc, resultType.getDimSize(d))),
                     "the slice does not match the declared output shape");
    sizes.push_back(b.getIndexAttr(resultType.getDimSize(d)));
  }
  Value empty = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  auto map = b.getMultiDimIdentityMap(rank);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{map}, parallelIterators(rank),
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = linalg::IndexOp::create(nb, l, d);
          Value i64v = arith::IndexCastOp::create(nb, l, i64, i);
          Value at = arith::AddIOp::create(
              nb, l, first[d], arith::MulIOp::create(nb, l, i64v, step[d]));
          idx.push_back(
              arith::IndexCastOp::create(nb, l, nb.getIndexType(), at));
        }
        Value v = tensor::ExtractOp::create(nb, l, data, idx);
        linalg::YieldOp::create(nb, l, v);
      });
  Value result = generic.getResult(0);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(b, loc, resultType, result);
  return result;
}

struct SliceLowering : OpConversionPattern<onnx::SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = type.getRank();
    auto startsType = dyn_cast<RankedTensorType>(adaptor.getStarts().getType());
    auto endsType = dyn_cast<RankedTensorType>(adaptor.getEnds().getType());
    if (!startsType || !endsType || startsType.getRank() != 1 ||
        startsType.isDynamicDim(0) ||
        startsType.getShape() != endsType.getShape())
      return rewriter.notifyMatchFailure(
          op, "expects 1-D starts/ends of static size");
    // Starts/ends may be run-time values; constant ones fold at compile time
    // on static dims.
    FailureOr<SmallVector<int64_t>> starts = getConstantInts(adaptor.getStarts());
    FailureOr<SmallVector<int64_t>> ends = getConstantInts(adaptor.getEnds());
    bool constantBounds = succeeded(starts) && succeeded(ends);
    size_t n = startsType.getDimSize(0);
    SmallVector<int64_t> axes, steps(n, 1);
    for (size_t i = 0; i < n; ++i)
      axes.push_back(i);
    bool runtimeAxesOrSteps = false;
    if (!isa<NoneType>(adaptor.getAxes().getType())) {
      FailureOr<SmallVector<int64_t>> a = getConstantInts(adaptor.getAxes());
      if (failed(a))
        runtimeAxesOrSteps = true;
      else if (a->size() != n)
        return rewriter.notifyMatchFailure(op, "axes of wrong length");
      else
        axes = *a;
    }
    if (!isa<NoneType>(adaptor.getSteps().getType())) {
      FailureOr<SmallVector<int64_t>> s = getConstantInts(adaptor.getSteps());
      if (failed(s))
        runtimeAxesOrSteps = true;
      else if (s->size() != n)
        return rewriter.notifyMatchFailure(op, "steps of wrong length");
      else
        steps = *s;
    }
    if (runtimeAxesOrSteps) {
      FailureOr<Value> result =
          buildRuntimeSlice(rewriter, op, data, adaptor.getStarts(),
                            adaptor.getEnds(), adaptor.getAxes(),
                            adaptor.getSteps(), n, resultType);
      if (failed(result))
        return rewriter.notifyMatchFailure(op, "unsupported run-time slice");
      rewriter.replaceOp(op, *result);
      return success();
    }
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, data);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<int64_t> reversed;
    for (size_t i = 0; i < n; ++i) {
      FailureOr<int64_t> axis = normalizeAxis(axes[i], rank);
      if (failed(axis) || steps[i] == 0)
        return rewriter.notifyMatchFailure(op, "invalid axis or step");
      int64_t dim = type.getDimSize(*axis);
      int64_t step = steps[i];
      if (ShapedType::isDynamic(dim) || !constantBounds) {
        Value start =
            getIndexElement(rewriter, loc, adaptor.getStarts(), starts, i);
        Value end = getIndexElement(rewriter, loc, adaptor.getEnds(), ends, i);
        auto [offset, count] = buildRuntimeSliceBounds(
            rewriter, loc, start, end, getDimValue(rewriter, loc, data, *axis),
            step);
        offsets[*axis] = offset;
        sizes[*axis] = count;
        strides[*axis] = rewriter.getIndexAttr(std::abs(step));
        if (step < 0)
          reversed.push_back(*axis);
        continue;
      }
      int64_t s = (*starts)[i], e = (*ends)[i];
      if (s < 0)
        s += dim;
      if (e < 0)
        e += dim;
      int64_t count;
      if (step > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        count = std::max<int64_t>(0, (e - s + step - 1) / step);
        // An empty slice starts at 0 (an offset of dim does not verify).
        offsets[*axis] = rewriter.getIndexAttr(count ? s : 0);
        strides[*axis] = rewriter.getIndexAttr(step);
      } else {
        s = std::clamp<int64_t>(s, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        count = std::max<int64_t>(0, (s - e + (-step) - 1) / (-step));
        // Take the elements in ascending order, then reverse them.
        int64_t lowest = s + (count - 1) * step;
        offsets[*axis] = rewriter.getIndexAttr(count ? lowest : 0);
        strides[*axis] = rewriter.getIndexAttr(-step);
        if (count > 1)
          reversed.push_back(*axis);
      }
      sizes[*axis] = rewriter.getIndexAttr(count);
    }
    Value result = tensor::ExtractSliceOp::create(rewriter, loc, data, offsets,
                                                  sizes, strides);
    if (!reversed.empty())
      result = reverseDims(rewriter, loc, result, reversed);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// An index operand element as an index in [0, dim) (negative wraps).
Value normalizeIndex(OpBuilder &b, Location loc, Value index, Value dim) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  Value wrapped = arith::AddIOp::create(b, loc, i, dim);
  return arith::SelectOp::create(b, loc, neg, wrapped, i);
}

struct GatherLowering : OpConversionPattern<onnx::GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!dataType || !indicesType || !type)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), dataType.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    int64_t q = indicesType.getRank(), rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    // Output dims: data[:axis], indices, data[axis+1:].
    SmallVector<OpFoldResult> dataSizes = getSizes(rewriter, loc, data);
    SmallVector<OpFoldResult> sizes(dataSizes.begin(), dataSizes.begin() + *axis);
    llvm::append_range(sizes, getSizes(rewriter, loc, indices));
    sizes.append(dataSizes.begin() + *axis + 1, dataSizes.end());
    SmallVector<AffineExpr> indexExprs;
    for (int64_t i = 0; i < q; ++i)
      indexExprs.push_back(getAffineDimExpr(*axis + i, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, indexExprs, ctx),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    Value dim = getDimValue(rewriter, loc, data, *axis);
    Value empty = createEmpty(rewriter, loc, type, sizes);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{indices},
            ValueRange{empty}, maps, parallelIterators(rank),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              SmallVector<Value> at;
              for (int64_t i = 0; i < dataType.getRank(); ++i) {
                if (i < *axis)
                  at.push_back(linalg::IndexOp::create(nb, nloc, i));
                else if (i == *axis)
                  at.push_back(normalizeIndex(nb, nloc, args[0], dim));
                else
                  at.push_back(linalg::IndexOp::create(nb, nloc, i - 1 + q));
              }
              Value element = tensor::ExtractOp::create(nb, nloc, data, at);
              linalg::YieldOp::create(nb, nloc, element);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherElementsLowering : OpConversionPattern<onnx::GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!dataType || !type || !isa<RankedTensorType>(indices.getType()))
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = type.getRank();
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), rank);
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, ctx));
    Value dim = getDimValue(rewriter, loc, data, *axis);
    Value empty = createEmpty(rewriter, loc, type, getSizes(rewriter, loc, indices));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{indices},
            ValueRange{empty}, maps, parallelIterators(rank),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              SmallVector<Value> at;
              for (int64_t i = 0; i < rank; ++i)
                at.push_back(i == *axis
                                 ? normalizeIndex(nb, nloc, args[0], dim)
                                 : (Value)linalg::IndexOp::create(nb, nloc, i));
              Value element = tensor::ExtractOp::create(nb, nloc, data, at);
              linalg::YieldOp::create(nb, nloc, element);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TileLowering : OpConversionPattern<onnx::TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    FailureOr<SmallVector<int64_t>> repeats = getConstantInts(adaptor.getRepeats());
    auto repeatsType =
        dyn_cast<RankedTensorType>(adaptor.getRepeats().getType());
    if (!inType || !type || !repeatsType || repeatsType.getRank() != 1 ||
        repeatsType.getDimSize(0) != inType.getRank())
      return rewriter.notifyMatchFailure(op, "expects repeats of input rank");
    if (!inType.hasStaticShape() || failed(repeats))
      return rewriteRuntime(op, adaptor, rewriter, repeats);
    int64_t rank = inType.getRank();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> exprs;
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < rank; ++i) {
      exprs.push_back(getAffineDimExpr(i, ctx) % inType.getDimSize(i));
      shape.push_back(inType.getDimSize(i) * (*repeats)[i]);
    }
    auto outType = RankedTensorType::get(shape, inType.getElementType());
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    Value empty = tensor::EmptyOp::create(rewriter, loc, shape,
                                          inType.getElementType());
    Value result = linalg::GenericOp::create(
                       rewriter, loc, TypeRange{outType}, ValueRange{input},
                       ValueRange{empty}, maps, parallelIterators(rank),
                       [](OpBuilder &nb, Location nloc, ValueRange args) {
                         linalg::YieldOp::create(nb, nloc, args[0]);
                       })
                       .getResult(0);
    if (outType != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Dynamic input dims or run-time repeats: output dim i is in_i * r_i and
  /// the body reads the input at (index_i mod in_i).
  LogicalResult
  rewriteRuntime(onnx::TileOp op, OpAdaptor adaptor,
                 ConversionPatternRewriter &rewriter,
                 const FailureOr<SmallVector<int64_t>> &repeats) const {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    int64_t rank = inType.getRank();
    SmallVector<Value> dims;
    SmallVector<OpFoldResult> sizes;
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < rank; ++i) {
      dims.push_back(getDimValue(rewriter, loc, input, i));
      Value r =
          getIndexElement(rewriter, loc, adaptor.getRepeats(), repeats, i);
      sizes.push_back(
          arith::MulIOp::create(rewriter, loc, dims[i], r).getResult());
      shape.push_back(succeeded(repeats) && !inType.isDynamicDim(i)
                          ? inType.getDimSize(i) * (*repeats)[i]
                          : ShapedType::kDynamic);
    }
    auto outType = RankedTensorType::get(shape, inType.getElementType());
    Value empty = createEmpty(rewriter, loc, outType, sizes);
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{outType}, ValueRange{}, ValueRange{empty},
            ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location nloc, ValueRange) {
              SmallVector<Value> at;
              for (int64_t i = 0; i < rank; ++i)
                at.push_back(arith::RemSIOp::create(
                    nb, nloc, linalg::IndexOp::create(nb, nloc, i), dims[i]));
              linalg::YieldOp::create(
                  nb, nloc,
                  tensor::ExtractOp::create(nb, nloc, input, at).getResult());
            })
            .getResult(0);
    if (outType != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxDataMovementToLinalgPatterns(TypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ConcatLowering, SplitLowering, SliceLowering,
               GatherLowering, GatherElementsLowering, TileLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
