//===- IntegerPowerPatterns.cpp - math.ipowi without a helper call --------===//
//
// See Patterns.h.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {

struct ExpandIPowI : public OpRewritePattern<math::IPowIOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::IPowIOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<IntegerType>(op.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "not a scalar integer power");
    Location loc = op.getLoc();
    auto cst = [&](int64_t v) {
      return arith::ConstantOp::create(rewriter, loc,
                                       rewriter.getIntegerAttr(type, v))
          .getResult();
    };
    Value base = op.getLhs(), exponent = op.getRhs();
    Value zero = cst(0), one = cst(1), minusOne = cst(-1);
    // Square and multiply over the exponent's bits (|e| for e >= 0).
    auto loop = scf::WhileOp::create(
        rewriter, loc, TypeRange{type, type, type},
        ValueRange{one, base, exponent},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value more = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt,
                                             args[2], zero);
          scf::ConditionOp::create(b, l, more, args);
        },
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value odd = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::ne,
              arith::AndIOp::create(b, l, args[2], one), zero);
          Value product = arith::MulIOp::create(b, l, args[0], args[1]);
          Value result = arith::SelectOp::create(b, l, odd, product, args[0]);
          Value square = arith::MulIOp::create(b, l, args[1], args[1]);
          Value rest = arith::ShRUIOp::create(b, l, args[2], one);
          scf::YieldOp::create(b, l, ValueRange{result, square, rest});
        });
    // Negative exponents: 1 / b^|e| in integers.
    Value negative = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::slt, exponent, zero);
    Value baseIsOne = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, base, one);
    Value baseIsMinusOne = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, base, minusOne);
    Value oddExponent = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ne,
        arith::AndIOp::create(rewriter, loc, exponent, one), zero);
    Value signOfMinusOne =
        arith::SelectOp::create(rewriter, loc, oddExponent, minusOne, one);
    Value inverse = arith::SelectOp::create(
        rewriter, loc, baseIsOne, one,
        arith::SelectOp::create(rewriter, loc, baseIsMinusOne, signOfMinusOne,
                                zero));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, negative, inverse,
                                                 loop.getResult(0));
    return success();
  }
};

} // namespace

void kiln::cuda::populateExpandIntegerPowerPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ExpandIPowI>(patterns.getContext());
}
