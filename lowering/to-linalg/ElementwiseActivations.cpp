//===- ElementwiseActivations.cpp - Table rows: unary math, activations ---===//
//
// Scalar bodies of the unary math ops (Exp, Sqrt, Sin, ...) and of the
// activations (Relu, Sigmoid, Gelu, ...). Formulas are the ONNX spec's, in
// numerically stable forms where the naive one overflows (Softplus, Mish).
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/ElementwiseTable.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// A unary math-dialect op on floats.
template <typename MathOp>
ElementwiseFn unaryFn() {
  return [](OpBuilder &b, Location loc, Operation *, ValueRange args,
            const ElementInfo &) -> Value {
    return MathOp::create(b, loc, args[0]);
  };
}

/// A small helper set to keep the formulas readable.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type type;
  Value c(double v) { return createScalarConstant(b, loc, type, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaximumFOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinimumFOp::create(b, loc, x, y); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value tanh(Value x) { return math::TanhOp::create(b, loc, x); }
  Value lt(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
  }
  Value gt(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  /// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
  Value softplus(Value x) {
    Value negAbs = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
    return add(max(x, c(0)), math::Log1pOp::create(b, loc, exp(negAbs)));
  }
  Value sigmoid(Value x) {
    return div(c(1), add(c(1), exp(arith::NegFOp::create(b, loc, x))));
  }
};

/// Wraps a formula over one float operand.
ElementwiseFn floatFn(std::function<Value(Scalar &, Operation *, Value)> f) {
  return [f](OpBuilder &b, Location loc, Operation *op, ValueRange args,
             const ElementInfo &info) {
    Scalar s{b, loc, info.operandType};
    return f(s, op, args[0]);
  };
}

template <typename OpTy>
double alphaOf(Operation *op) {
  return cast<OpTy>(op).getAlpha().convertToDouble();
}

Value buildAbs(OpBuilder &b, Location loc, Operation *, ValueRange args,
               const ElementInfo &info) {
  if (info.isFloat())
    return math::AbsFOp::create(b, loc, args[0]);
  if (info.isUnsigned)
    return args[0];
  return math::AbsIOp::create(b, loc, args[0]);
}

Value buildNeg(OpBuilder &b, Location loc, Operation *, ValueRange args,
               const ElementInfo &info) {
  if (info.isFloat())
    return arith::NegFOp::create(b, loc, args[0]);
  return arith::SubIOp::create(
      b, loc, createScalarConstant(b, loc, info.operandType, 0), args[0]);
}

Value buildSign(OpBuilder &b, Location loc, Operation *, ValueRange args,
                const ElementInfo &info) {
  Type type = info.operandType;
  Value zero = createScalarConstant(b, loc, type, 0);
  Value one = createScalarConstant(b, loc, type, 1);
  Value minusOne = createScalarConstant(b, loc, type, -1);
  Value pos, neg;
  if (info.isFloat()) {
    pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, args[0], zero);
    neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, args[0], zero);
  } else {
    pos = arith::CmpIOp::create(b, loc,
                                info.isUnsigned ? arith::CmpIPredicate::ugt
                                                : arith::CmpIPredicate::sgt,
                                args[0], zero);
    neg = arith::CmpIOp::create(b, loc,
                                info.isUnsigned ? arith::CmpIPredicate::ult
                                                : arith::CmpIPredicate::slt,
                                args[0], zero);
  }
  Value result = arith::SelectOp::create(b, loc, neg, minusOne, zero);
  return arith::SelectOp::create(b, loc, pos, one, result);
}

Value buildRelu(OpBuilder &b, Location loc, Operation *, ValueRange args,
                const ElementInfo &info) {
  Value zero = createScalarConstant(b, loc, info.operandType, 0);
  if (info.isFloat())
    return arith::MaximumFOp::create(b, loc, args[0], zero);
  return arith::MaxSIOp::create(b, loc, args[0], zero);
}

/// Clip with optional min/max scalars (omitted ones are null).
Value buildClip(OpBuilder &b, Location loc, Operation *, ValueRange args,
                const ElementInfo &info) {
  Value x = args[0];
  if (args[1])
    x = info.isFloat() ? (Value)arith::MaximumFOp::create(b, loc, x, args[1])
        : info.isUnsigned ? (Value)arith::MaxUIOp::create(b, loc, x, args[1])
                          : (Value)arith::MaxSIOp::create(b, loc, x, args[1]);
  if (args[2])
    x = info.isFloat() ? (Value)arith::MinimumFOp::create(b, loc, x, args[2])
        : info.isUnsigned ? (Value)arith::MinUIOp::create(b, loc, x, args[2])
                          : (Value)arith::MinSIOp::create(b, loc, x, args[2]);
  return x;
}

Value buildPRelu(OpBuilder &b, Location loc, Operation *, ValueRange args,
                 const ElementInfo &info) {
  Scalar s{b, loc, info.operandType};
  if (!info.isFloat()) {
    Value zero = s.c(0);
    Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                      args[0], zero);
    return s.select(neg, arith::MulIOp::create(b, loc, args[0], args[1]),
                    args[0]);
  }
  return s.select(s.lt(args[0], s.c(0)), s.mul(args[0], args[1]), args[0]);
}

Value buildReciprocal(Scalar &s, Operation *, Value x) {
  return s.div(s.c(1), x);
}
Value buildSigmoid(Scalar &s, Operation *, Value x) { return s.sigmoid(x); }
Value buildSoftplus(Scalar &s, Operation *, Value x) { return s.softplus(x); }
Value buildSoftsign(Scalar &s, Operation *, Value x) {
  return s.div(x, s.add(s.c(1), math::AbsFOp::create(s.b, s.loc, x)));
}
Value buildMish(Scalar &s, Operation *, Value x) {
  return s.mul(x, s.tanh(s.softplus(x)));
}
Value buildLeakyRelu(Scalar &s, Operation *op, Value x) {
  Value alpha = s.c(alphaOf<onnx::LeakyReluOp>(op));
  return s.select(s.lt(x, s.c(0)), s.mul(alpha, x), x);
}
Value buildThresholdedRelu(Scalar &s, Operation *op, Value x) {
  return s.select(s.gt(x, s.c(alphaOf<onnx::ThresholdedReluOp>(op))), x,
                  s.c(0));
}
Value buildElu(Scalar &s, Operation *op, Value x) {
  Value alpha = s.c(alphaOf<onnx::EluOp>(op));
  Value neg = s.mul(alpha, s.sub(s.exp(x), s.c(1)));
  return s.select(s.lt(x, s.c(0)), neg, x);
}
Value buildSelu(Scalar &s, Operation *op, Value x) {
  auto selu = cast<onnx::SeluOp>(op);
  Value alpha = s.c(selu.getAlpha().convertToDouble());
  Value gamma = s.c(selu.getGamma().convertToDouble());
  Value neg = s.sub(s.mul(alpha, s.exp(x)), alpha);
  return s.mul(gamma, s.select(s.gt(x, s.c(0)), x, neg));
}
Value buildCelu(Scalar &s, Operation *op, Value x) {
  Value alpha = s.c(alphaOf<onnx::CeluOp>(op));
  Value neg = s.mul(alpha, s.sub(s.exp(s.div(x, alpha)), s.c(1)));
  return s.add(s.max(x, s.c(0)), s.min(s.c(0), neg));
}
Value buildHardSigmoid(Scalar &s, Operation *op, Value x) {
  auto hs = cast<onnx::HardSigmoidOp>(op);
  Value y = s.add(s.mul(s.c(hs.getAlpha().convertToDouble()), x),
                  s.c(hs.getBeta().convertToDouble()));
  return s.max(s.c(0), s.min(s.c(1), y));
}
Value buildHardSwish(Scalar &s, Operation *, Value x) {
  Value y = s.add(s.mul(s.c(1.0 / 6.0), x), s.c(0.5));
  return s.mul(x, s.max(s.c(0), s.min(s.c(1), y)));
}
Value buildSwish(Scalar &s, Operation *op, Value x) {
  return s.mul(x, s.sigmoid(s.mul(s.c(alphaOf<onnx::SwishOp>(op)), x)));
}
Value buildGelu(Scalar &s, Operation *op, Value x) {
  Value half = s.mul(s.c(0.5), x);
  if (cast<onnx::GeluOp>(op).getApproximate() == "tanh") {
    Value cube = s.mul(x, s.mul(x, x));
    Value inner = s.mul(s.c(std::sqrt(2.0 / M_PI)),
                        s.add(x, s.mul(s.c(0.044715), cube)));
    return s.mul(half, s.add(s.c(1), s.tanh(inner)));
  }
  Value erf = math::ErfOp::create(s.b, s.loc, s.mul(x, s.c(M_SQRT1_2)));
  return s.mul(half, s.add(s.c(1), erf));
}
Value buildShrink(Scalar &s, Operation *op, Value x) {
  auto shrink = cast<onnx::ShrinkOp>(op);
  Value lambd = s.c(shrink.getLambd().convertToDouble());
  Value bias = s.c(shrink.getBias().convertToDouble());
  Value negLambd = s.c(-shrink.getLambd().convertToDouble());
  Value result = s.select(s.gt(x, lambd), s.sub(x, bias), s.c(0));
  return s.select(s.lt(x, negLambd), s.add(x, bias), result);
}

} // namespace

ArrayRef<ElementwiseEntry> getElementwiseActivationEntries() {
  static const ElementwiseEntry entries[] = {
      {"onnx.Abs", buildAbs},
      {"onnx.Neg", buildNeg},
      {"onnx.Sign", buildSign},
      {"onnx.Relu", buildRelu},
      {"onnx.Clip", buildClip},
      {"onnx.PRelu", buildPRelu},
      {"onnx.Exp", unaryFn<math::ExpOp>()},
      {"onnx.Log", unaryFn<math::LogOp>()},
      {"onnx.Sqrt", unaryFn<math::SqrtOp>()},
      {"onnx.Erf", unaryFn<math::ErfOp>()},
      {"onnx.Tanh", unaryFn<math::TanhOp>()},
      {"onnx.Floor", unaryFn<math::FloorOp>()},
      {"onnx.Ceil", unaryFn<math::CeilOp>()},
      {"onnx.Round", unaryFn<math::RoundEvenOp>()},
      {"onnx.Sin", unaryFn<math::SinOp>()},
      {"onnx.Cos", unaryFn<math::CosOp>()},
      {"onnx.Tan", unaryFn<math::TanOp>()},
      {"onnx.Asin", unaryFn<math::AsinOp>()},
      {"onnx.Acos", unaryFn<math::AcosOp>()},
      {"onnx.Atan", unaryFn<math::AtanOp>()},
      {"onnx.Sinh", unaryFn<math::SinhOp>()},
      {"onnx.Cosh", unaryFn<math::CoshOp>()},
      {"onnx.Asinh", unaryFn<math::AsinhOp>()},
      {"onnx.Acosh", unaryFn<math::AcoshOp>()},
      {"onnx.Atanh", unaryFn<math::AtanhOp>()},
      {"onnx.Reciprocal", floatFn(buildReciprocal), /*floatOnly=*/true},
      {"onnx.Sigmoid", floatFn(buildSigmoid), /*floatOnly=*/true},
      {"onnx.Softplus", floatFn(buildSoftplus), /*floatOnly=*/true},
      {"onnx.Softsign", floatFn(buildSoftsign), /*floatOnly=*/true},
      {"onnx.Mish", floatFn(buildMish), /*floatOnly=*/true},
      {"onnx.LeakyRelu", floatFn(buildLeakyRelu), /*floatOnly=*/true},
      {"onnx.ThresholdedRelu", floatFn(buildThresholdedRelu), /*floatOnly=*/true},
      {"onnx.Elu", floatFn(buildElu), /*floatOnly=*/true},
      {"onnx.Selu", floatFn(buildSelu), /*floatOnly=*/true},
      {"onnx.Celu", floatFn(buildCelu), /*floatOnly=*/true},
      {"onnx.HardSigmoid", floatFn(buildHardSigmoid), /*floatOnly=*/true},
      {"onnx.HardSwish", floatFn(buildHardSwish), /*floatOnly=*/true},
      {"onnx.Swish", floatFn(buildSwish), /*floatOnly=*/true},
      {"onnx.Gelu", floatFn(buildGelu), /*floatOnly=*/true},
      {"onnx.Shrink", floatFn(buildShrink), /*floatOnly=*/true},
  };
  return entries;
}

} // namespace kiln
