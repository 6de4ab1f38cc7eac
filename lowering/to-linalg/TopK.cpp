//===- TopK.cpp - onnx TopK -> linalg.generic
//------------------------------===//
//
// TopK as a rank selection, two generics: the first gives every element its
// rank along the axis (how many elements come before it: larger, or equal
// and at a lower index, for largest=1; smaller for largest=0), the second
// picks, for output position j < k, the element of rank j and its index.
// That is O(n^2) per row, but exact, stable (ties keep index order, as the
// reference's stable sort does) and free of data-dependent control flow. k
// is the static size of the result along the axis.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// Whether `a` comes strictly before `b` in the order TopK sorts by.
Value comesBefore(OpBuilder &b, Location l, Value x, Value y, bool largest,
                  bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(
        b, l, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT,
        x, y);
  arith::CmpIPredicate p = largest ? (isUnsigned ? arith::CmpIPredicate::ugt
                                                 : arith::CmpIPredicate::sgt)
                                   : (isUnsigned ? arith::CmpIPredicate::ult
                                                 : arith::CmpIPredicate::slt);
  return arith::CmpIOp::create(b, l, p, x, y);
}

Value isEqual(OpBuilder &b, Location l, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, x, y);
  return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, x, y);
}

struct TopKLowering : OpConversionPattern<onnx::TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType valuesType =
        getConvertedResultType(*getTypeConverter(), op, 0);
    RankedTensorType indicesType =
        getConvertedResultType(*getTypeConverter(), op, 1);
    if (!type || !valuesType || !indicesType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = type.getRank();
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), rank);
    if (failed(axis) || valuesType.getRank() != rank)
      return rewriter.notifyMatchFailure(op, "invalid axis");
    // k: the static result size along the axis (K itself may be run-time).
    if (valuesType.isDynamicDim(*axis))
      return rewriter.notifyMatchFailure(op, "k must be static");
    bool largest = op.getLargest() != 0;
    bool isUnsigned = isUnsignedElement(op.getX().getType());
    Type elementType = type.getElementType();
    MLIRContext *ctx = rewriter.getContext();
    Type i64 = rewriter.getI64Type();

    // Ranks: loops d_0..d_{rank-1} over X, then m (reduction) along the
    // axis.
    SmallVector<AffineExpr> self, other;
    for (int64_t d = 0; d < rank; ++d) {
      self.push_back(getAffineDimExpr(d, ctx));
      other.push_back(getAffineDimExpr(d == *axis ? rank : d, ctx));
    }
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    auto ranksType = RankedTensorType::get(type.getShape(), i64);
    Value ranksInit = createFilled(rewriter, loc, ranksType, sizes,
                                   createScalarConstant(rewriter, loc, i64, 0));
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Value ranks =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{ranksType}, ValueRange{x, x},
            ValueRange{ranksInit},
            ArrayRef<AffineMap>{AffineMap::get(rank + 1, 0, self, ctx),
                                AffineMap::get(rank + 1, 0, other, ctx),
                                AffineMap::get(rank + 1, 0, self, ctx)},
            iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value i = linalg::IndexOp::create(b, l, *axis);
              Value m = linalg::IndexOp::create(b, l, rank);
              Value before =
                  comesBefore(b, l, args[1], args[0], largest, isUnsigned);
              Value tie = arith::AndIOp::create(
                  b, l, isEqual(b, l, args[1], args[0]),
                  arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, m, i));
              Value count = arith::ExtUIOp::create(
                  b, l, i64, arith::OrIOp::create(b, l, before, tie));
              linalg::YieldOp::create(
                  b, l,
                  arith::AddIOp::create(b, l, args[2], count).getResult());
            })
            .getResult(0);

    // Selection: loops over the result (j along the axis), then i
    // (reduction) along X's axis.
    SmallVector<OpFoldResult> resultSizes = sizes;
    resultSizes[*axis] = rewriter.getIndexAttr(valuesType.getDimSize(*axis));
    Value valuesInit =
        createFilled(rewriter, loc, valuesType, resultSizes,
                     createScalarConstant(rewriter, loc, elementType, 0));
    Value indicesInit =
        createFilled(rewriter, loc, indicesType, resultSizes,
                     createScalarConstant(rewriter, loc, i64, 0));
    AffineMap selfMap = AffineMap::get(rank + 1, 0, self, ctx);
    AffineMap otherMap = AffineMap::get(rank + 1, 0, other, ctx);
    auto selected = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valuesType, indicesType}, ValueRange{x, ranks},
        ValueRange{valuesInit, indicesInit},
        ArrayRef<AffineMap>{otherMap, otherMap, selfMap, selfMap}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value j = arith::IndexCastOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, *axis));
          Value i = arith::IndexCastOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, rank));
          Value is =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, args[1], j);
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, is, args[0], args[2]),
                         arith::SelectOp::create(b, l, is, i, args[3])});
        });
    rewriter.replaceOp(op, selected.getResults());
    return success();
  }
};

} // namespace

void populateOnnxTopKToLinalgPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<TopKLowering>(converter, patterns.getContext());
}

} // namespace kiln
