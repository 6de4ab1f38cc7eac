//===- DataDependent.cpp - ops whose result size depends on values --------===//
//
// NonZero and Compress: the result's size along one dim is a count of the
// input's values. The count is a reduction; the result is then filled by an
// scf.for that carries the next write position. OneHot: the size of the
// inserted dim is the value of `depth`. A result of such a size
// that reaches a graph output is published to the runtime after the kernel
// computed it (kiln-publish-data-dependent-results).
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/DataDependentPatterns.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <functional>

using namespace mlir;

namespace kiln {
namespace {

/// `x != 0` for an element of any int/float type.
Value isNonZero(OpBuilder &b, Location loc, Value x) {
  Value zero = createScalarConstant(b, loc, x.getType(), 0);
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
}

/// The number of non-zero elements of `x` (over all dims) as an index.
Value countNonZero(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  Type i64 = b.getI64Type();
  Value init = createScalarConstant(b, loc, i64, 0);
  Value count;
  if (type.getRank() == 0) {
    Value v = tensor::ExtractOp::create(b, loc, x, ValueRange{});
    count = arith::ExtUIOp::create(b, loc, i64, isNonZero(b, loc, v));
  } else {
    // The reduction's accumulator is i64, so map each element first.
    Value flags = buildInternalBroadcast(
        b, loc, {x}, x, i64,
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::ExtUIOp::create(nb, l, nb.getI64Type(),
                                        isNonZero(nb, l, args[0]));
        });
    Value sum = buildReduction(
        b, loc, flags, all, init,
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::AddIOp::create(nb, l, args[0], args[1]);
        });
    count = tensor::ExtractOp::create(b, loc, sum, ValueRange{});
  }
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), count);
}

/// NonZero: i64[rank, count], the indices of the non-zero elements in
/// row-major order.
struct NonZeroLowering : OpConversionPattern<onnx::NonZeroOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::NonZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType || resultType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = type.getRank();
    Value count = countNonZero(rewriter, loc, x);
    Value empty = createEmpty(
        rewriter, loc,
        RankedTensorType::get({rank, ShapedType::kDynamic},
                              rewriter.getI64Type()),
        {rewriter.getIndexAttr(rank), count});
    // Walk the elements in row-major order (a loop nest over the dims),
    // carrying the result and the next column.
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> ivs;
    std::function<SmallVector<Value>(OpBuilder &, int64_t, ValueRange)> nest =
        [&](OpBuilder &b, int64_t d, ValueRange iter) -> SmallVector<Value> {
      if (d == rank) {
        Value v = tensor::ExtractOp::create(b, loc, x, ivs);
        auto ifOp = scf::IfOp::create(
            b, loc, isNonZero(b, loc, v),
            [&](OpBuilder &tb, Location l) {
              Value out = iter[0];
              for (int64_t k = 0; k < rank; ++k) {
                Value idx = arith::IndexCastOp::create(tb, l, tb.getI64Type(),
                                                       ivs[k]);
                Value row = arith::ConstantIndexOp::create(tb, l, k);
                out = tensor::InsertOp::create(tb, l, idx, out,
                                               ValueRange{row, iter[1]});
              }
              Value next = arith::AddIOp::create(tb, l, iter[1], one);
              scf::YieldOp::create(tb, l, ValueRange{out, next});
            },
            [&](OpBuilder &eb, Location l) {
              scf::YieldOp::create(eb, l, iter);
            });
        return SmallVector<Value>(ifOp.getResults());
      }
      Value size = getDimValue(b, loc, x, d);
      auto loop = scf::ForOp::create(
          b, loc, zero, size, one, iter,
          [&](OpBuilder &lb, Location l, Value iv, ValueRange inner) {
            ivs.push_back(iv);
            SmallVector<Value> results = nest(lb, d + 1, inner);
            ivs.pop_back();
            scf::YieldOp::create(lb, l, results);
          });
      return SmallVector<Value>(loop.getResults());
    };
    SmallVector<Value> results = nest(rewriter, 0, ValueRange{empty, zero});
    Value result = results[0];
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Compress: the slices of `input` along `axis` (or of the flattened input)
/// whose `condition` entry is true, in order. Entries past the axis size
/// are ignored, as the spec allows a shorter or longer condition.
struct CompressLowering : OpConversionPattern<onnx::CompressOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::CompressOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    Value condition = adaptor.getCondition();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    auto condType = dyn_cast<RankedTensorType>(condition.getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !condType || !resultType || condType.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t axis;
    if (IntegerAttr a = op.getAxisAttr()) {
      FailureOr<int64_t> norm =
          normalizeAxis(a.getValue().getSExtValue(), type.getRank());
      if (failed(norm))
        return rewriter.notifyMatchFailure(op, "axis out of range");
      axis = *norm;
    } else {
      // Flatten first.
      if (!type.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "flattening a dynamic input");
      auto flat = RankedTensorType::get({type.getNumElements()},
                                        type.getElementType());
      SmallVector<ReassociationIndices> all(1);
      for (int64_t d = 0; d < type.getRank(); ++d)
        all[0].push_back(d);
      if (type.getRank() == 0)
        input = tensor::ExpandShapeOp::create(rewriter, loc, flat, input,
                                              ArrayRef<ReassociationIndices>{});
      else
        input = tensor::CollapseShapeOp::create(rewriter, loc, flat, input, all);
      type = flat;
      axis = 0;
    }
    if (resultType.getRank() != type.getRank())
      return rewriter.notifyMatchFailure(op, "result rank mismatch");
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value dim = getDimValue(rewriter, loc, input, axis);
    Value n = arith::MinUIOp::create(rewriter, loc, dim,
                                     getDimValue(rewriter, loc, condition, 0));
    // Count the selected slices.
    auto countLoop = scf::ForOp::create(
        rewriter, loc, zero, n, one, ValueRange{zero},
        [&](OpBuilder &b, Location l, Value i, ValueRange iter) {
          Value c = tensor::ExtractOp::create(b, l, condition, ValueRange{i});
          Value inc = arith::SelectOp::create(b, l, isNonZero(b, l, c), one,
                                              zero);
          scf::YieldOp::create(b, l,
                               ValueRange{arith::AddIOp::create(b, l, iter[0],
                                                                inc)});
        });
    Value count = countLoop.getResult(0);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, input);
    sizes[axis] = count;
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = ShapedType::kDynamic;
    Value empty = createEmpty(
        rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
        sizes);
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));
    auto fill = scf::ForOp::create(
        rewriter, loc, zero, n, one, ValueRange{empty, zero},
        [&](OpBuilder &b, Location l, Value i, ValueRange iter) {
          Value c = tensor::ExtractOp::create(b, l, condition, ValueRange{i});
          auto ifOp = scf::IfOp::create(
              b, l, isNonZero(b, l, c),
              [&](OpBuilder &tb, Location tl) {
                SmallVector<OpFoldResult> sliceSizes = getSizes(tb, tl, input);
                sliceSizes[axis] = tb.getIndexAttr(1);
                SmallVector<OpFoldResult> from(rank, tb.getIndexAttr(0));
                from[axis] = i;
                Value slice = tensor::ExtractSliceOp::create(
                    tb, tl, input, from, sliceSizes, ones);
                SmallVector<OpFoldResult> to(rank, tb.getIndexAttr(0));
                to[axis] = iter[1];
                Value out = tensor::InsertSliceOp::create(
                    tb, tl, slice, iter[0], to, sliceSizes, ones);
                Value next = arith::AddIOp::create(tb, tl, iter[1], one);
                scf::YieldOp::create(tb, tl, ValueRange{out, next});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter);
              });
          scf::YieldOp::create(b, l, ifOp.getResults());
        });
    Value result = fill.getResult(0);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The first element of the scalar or one-element tensor `t` converted to
/// i64 with ONNX Cast semantics (floats truncate).
Value extractFirstAsI64(OpBuilder &b, Location loc, Value t, Type origType) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  Value v = tensor::ExtractOp::create(b, loc, t, zeros);
  return convertScalar(b, loc, v, b.getI64Type(), isUnsignedElement(origType),
                       false);
}

/// OneHot: `values[1]` where the (negative-wrapped) index equals the position
/// along the inserted dim, else `values[0]`; indices outside
/// [-depth, depth-1] give a row of `values[0]`.
struct OneHotLowering : OpConversionPattern<onnx::OneHotOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::OneHotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value indices = adaptor.getIndices();
    Value values = adaptor.getValues();
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto depthType = dyn_cast<RankedTensorType>(adaptor.getDepth().getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
    if (!indicesType || !depthType || !resultType ||
        depthType.getNumElements() != 1 ||
        resultType.getRank() != indicesType.getRank() + 1)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = resultType.getRank();
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), rank);
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Value depth = extractFirstAsI64(rewriter, loc, adaptor.getDepth(),
                                    op.getDepth().getType());
    Value zero64 = createScalarConstant(rewriter, loc, rewriter.getI64Type(), 0);
    emitRuntimeCheck(rewriter, op,
                     arith::CmpIOp::create(rewriter, loc,
                                           arith::CmpIPredicate::sge, depth,
                                           zero64),
                     "depth is negative");
    Value depthIndex = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(), depth);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, indices);
    sizes.insert(sizes.begin() + *axis, depthIndex);
    SmallVector<int64_t> shape(indicesType.getShape());
    shape.insert(shape.begin() + *axis, ShapedType::kDynamic);
    Type elementType = resultType.getElementType();
    auto dynamicType = RankedTensorType::get(shape, elementType);
    Value empty = createEmpty(rewriter, loc, dynamicType, sizes);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value off = tensor::ExtractOp::create(rewriter, loc, values, ValueRange{c0});
    Value on = tensor::ExtractOp::create(rewriter, loc, values, ValueRange{c1});
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> dims;
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis)
        dims.push_back(getAffineDimExpr(d, ctx));
    AffineMap indicesMap = AffineMap::get(rank, 0, dims, ctx);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    bool isUnsigned = isUnsignedElement(op.getIndices().getType());
    int64_t axisDim = *axis;
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{dynamicType}, ValueRange{indices},
            ValueRange{empty}, ArrayRef<AffineMap>{indicesMap, identity},
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value index = convertScalar(b, l, args[0], b.getI64Type(),
                                          isUnsigned, false);
              Value negative = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::slt, index, zero64);
              index = arith::SelectOp::create(
                  b, l, negative, arith::AddIOp::create(b, l, index, depth),
                  index);
              Value position = arith::IndexCastOp::create(
                  b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axisDim));
              Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                index, position);
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::SelectOp::create(b, l, hit, on, off)});
            })
            .getResult(0);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxDataDependentToLinalgPatterns(TypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering, CompressLowering, OneHotLowering>(
      converter, patterns.getContext());
  populateOnnxNonMaxSuppressionToLinalgPatterns(converter, patterns);
  populateOnnxUniqueToLinalgPatterns(converter, patterns);
}

} // namespace kiln
