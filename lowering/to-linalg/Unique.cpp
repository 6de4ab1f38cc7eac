//===- Unique.cpp - Unique as scf loops over rows -------------------------===//
//
// Unique over the flattened input or over the slices along `axis`. The input
// is viewed as rows (the axis moved first and the other dims collapsed), and
// rows are compared element by element:
//   first[i]  the first row equal to row i;
//   rank[i]   for a first occurrence, its position in Y: the number of
//             first occurrences before it (sorted = 0) or of distinct rows
//             lexicographically smaller (sorted = 1);
// then Y, indices, inverse_indices and counts are filled in one pass. All
// four results are sized by the number of distinct rows, a value the
// kernel computes (data-dependent results). O(n^2) comparisons.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/DataDependentPatterns.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {
namespace {

/// Compares rows `i` and `j` of the 2-D `rows`: 0 when equal, 1 when row i
/// is lexicographically smaller, 2 when larger (an index).
Value compareRows(OpBuilder &b, Location loc, Value rows, Value i, Value j,
                  bool isUnsigned) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value c2 = arith::ConstantIndexOp::create(b, loc, 2);
  Value m = getDimValue(b, loc, rows, 1);
  auto loop = scf::ForOp::create(
      b, loc, c0, m, c1, ValueRange{c0},
      [&](OpBuilder &lb, Location l, Value k, ValueRange iter) {
        Value x = tensor::ExtractOp::create(lb, l, rows, ValueRange{i, k});
        Value y = tensor::ExtractOp::create(lb, l, rows, ValueRange{j, k});
        Value lt, gt;
        if (isa<FloatType>(x.getType())) {
          lt = arith::CmpFOp::create(lb, l, arith::CmpFPredicate::OLT, x, y);
          gt = arith::CmpFOp::create(lb, l, arith::CmpFPredicate::OGT, x, y);
        } else {
          lt = arith::CmpIOp::create(lb, l,
                                     isUnsigned ? arith::CmpIPredicate::ult
                                                : arith::CmpIPredicate::slt,
                                     x, y);
          gt = arith::CmpIOp::create(lb, l,
                                     isUnsigned ? arith::CmpIPredicate::ugt
                                                : arith::CmpIPredicate::sgt,
                                     x, y);
        }
        Value here = arith::SelectOp::create(
            lb, l, lt, c1, arith::SelectOp::create(lb, l, gt, c2, c0));
        Value undecided = arith::CmpIOp::create(
            lb, l, arith::CmpIPredicate::eq, iter[0], c0);
        scf::YieldOp::create(
            lb, l,
            ValueRange{arith::SelectOp::create(lb, l, undecided, here,
                                               iter[0])});
      });
  return loop.getResult(0);
}

/// A 1-D index tensor of `n` entries, entry i computed by `body(b, i)`.
Value buildIndexVector(OpBuilder &b, Location loc, Value n,
                       function_ref<Value(OpBuilder &, Location, Value)> body) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  auto type = RankedTensorType::get({ShapedType::kDynamic}, b.getIndexType());
  Value init = createEmpty(b, loc, type, {n});
  return scf::ForOp::create(
             b, loc, c0, n, c1, ValueRange{init},
             [&](OpBuilder &lb, Location l, Value i, ValueRange iter) {
               Value v = body(lb, l, i);
               scf::YieldOp::create(
                   lb, l,
                   ValueRange{tensor::InsertOp::create(lb, l, v, iter[0], i)});
             })
      .getResult(0);
}

/// The number of j in [0, n) with `pred(b, j)`, as an index.
Value countWhere(OpBuilder &b, Location loc, Value n,
                 function_ref<Value(OpBuilder &, Location, Value)> pred) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  return scf::ForOp::create(
             b, loc, c0, n, c1, ValueRange{c0},
             [&](OpBuilder &lb, Location l, Value j, ValueRange iter) {
               Value inc = arith::SelectOp::create(lb, l, pred(lb, l, j), c1, c0);
               scf::YieldOp::create(
                   lb, l, ValueRange{arith::AddIOp::create(lb, l, iter[0], inc)});
             })
      .getResult(0);
}

struct UniqueLowering : OpConversionPattern<onnx::UniqueOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::UniqueOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !type.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "expects a numeric ranked tensor");
    bool isUnsigned = isUnsignedElement(op.getX().getType());
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();

    // `slices`: the input with the unique axis first (rank >= 1); `rows`:
    // the same data as [n, m].
    Value slices;
    int64_t axis = 0;
    SmallVector<int64_t> perm;
    if (std::optional<int64_t> a = op.getAxis()) {
      FailureOr<int64_t> norm = normalizeAxis(*a, rank);
      if (failed(norm))
        return rewriter.notifyMatchFailure(op, "axis out of range");
      axis = *norm;
      perm.push_back(axis);
      for (int64_t d = 0; d < rank; ++d)
        if (d != axis)
          perm.push_back(d);
      SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
      SmallVector<OpFoldResult> permSizes;
      SmallVector<int64_t> permShape;
      for (int64_t d : perm) {
        permSizes.push_back(sizes[d]);
        permShape.push_back(type.getDimSize(d));
      }
      Value init = createEmpty(
          rewriter, loc, RankedTensorType::get(permShape, elementType),
          permSizes);
      slices = linalg::TransposeOp::create(rewriter, loc, x, init, perm)
                   ->getResult(0);
    } else {
      auto flatType = RankedTensorType::get(
          {type.hasStaticShape() ? type.getNumElements() : ShapedType::kDynamic},
          elementType);
      if (rank == 0) {
        slices = tensor::ExpandShapeOp::create(
            rewriter, loc, RankedTensorType::get({1}, elementType), x,
            ArrayRef<ReassociationIndices>{});
      } else {
        SmallVector<ReassociationIndices> all(1);
        for (int64_t d = 0; d < rank; ++d)
          all[0].push_back(d);
        slices = tensor::CollapseShapeOp::create(rewriter, loc, flatType, x, all);
      }
    }
    auto slicesType = cast<RankedTensorType>(slices.getType());
    Value rows;
    if (slicesType.getRank() == 1) {
      rows = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({slicesType.getDimSize(0), 1}, elementType),
          slices, SmallVector<ReassociationIndices>{ReassociationIndices{0, 1}},
          ArrayRef<OpFoldResult>{getSizes(rewriter, loc, slices)[0],
                                 rewriter.getIndexAttr(1)});
    } else {
      SmallVector<ReassociationIndices> groups(2);
      groups[0].push_back(0);
      int64_t m = 1;
      for (int64_t d = 1; d < slicesType.getRank(); ++d) {
        groups[1].push_back(d);
        m = slicesType.isDynamicDim(d) || m == ShapedType::kDynamic
                ? ShapedType::kDynamic
                : m * slicesType.getDimSize(d);
      }
      rows = tensor::CollapseShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({slicesType.getDimSize(0), m}, elementType),
          slices, groups);
    }

    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value n = getDimValue(rewriter, loc, rows, 0);
    auto eq = [](OpBuilder &b, Location l, Value lhs, Value rhs) -> Value {
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, lhs, rhs);
    };
    // first[i]: the first j <= i whose row equals row i.
    Value first = buildIndexVector(
        rewriter, loc, n, [&](OpBuilder &b, Location l, Value i) -> Value {
          return scf::ForOp::create(
                     b, l, c0, i, c1, ValueRange{i},
                     [&](OpBuilder &lb, Location ll, Value j, ValueRange it) {
                       Value notFound = eq(lb, ll, it[0], i);
                       Value same = eq(lb, ll,
                                       compareRows(lb, ll, rows, j, i,
                                                   isUnsigned),
                                       c0);
                       Value take =
                           arith::AndIOp::create(lb, ll, notFound, same);
                       scf::YieldOp::create(
                           lb, ll,
                           ValueRange{
                               arith::SelectOp::create(lb, ll, take, j, it[0])});
                     })
              .getResult(0);
        });
    auto isFirst = [&](OpBuilder &b, Location l, Value i) -> Value {
      return eq(b, l, tensor::ExtractOp::create(b, l, first, ValueRange{i}), i);
    };
    Value numUnique = countWhere(rewriter, loc, n, isFirst);
    bool sorted = op.getSorted() != 0;
    // rank[i] (meaningful for first occurrences only).
    Value position = buildIndexVector(
        rewriter, loc, n, [&](OpBuilder &b, Location l, Value i) -> Value {
          if (!sorted)
            return countWhere(b, l, i, isFirst);
          return countWhere(b, l, n, [&](OpBuilder &cb, Location cl, Value j) {
            Value smaller = eq(cb, cl,
                               compareRows(cb, cl, rows, j, i, isUnsigned), c1);
            return arith::AndIOp::create(cb, cl, isFirst(cb, cl, j), smaller)
                .getResult();
          });
        });

    // Fill the results.
    Type i64 = rewriter.getI64Type();
    auto vecType = RankedTensorType::get({ShapedType::kDynamic}, i64);
    Value zero64 = createScalarConstant(rewriter, loc, i64, 0);
    Value one64 = createScalarConstant(rewriter, loc, i64, 1);
    Value indices = createEmpty(rewriter, loc, vecType, {numUnique});
    Value counts = createFilled(rewriter, loc, vecType, {numUnique}, zero64);
    Value inverse = createEmpty(rewriter, loc, vecType, {n});
    SmallVector<OpFoldResult> ySizes = getSizes(rewriter, loc, slices);
    ySizes[0] = numUnique;
    SmallVector<int64_t> yShape(slicesType.getShape());
    yShape[0] = ShapedType::kDynamic;
    Value yInit = createEmpty(rewriter, loc,
                              RankedTensorType::get(yShape, elementType), ySizes);
    int64_t sliceRank = slicesType.getRank();
    auto fill = scf::ForOp::create(
        rewriter, loc, c0, n, c1, ValueRange{yInit, indices, inverse, counts},
        [&](OpBuilder &b, Location l, Value i, ValueRange iter) {
          Value f = tensor::ExtractOp::create(b, l, first, ValueRange{i});
          Value r = tensor::ExtractOp::create(b, l, position, ValueRange{f});
          Value r64 = arith::IndexCastOp::create(b, l, i64, r);
          Value inv = tensor::InsertOp::create(b, l, r64, iter[2], ValueRange{i});
          Value count = tensor::ExtractOp::create(b, l, iter[3], ValueRange{r});
          Value cnt = tensor::InsertOp::create(
              b, l, arith::AddIOp::create(b, l, count, one64), iter[3],
              ValueRange{r});
          auto ifFirst = scf::IfOp::create(
              b, l, eq(b, l, f, i),
              [&](OpBuilder &tb, Location tl) {
                SmallVector<OpFoldResult> sizes = getSizes(tb, tl, slices);
                sizes[0] = tb.getIndexAttr(1);
                SmallVector<OpFoldResult> from(sliceRank, tb.getIndexAttr(0));
                SmallVector<OpFoldResult> to(sliceRank, tb.getIndexAttr(0));
                SmallVector<OpFoldResult> ones(sliceRank, tb.getIndexAttr(1));
                from[0] = i;
                to[0] = r;
                Value slice = tensor::ExtractSliceOp::create(tb, tl, slices, from,
                                                             sizes, ones);
                Value y = tensor::InsertSliceOp::create(tb, tl, slice, iter[0],
                                                        to, sizes, ones);
                Value idx = tensor::InsertOp::create(
                    tb, tl, arith::IndexCastOp::create(tb, tl, i64, i), iter[1],
                    ValueRange{r});
                scf::YieldOp::create(tb, tl, ValueRange{y, idx});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, ValueRange{iter[0], iter[1]});
              });
          scf::YieldOp::create(b, l,
                               ValueRange{ifFirst.getResult(0),
                                          ifFirst.getResult(1), inv, cnt});
        });

    // Y back in the input's layout.
    Value y = fill.getResult(0);
    if (!perm.empty()) {
      SmallVector<int64_t> inversePerm(rank);
      for (int64_t d = 0; d < rank; ++d)
        inversePerm[perm[d]] = d;
      SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, y);
      SmallVector<OpFoldResult> outSizes;
      SmallVector<int64_t> outShape;
      for (int64_t d : inversePerm) {
        outSizes.push_back(sizes[d]);
        outShape.push_back(yShape[d]);
      }
      Value init = createEmpty(
          rewriter, loc, RankedTensorType::get(outShape, elementType), outSizes);
      y = linalg::TransposeOp::create(rewriter, loc, y, init, inversePerm)
              ->getResult(0);
    }
    SmallVector<Value> results = {y, fill.getResult(1), fill.getResult(2),
                                  fill.getResult(3)};
    for (unsigned k = 0; k < 4; ++k) {
      if (isa<NoneType>(op->getResult(k).getType())) {
        results[k] = nullptr;
        continue;
      }
      RankedTensorType t = getConvertedResultType(*getTypeConverter(), op, k);
      if (!t)
        return rewriter.notifyMatchFailure(op, "unranked result");
      if (results[k].getType() != t)
        results[k] = tensor::CastOp::create(rewriter, loc, t, results[k]);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateOnnxUniqueToLinalgPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<UniqueLowering>(converter, patterns.getContext());
}

} // namespace kiln
