//===- Triangular.cpp - onnx Trilu/EyeLike/Det -> linalg ------------------===//
//
// Ops that select by the diagonal of the last two dims: Trilu keeps the
// elements on one side of diagonal k (j - i >= k for the upper part,
// j - i <= k for the lower one) and zeroes the rest; EyeLike writes ones on
// diagonal k (j - i == k) and zeroes elsewhere. Both are one parallel
// linalg.generic whose body compares linalg.index values.
//
// Det brings each matrix of the batch to upper-triangular form: Gaussian
// elimination with partial pivoting on a working copy carried through
// scf.for loops (tensor.insert bufferizes in place); the determinant is the
// product of the pivots, its sign flipped by every row swap. A zero pivot
// column leaves the product 0.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {
namespace {

/// `j - i` at the current point of a generic over a rank >= 2 iteration
/// space (i, j the last two dims), as i64.
Value buildDiagonalOffset(OpBuilder &b, Location loc, int64_t rank) {
  Value i = linalg::IndexOp::create(b, loc, rank - 2);
  Value j = linalg::IndexOp::create(b, loc, rank - 1);
  Value offset = arith::SubIOp::create(b, loc, j, i);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), offset);
}

/// A parallel generic over `resultType` (sizes `sizes`) reading `input`
/// (may be null) elementwise and yielding `body(b, loc, {input element})`.
Value buildIndexedGeneric(OpBuilder &b, Location loc, Value input,
                          RankedTensorType resultType,
                          ArrayRef<OpFoldResult> sizes, ScalarBodyFn body) {
  int64_t rank = resultType.getRank();
  Value empty = createEmpty(b, loc, resultType, sizes);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (input) {
    inputs.push_back(input);
    maps.push_back(identity);
  }
  maps.push_back(identity);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, inputs, ValueRange{empty}, maps,
      parallelIterators(rank), [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
      });
  return generic.getResult(0);
}

struct TriluLowering : OpConversionPattern<onnx::TriluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 2 ||
        !type.getElementType().isIntOrIndexOrFloat())
      return rewriter.notifyMatchFailure(
          op, "expects a ranked tensor of rank >= 2 with numeric elements");
    Value k;
    if (!isa<NoneType>(adaptor.getK().getType())) {
      auto kType = dyn_cast<RankedTensorType>(adaptor.getK().getType());
      if (!kType || kType.getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "expects a single-element k");
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      SmallVector<Value> indices(kType.getRank(), zero);
      k = tensor::ExtractOp::create(rewriter, loc, adaptor.getK(), indices);
    } else {
      k = arith::ConstantOp::create(rewriter, loc,
                                    rewriter.getI64IntegerAttr(0));
    }
    bool upper = op.getUpper() != 0;
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    Value result = buildIndexedGeneric(
        rewriter, loc, x, type, getSizes(rewriter, loc, x),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value offset = buildDiagonalOffset(b, l, rank);
          Value keep = arith::CmpIOp::create(b, l,
                                             upper ? arith::CmpIPredicate::sge
                                                   : arith::CmpIPredicate::sle,
                                             offset, k);
          return arith::SelectOp::create(
              b, l, keep, args[0], createScalarConstant(b, l, elementType, 0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct EyeLikeLowering : OpConversionPattern<onnx::EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::EyeLikeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || resultType.getRank() != 2 ||
        !resultType.getElementType().isIntOrIndexOrFloat())
      return rewriter.notifyMatchFailure(op, "expects a rank-2 numeric result");
    Type elementType = resultType.getElementType();
    int64_t k = op.getK();
    Value result = buildIndexedGeneric(
        rewriter, loc, /*input=*/nullptr, resultType,
        getSizes(rewriter, loc, x),
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          Value offset = buildDiagonalOffset(b, l, 2);
          Value onDiagonal = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::eq, offset,
              arith::ConstantOp::create(b, l, b.getI64IntegerAttr(k)));
          return arith::SelectOp::create(
              b, l, onDiagonal, createScalarConstant(b, l, elementType, 1),
              createScalarConstant(b, l, elementType, 0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DetLowering : OpConversionPattern<onnx::DetOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DetOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !type || xType.getRank() < 2 ||
        type.getRank() != xType.getRank() - 2 ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects [*, M, M] floats");
    int64_t rank = xType.getRank();
    int64_t m = xType.getDimSize(rank - 1);
    if (ShapedType::isDynamic(m) || xType.getDimSize(rank - 2) != m)
      return rewriter.notifyMatchFailure(op, "needs static square matrices");
    Type elementType = xType.getElementType();
    // [*, M, M] -> [B, M, M].
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    Value batch = getProduct(rewriter, loc, ArrayRef(sizes).drop_back(2));
    SmallVector<ReassociationIndices> groups;
    Value mats = x;
    if (rank == 2) {
      mats = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({1, m, m}, elementType), x,
          SmallVector<ReassociationIndices>{{0, 1}, {2}});
    } else if (rank > 3) {
      ReassociationIndices lead;
      for (int64_t i = 0; i < rank - 2; ++i)
        lead.push_back(i);
      groups = {lead, {rank - 2}, {rank - 1}};
      mats = tensor::CollapseShapeOp::create(rewriter, loc, x, groups);
    }
    auto detsType = RankedTensorType::get(
        {cast<RankedTensorType>(mats.getType()).getDimSize(0)}, elementType);
    Value dets = createEmpty(rewriter, loc, detsType, {batch});

    auto cIdx = [&](OpBuilder &b, Location l, int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, l, v);
    };
    auto cVal = [&](OpBuilder &b, Location l, double v) -> Value {
      return createScalarConstant(b, l, elementType, v);
    };
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    Value size = cIdx(rewriter, loc, m);
    auto batchLoop = scf::ForOp::create(
        rewriter, loc, zero, batch, one, ValueRange{mats, dets},
        [&](OpBuilder &b, Location l, Value bi, ValueRange outer) {
          auto at = [&](OpBuilder &nb, Value a, Value r, Value c) -> Value {
            return tensor::ExtractOp::create(nb, l, a, ValueRange{bi, r, c});
          };
          auto colLoop = scf::ForOp::create(
              b, l, zero, size, one, ValueRange{outer[0], cVal(b, l, 1)},
              [&](OpBuilder &cb, Location cl, Value j, ValueRange state) {
                Value a = state[0], det = state[1];
                // The row at or below j with the largest |A[i, j]|.
                auto search = scf::ForOp::create(
                    cb, cl, j, size, one, ValueRange{j, cVal(cb, cl, -1)},
                    [&](OpBuilder &sb, Location sl, Value i, ValueRange best) {
                      Value mag = math::AbsFOp::create(sb, sl, at(sb, a, i, j));
                      Value better = arith::CmpFOp::create(
                          sb, sl, arith::CmpFPredicate::OGT, mag, best[1]);
                      scf::YieldOp::create(
                          sb, sl,
                          ValueRange{arith::SelectOp::create(sb, sl, better, i,
                                                             best[0]),
                                     arith::SelectOp::create(sb, sl, better,
                                                             mag, best[1])});
                    });
                Value p = search.getResult(0);
                // Swap rows j and p (a no-op when equal), flipping the sign.
                auto swap = scf::ForOp::create(
                    cb, cl, zero, size, one, ValueRange{a},
                    [&](OpBuilder &wb, Location wl, Value c, ValueRange s) {
                      Value rowJ = at(wb, s[0], j, c),
                            rowP = at(wb, s[0], p, c);
                      Value t = tensor::InsertOp::create(wb, wl, rowP, s[0],
                                                         ValueRange{bi, j, c});
                      t = tensor::InsertOp::create(wb, wl, rowJ, t,
                                                   ValueRange{bi, p, c});
                      scf::YieldOp::create(wb, wl, t);
                    });
                a = swap.getResult(0);
                Value swapped = arith::CmpIOp::create(
                    cb, cl, arith::CmpIPredicate::ne, p, j);
                det = arith::SelectOp::create(
                    cb, cl, swapped, arith::NegFOp::create(cb, cl, det), det);
                Value pivot = at(cb, a, j, j);
                det = arith::MulFOp::create(cb, cl, det, pivot);
                Value pivotZero = arith::CmpFOp::create(
                    cb, cl, arith::CmpFPredicate::OEQ, pivot, cVal(cb, cl, 0));
                // Eliminate below the pivot.
                Value next = arith::AddIOp::create(cb, cl, j, one);
                auto rows = scf::ForOp::create(
                    cb, cl, next, size, one, ValueRange{a},
                    [&](OpBuilder &rb, Location rl, Value i, ValueRange s) {
                      Value f = arith::DivFOp::create(
                          rb, rl, at(rb, s[0], i, j), pivot);
                      f = arith::SelectOp::create(rb, rl, pivotZero,
                                                  cVal(rb, rl, 0), f);
                      auto cols = scf::ForOp::create(
                          rb, rl, next, size, one, ValueRange{s[0]},
                          [&](OpBuilder &eb, Location el, Value c,
                              ValueRange e) {
                            Value v = arith::SubFOp::create(
                                eb, el, at(eb, e[0], i, c),
                                arith::MulFOp::create(eb, el, f,
                                                      at(eb, e[0], j, c)));
                            scf::YieldOp::create(
                                eb, el,
                                ValueRange{tensor::InsertOp::create(
                                    eb, el, v, e[0], ValueRange{bi, i, c})});
                          });
                      scf::YieldOp::create(rb, rl, cols.getResults());
                    });
                scf::YieldOp::create(cb, cl,
                                     ValueRange{rows.getResult(0), det});
              });
          Value out = tensor::InsertOp::create(b, l, colLoop.getResult(1),
                                               outer[1], ValueRange{bi});
          scf::YieldOp::create(b, l, ValueRange{colLoop.getResult(0), out});
        });
    Value result = batchLoop.getResult(1);
    if (rank == 2) {
      result = tensor::CollapseShapeOp::create(
          rewriter, loc, result, SmallVector<ReassociationIndices>{});
    } else if (rank > 3) {
      ReassociationIndices lead;
      for (int64_t i = 0; i < rank - 2; ++i)
        lead.push_back(i);
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, type, result, SmallVector<ReassociationIndices>{lead},
          ArrayRef(sizes).drop_back(2));
    }
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxTriangularToLinalgPatterns(TypeConverter &converter,
                                            RewritePatternSet &patterns) {
  patterns.add<TriluLowering, EyeLikeLowering, DetLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
