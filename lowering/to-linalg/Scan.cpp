//===- Scan.cpp - onnx CumSum/CumProd -> linalg ---------------------------===//
//
// Cumulative sums and products along an axis. Each output element
// folds the input elements at positions j of the axis with j <= i (j < i
// when exclusive; j >= i / j > i when reversed): a linalg.generic with one
// extra reduction dim j, reading the input at j along the axis and folding
// the identity for positions outside the prefix. Quadratic in the axis
// length, but plain parallel/reduction loops the rest of the pipeline
// already handles. A run-time axis (a graph input) builds one scan per
// candidate axis and selects among them.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

template <typename OpTy, bool isProduct>
struct CumulativeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 1)
      return rewriter.notifyMatchFailure(op, "expects a ranked tensor");
    int64_t rank = type.getRank();
    // A constant axis gives one generic; a run-time one (a graph input) one
    // generic per candidate axis and a select on the normalized axis.
    SmallVector<int64_t> candidates;
    FailureOr<SmallVector<int64_t>> axisValues =
        getConstantInts(adaptor.getAxis());
    if (succeeded(axisValues)) {
      if (axisValues->size() != 1)
        return rewriter.notifyMatchFailure(op, "expects a scalar axis");
      FailureOr<int64_t> axis = normalizeAxis((*axisValues)[0], rank);
      if (failed(axis))
        return rewriter.notifyMatchFailure(op, "axis out of range");
      candidates.push_back(*axis);
    } else {
      for (int64_t d = 0; d < rank; ++d)
        candidates.push_back(d);
    }
    Value result;
    for (int64_t axis : candidates) {
      Value scanned = buildScan(rewriter, loc, x, type, axis,
                                op.getExclusive() != 0, op.getReverse() != 0);
      if (!result) {
        result = scanned;
        continue;
      }
      // axis == d or axis == d - rank.
      auto axisType = cast<RankedTensorType>(adaptor.getAxis().getType());
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      SmallVector<Value> indices(axisType.getRank(), zero);
      Value a =
          tensor::ExtractOp::create(rewriter, loc, adaptor.getAxis(), indices);
      Type at = a.getType();
      Value isD =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, a,
                                createScalarConstant(rewriter, loc, at, axis));
      Value isNeg = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq, a,
          createScalarConstant(rewriter, loc, at, axis - rank));
      Value pick = arith::OrIOp::create(rewriter, loc, isD, isNeg);
      result = arith::SelectOp::create(rewriter, loc, pick, scanned, result);
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  static Value buildScan(OpBuilder &rewriter, Location loc, Value x,
                         RankedTensorType type, int64_t axisDim, bool exclusive,
                         bool reverse) {
    int64_t rank = type.getRank();
    Type elementType = type.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    Value identity =
        createScalarConstant(rewriter, loc, elementType, isProduct ? 1 : 0);
    Value init =
        createFilled(rewriter, loc, type, getSizes(rewriter, loc, x), identity);
    // Iteration space: the result dims, then j (the position folded in).
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> inputExprs, outputExprs;
    for (int64_t d = 0; d < rank; ++d) {
      outputExprs.push_back(getAffineDimExpr(d, ctx));
      inputExprs.push_back(getAffineDimExpr(d == axisDim ? rank : d, ctx));
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, inputExprs, ctx),
        AffineMap::get(rank + 1, 0, outputExprs, ctx)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    arith::CmpIPredicate predicate =
        reverse ? (exclusive ? arith::CmpIPredicate::sgt
                             : arith::CmpIPredicate::sge)
                : (exclusive ? arith::CmpIPredicate::slt
                             : arith::CmpIPredicate::sle);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{x}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = linalg::IndexOp::create(b, l, axisDim);
          Value j = linalg::IndexOp::create(b, l, rank);
          Value inPrefix = arith::CmpIOp::create(b, l, predicate, j, i);
          Value element = arith::SelectOp::create(
              b, l, inPrefix, args[0],
              createScalarConstant(b, l, elementType, isProduct ? 1 : 0));
          Value folded;
          if (isProduct)
            folded = isFloat
                         ? (Value)arith::MulFOp::create(b, l, args[1], element)
                         : (Value)arith::MulIOp::create(b, l, args[1], element);
          else
            folded = isFloat
                         ? (Value)arith::AddFOp::create(b, l, args[1], element)
                         : (Value)arith::AddIOp::create(b, l, args[1], element);
          linalg::YieldOp::create(b, l, folded);
        });
    return generic.getResult(0);
  }
};
} // namespace

void populateOnnxScanToLinalgPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<CumulativeLowering<onnx::CumSumOp, false>,
               CumulativeLowering<onnx::CumProdOp, true>>(
      converter, patterns.getContext());
}

} // namespace kiln
