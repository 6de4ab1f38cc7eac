//===- ElementwiseMath.cpp - Table rows: arithmetic, logic, Where, Cast ---===//
//
// Scalar bodies of the binary/variadic arithmetic ops, comparisons, logic and
// bitwise ops, Where, Cast and CastLike. Integer semantics follow ONNX (and
// ONNX Runtime): Div truncates, Mod without fmod takes the divisor's sign,
// Cast from float to integer truncates toward zero and saturates.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/ElementwiseTable.h"
#include "lowering/to-linalg/NarrowFloat.h"

using namespace mlir;

namespace kiln {
namespace {

/// A binary op picking the float, signed or unsigned arith op.
template <typename FOp, typename SOp, typename UOp>
Value binary(OpBuilder &b, Location loc, Value lhs, Value rhs,
             const ElementInfo &info) {
  if (info.isFloat())
    return FOp::create(b, loc, lhs, rhs);
  if (info.isUnsigned)
    return UOp::create(b, loc, lhs, rhs);
  return SOp::create(b, loc, lhs, rhs);
}

template <typename FOp, typename SOp, typename UOp>
ElementwiseFn binaryFn() {
  return [](OpBuilder &b, Location loc, Operation *, ValueRange args,
            const ElementInfo &info) {
    return binary<FOp, SOp, UOp>(b, loc, args[0], args[1], info);
  };
}

/// Folds a variadic op (Max, Min, Sum) left to right.
template <typename FOp, typename SOp, typename UOp>
ElementwiseFn variadicFn() {
  return [](OpBuilder &b, Location loc, Operation *, ValueRange args,
            const ElementInfo &info) {
    Value acc = args[0];
    for (Value arg : args.drop_front())
      acc = binary<FOp, SOp, UOp>(b, loc, acc, arg, info);
    return acc;
  };
}

ElementwiseFn compareFn(arith::CmpFPredicate f, arith::CmpIPredicate s,
                        arith::CmpIPredicate u) {
  return [=](OpBuilder &b, Location loc, Operation *, ValueRange args,
             const ElementInfo &info) -> Value {
    if (info.isFloat())
      return arith::CmpFOp::create(b, loc, f, args[0], args[1]);
    return arith::CmpIOp::create(b, loc, info.isUnsigned ? u : s, args[0],
                                 args[1]);
  };
}

template <typename IOp>
ElementwiseFn bitwiseFn() {
  return [](OpBuilder &b, Location loc, Operation *, ValueRange args,
            const ElementInfo &) -> Value {
    return IOp::create(b, loc, args[0], args[1]);
  };
}

Value buildNot(OpBuilder &b, Location loc, Operation *, ValueRange args,
               const ElementInfo &info) {
  Value ones = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(info.operandType, -1));
  return arith::XOrIOp::create(b, loc, args[0], ones);
}

Value buildPow(OpBuilder &b, Location loc, Operation *, ValueRange args,
               const ElementInfo &info) {
  Type baseType = args[0].getType();
  bool expUnsigned = false;
  if (info.isFloat()) {
    Value exponent = convertScalar(b, loc, args[1], baseType, expUnsigned,
                                   /*dstUnsigned=*/false);
    return math::PowFOp::create(b, loc, args[0], exponent);
  }
  if (isa<IntegerType>(args[1].getType())) {
    Value exponent = convertScalar(b, loc, args[1], baseType, false, false);
    return math::IPowIOp::create(b, loc, args[0], exponent);
  }
  // Integer base, float exponent: compute in the exponent's float type.
  Type floatType = args[1].getType();
  Value base = convertScalar(b, loc, args[0], floatType, info.isUnsigned, false);
  Value result = math::PowFOp::create(b, loc, base, args[1]);
  return convertScalar(b, loc, result, baseType, false, info.isUnsigned);
}

Value buildMod(OpBuilder &b, Location loc, Operation *op, ValueRange args,
               const ElementInfo &info) {
  bool fmod = cast<onnx::ModOp>(op).getFmod() != 0;
  if (info.isFloat() || fmod) {
    if (info.isFloat())
      return arith::RemFOp::create(b, loc, args[0], args[1]);
    return binary<arith::RemFOp, arith::RemSIOp, arith::RemUIOp>(
        b, loc, args[0], args[1], info);
  }
  if (info.isUnsigned)
    return arith::RemUIOp::create(b, loc, args[0], args[1]);
  // Python-style modulo: the result takes the divisor's sign.
  Value rem = arith::RemSIOp::create(b, loc, args[0], args[1]);
  Value zero = createScalarConstant(b, loc, info.operandType, 0);
  Value remNonZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, zero);
  Value remNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, rem, zero);
  Value divNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, args[1], zero);
  Value signsDiffer = arith::XOrIOp::create(b, loc, remNeg, divNeg);
  Value adjust = arith::AndIOp::create(b, loc, remNonZero, signsDiffer);
  Value adjusted = arith::AddIOp::create(b, loc, rem, args[1]);
  return arith::SelectOp::create(b, loc, adjust, adjusted, rem);
}

Value buildMean(OpBuilder &b, Location loc, Operation *, ValueRange args,
                const ElementInfo &info) {
  Value acc = args[0];
  for (Value arg : args.drop_front())
    acc = arith::AddFOp::create(b, loc, acc, arg);
  Value count = createScalarConstant(b, loc, info.operandType, args.size());
  return arith::DivFOp::create(b, loc, acc, count);
}

Value buildWhere(OpBuilder &b, Location loc, Operation *, ValueRange args,
                 const ElementInfo &) {
  return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
}

Value buildCast(OpBuilder &b, Location loc, Operation *op, ValueRange args,
                const ElementInfo &info) {
  auto narrow = dyn_cast<FloatType>(info.resultType);
  if (!narrow || !isNarrowFloat(narrow) || args[0].getType() == narrow)
    return convertScalar(b, loc, args[0], info.resultType, info.isUnsigned,
                         info.resultUnsigned);
  // float8/float4 targets honour `saturate` and (E8M0) `round_mode`.
  NarrowFloatRounding rounding;
  if (auto cast = dyn_cast<onnx::CastOp>(op)) {
    rounding.saturate = cast.getSaturate() != 0;
    rounding.e8m0Mode = cast.getRoundMode();
  } else if (auto castLike = dyn_cast<onnx::CastLikeOp>(op)) {
    rounding.saturate = castLike.getSaturate() != 0;
    rounding.e8m0Mode = castLike.getRoundMode();
  }
  Value wide = convertScalar(b, loc, args[0], b.getF32Type(), info.isUnsigned,
                             /*dstUnsigned=*/false);
  return truncateToNarrowFloat(b, loc, wide, narrow, rounding);
}

/// Reinterprets the bits (same width); bool is one byte holding 0 or 1.
Value buildBitCast(OpBuilder &b, Location loc, Operation *, ValueRange args,
                   const ElementInfo &info) {
  Value x = args[0];
  Type dst = info.resultType;
  if (x.getType() == dst)
    return x;
  if (x.getType().isInteger(1))
    return arith::ExtUIOp::create(b, loc, dst, x);
  if (dst.isInteger(1))
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x,
                                 createScalarConstant(b, loc, x.getType(), 0));
  return arith::BitcastOp::create(b, loc, dst, x);
}

Value buildIsNaN(OpBuilder &b, Location loc, Operation *, ValueRange args,
                 const ElementInfo &) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, args[0],
                               args[0]);
}

Value buildIsInf(OpBuilder &b, Location loc, Operation *op, ValueRange args,
                 const ElementInfo &info) {
  auto isInf = cast<onnx::IsInfOp>(op);
  Value result = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  if (isInf.getDetectPositive()) {
    Value inf = createHighestValue(b, loc, info.operandType, false);
    Value eq = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                     args[0], inf);
    result = arith::OrIOp::create(b, loc, result, eq);
  }
  if (isInf.getDetectNegative()) {
    Value ninf = createLowestValue(b, loc, info.operandType, false);
    Value eq = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                     args[0], ninf);
    result = arith::OrIOp::create(b, loc, result, eq);
  }
  return result;
}

Value buildBitShift(OpBuilder &b, Location loc, Operation *op, ValueRange args,
                    const ElementInfo &) {
  if (cast<onnx::BitShiftOp>(op).getDirection() == "LEFT")
    return arith::ShLIOp::create(b, loc, args[0], args[1]);
  return arith::ShRUIOp::create(b, loc, args[0], args[1]);
}

using arith::CmpFPredicate;
using arith::CmpIPredicate;

} // namespace

ArrayRef<ElementwiseEntry> getElementwiseMathEntries() {
  static const ElementwiseEntry entries[] = {
      {"onnx.Add", binaryFn<arith::AddFOp, arith::AddIOp, arith::AddIOp>()},
      {"onnx.Sub", binaryFn<arith::SubFOp, arith::SubIOp, arith::SubIOp>()},
      {"onnx.Mul", binaryFn<arith::MulFOp, arith::MulIOp, arith::MulIOp>()},
      {"onnx.Div", binaryFn<arith::DivFOp, arith::DivSIOp, arith::DivUIOp>()},
      {"onnx.Pow", buildPow},
      {"onnx.Mod", buildMod},
      {"onnx.Max",
       variadicFn<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>()},
      {"onnx.Min",
       variadicFn<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>()},
      {"onnx.Sum", variadicFn<arith::AddFOp, arith::AddIOp, arith::AddIOp>()},
      {"onnx.Mean", buildMean},
      {"onnx.Equal",
       compareFn(CmpFPredicate::OEQ, CmpIPredicate::eq, CmpIPredicate::eq)},
      {"onnx.Less",
       compareFn(CmpFPredicate::OLT, CmpIPredicate::slt, CmpIPredicate::ult)},
      {"onnx.LessOrEqual",
       compareFn(CmpFPredicate::OLE, CmpIPredicate::sle, CmpIPredicate::ule)},
      {"onnx.Greater",
       compareFn(CmpFPredicate::OGT, CmpIPredicate::sgt, CmpIPredicate::ugt)},
      {"onnx.GreaterOrEqual",
       compareFn(CmpFPredicate::OGE, CmpIPredicate::sge, CmpIPredicate::uge)},
      {"onnx.And", bitwiseFn<arith::AndIOp>()},
      {"onnx.Or", bitwiseFn<arith::OrIOp>()},
      {"onnx.Xor", bitwiseFn<arith::XOrIOp>()},
      {"onnx.Not", buildNot},
      {"onnx.BitwiseAnd", bitwiseFn<arith::AndIOp>()},
      {"onnx.BitwiseOr", bitwiseFn<arith::OrIOp>()},
      {"onnx.BitwiseXor", bitwiseFn<arith::XOrIOp>()},
      {"onnx.BitwiseNot", buildNot},
      {"onnx.BitShift", buildBitShift},
      {"onnx.Where", buildWhere},
      {"onnx.Cast", buildCast, /*floatOnly=*/false, /*valueOperands=*/-1,
       /*narrowFloats=*/true},
      {"onnx.CastLike", buildCast, /*floatOnly=*/false, /*valueOperands=*/1,
       /*narrowFloats=*/true},
      {"onnx.BitCast", buildBitCast, /*floatOnly=*/false, /*valueOperands=*/-1,
       /*narrowFloats=*/true},
      {"onnx.IsNaN", buildIsNaN},
      {"onnx.IsInf", buildIsInf},
  };
  return entries;
}

} // namespace kiln
