//===- Float64MathPatterns.cpp - f64 exp/log/sin/cos without libdevice ----===//
//
// See Patterns.h. NVPTX has no f64 transcendental instructions and
// convert-gpu-to-nvvm would call libdevice's __nv_exp etc. These patterns
// expand the f64 ops into arith with the classic range reductions:
//   exp(x) = 2^k exp(r), r = x - k ln2 (ln2 in two parts), |r| <= ln2 / 2,
//     exp(r) by its Taylor series to r^13, 2^k built in the exponent bits
//     (in two halves, so k up to 1024 and down to the subnormals work);
//   log(x) = e ln2 + 2 atanh(s), x = m 2^e with m in [sqrt(1/2), sqrt(2)),
//     s = (m - 1) / (m + 1), the atanh series to s^23;
//   sin/cos(x): x = k pi/2 + r (pi/2 in three parts), |r| <= pi/4, the
//     sin and cos series of r to r^19 / r^18, chosen and signed by k mod 4.
// Errors are a few ulp for |x| up to about 1e9 (sin/cos lose accuracy
// beyond, as any Cody-Waite reduction does); special values (NaN, +-inf,
// 0, negative log arguments, overflow/underflow) follow C's libm.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace {

/// Builds f64/i64 arithmetic at one location.
class F64Builder {
public:
  F64Builder(PatternRewriter &rewriter, Location loc)
      : b(rewriter), loc(loc) {}

  Value c(double v) {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
  }
  Value ci(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value icmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value bits(Value x) {
    return arith::BitcastOp::create(b, loc, b.getI64Type(), x);
  }
  Value fromBits(Value i) {
    return arith::BitcastOp::create(b, loc, b.getF64Type(), i);
  }
  Value iadd(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value isub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value iand(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value ior(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, int64_t n) {
    return arith::ShLIOp::create(b, loc, x, ci(n));
  }
  Value shr(Value x, int64_t n) {
    return arith::ShRSIOp::create(b, loc, x, ci(n));
  }
  Value toInt(Value x) {
    return arith::FPToSIOp::create(b, loc, b.getI64Type(), x);
  }
  Value toFloat(Value i) {
    return arith::SIToFPOp::create(b, loc, b.getF64Type(), i);
  }
  Value round(Value x) { return math::RoundEvenOp::create(b, loc, x); }
  /// sum_i coeffs[i] x^i (Horner).
  Value poly(Value x, ArrayRef<double> coeffs) {
    Value acc = c(coeffs.back());
    for (double k : llvm::reverse(coeffs.drop_back()))
      acc = fma(acc, x, c(k));
    return acc;
  }
  /// 2^k for integer k in [-1022, 1023] (as a double built from bits).
  Value pow2(Value k) { return fromBits(shl(iadd(k, ci(1023)), 52)); }

  PatternRewriter &b;
  Location loc;
};

/// 1 / n! for n = 0 .. count - 1.
SmallVector<double> inverseFactorials(int count) {
  SmallVector<double> out;
  double f = 1;
  for (int n = 0; n < count; ++n) {
    if (n > 0)
      f *= n;
    out.push_back(1.0 / f);
  }
  return out;
}

Value expandExp(F64Builder &f, Value x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  Value k = f.round(f.mul(x, f.c(1.0 / std::log(2.0))));
  Value r = f.fma(k, f.c(-kLn2Hi), x);
  r = f.fma(k, f.c(-kLn2Lo), r);
  Value er = f.poly(r, inverseFactorials(14));
  // 2^k in two halves (k up to +-1100 fits after the clamps below).
  Value ki = f.toInt(f.select(f.cmp(arith::CmpFPredicate::OGT, k, f.c(2000)),
                              f.c(2000),
                              f.select(f.cmp(arith::CmpFPredicate::OLT, k,
                                             f.c(-2000)),
                                       f.c(-2000), k)));
  Value half = f.shr(ki, 1);
  Value rest = f.isub(ki, half);
  Value result = f.mul(f.mul(er, f.pow2(half)), f.pow2(rest));
  Value inf = f.c(std::numeric_limits<double>::infinity());
  result = f.select(f.cmp(arith::CmpFPredicate::OGT, x, f.c(709.782712893384)),
                    inf, result);
  result = f.select(f.cmp(arith::CmpFPredicate::OLT, x, f.c(-745.2)), f.c(0),
                    result);
  // NaN stays NaN.
  return f.select(f.cmp(arith::CmpFPredicate::UNO, x, x), x, result);
}

Value expandLog(F64Builder &f, Value x) {
  // Subnormals: scale into the normal range first.
  Value tiny = f.cmp(arith::CmpFPredicate::OLT, x, f.c(0x1p-1022));
  Value xs = f.select(tiny, f.mul(x, f.c(0x1p54)), x);
  Value bits = f.bits(xs);
  Value e = f.isub(f.iand(f.shr(bits, 52), f.ci(0x7ff)), f.ci(1023));
  e = f.select(tiny, f.isub(e, f.ci(54)), e);
  // m in [1, 2), then into [sqrt(1/2), sqrt(2)).
  Value m = f.fromBits(
      f.ior(f.iand(bits, f.ci(0x000fffffffffffffLL)), f.ci(0x3ff0000000000000LL)));
  Value big = f.cmp(arith::CmpFPredicate::OGT, m, f.c(std::sqrt(2.0)));
  m = f.select(big, f.mul(m, f.c(0.5)), m);
  e = f.select(big, f.iadd(e, f.ci(1)), e);
  Value s = f.div(f.sub(m, f.c(1)), f.add(m, f.c(1)));
  Value s2 = f.mul(s, s);
  SmallVector<double> coeffs;
  for (int n = 0; n <= 11; ++n)
    coeffs.push_back(2.0 / (2 * n + 1));
  Value logm = f.mul(s, f.poly(s2, coeffs));
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  Value ef = f.toFloat(e);
  Value result = f.add(f.fma(ef, f.c(kLn2Hi), logm), f.mul(ef, f.c(kLn2Lo)));
  Value inf = f.c(std::numeric_limits<double>::infinity());
  Value nan = f.c(std::numeric_limits<double>::quiet_NaN());
  result = f.select(f.cmp(arith::CmpFPredicate::OEQ, x, inf), inf, result);
  result = f.select(f.cmp(arith::CmpFPredicate::OEQ, x, f.c(0)), f.sub(f.c(0), inf),
                    result);
  result = f.select(f.cmp(arith::CmpFPredicate::OLT, x, f.c(0)), nan, result);
  return f.select(f.cmp(arith::CmpFPredicate::UNO, x, x), x, result);
}

/// sin (cosine = false) or cos of x.
Value expandSinCos(F64Builder &f, Value x, bool cosine) {
  // pi/2 in three parts (fdlibm's pio2_1, pio2_2, pio2_3).
  constexpr double kPio2_1 = 1.57079632673412561417e+00;
  constexpr double kPio2_2 = 6.07710050630396597660e-11;
  constexpr double kPio2_3 = 2.02226624871116645580e-21;
  Value k = f.round(f.mul(x, f.c(2.0 / M_PI)));
  Value r = f.fma(k, f.c(-kPio2_1), x);
  r = f.fma(k, f.c(-kPio2_2), r);
  r = f.fma(k, f.c(-kPio2_3), r);
  Value r2 = f.mul(r, r);
  // sin r = r (1 - r^2/3! + ...), cos r = 1 - r^2/2! + ...
  SmallVector<double> inv = inverseFactorials(20);
  SmallVector<double> sc, cc;
  for (int n = 0; n < 10; ++n) {
    double sign = n % 2 ? -1.0 : 1.0;
    sc.push_back(sign * inv[2 * n + 1]);
    cc.push_back(sign * inv[2 * n]);
  }
  Value sinr = f.mul(r, f.poly(r2, sc));
  Value cosr = f.poly(r2, cc);
  // Quadrant q = k mod 4 (k may be negative: the low two bits of k in
  // two's complement are k mod 4).
  Value q = f.iand(f.toInt(k), f.ci(3));
  if (cosine)
    q = f.iand(f.iadd(q, f.ci(1)), f.ci(3));
  // sin(x) by quadrant: sin r, cos r, -sin r, -cos r.
  Value odd = f.icmp(arith::CmpIPredicate::ne, f.iand(q, f.ci(1)), f.ci(0));
  Value negate = f.icmp(arith::CmpIPredicate::ne, f.iand(q, f.ci(2)), f.ci(0));
  Value v = f.select(odd, cosr, sinr);
  v = f.select(negate, f.sub(f.c(0), v), v);
  // inf and NaN give NaN.
  Value finite = f.cmp(arith::CmpFPredicate::OLT, math::AbsFOp::create(f.b, f.loc, x),
                       f.c(std::numeric_limits<double>::infinity()));
  return f.select(finite, v, f.c(std::numeric_limits<double>::quiet_NaN()));
}

template <typename OpTy>
struct ExpandF64 : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF64())
      return rewriter.notifyMatchFailure(op, "not a scalar f64");
    F64Builder f(rewriter, op.getLoc());
    Value x = op.getOperand();
    Value result;
    if constexpr (std::is_same_v<OpTy, math::ExpOp>)
      result = expandExp(f, x);
    else if constexpr (std::is_same_v<OpTy, math::LogOp>)
      result = expandLog(f, x);
    else if constexpr (std::is_same_v<OpTy, math::SinOp>)
      result = expandSinCos(f, x, /*cosine=*/false);
    else
      result = expandSinCos(f, x, /*cosine=*/true);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void kiln::cuda::populateExpandFloat64MathPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ExpandF64<math::ExpOp>, ExpandF64<math::LogOp>,
               ExpandF64<math::SinOp>, ExpandF64<math::CosOp>>(
      patterns.getContext());
}
