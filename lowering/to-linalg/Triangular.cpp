//===- Triangular.cpp - onnx Trilu/EyeLike -> linalg ----------------------===//
//
// Ops that select by the diagonal of the last two dims: Trilu keeps the
// elements on one side of diagonal k (j - i >= k for the upper part,
// j - i <= k for the lower one) and zeroes the rest; EyeLike writes ones on
// diagonal k (j - i == k) and zeroes elsewhere. Both are one parallel
// linalg.generic whose body compares linalg.index values.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

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

} // namespace

void populateOnnxTriangularToLinalgPatterns(TypeConverter &converter,
                                            RewritePatternSet &patterns) {
  patterns.add<TriluLowering, EyeLikeLowering>(converter,
                                               patterns.getContext());
}

} // namespace kiln
