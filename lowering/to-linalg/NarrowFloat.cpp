//===- NarrowFloat.cpp - float8/float4 conversions as integer arithmetic --===//
//
// Decoding: the narrow value's bits give sign, exponent and mantissa; a
// normal number is rebuilt as f32 bits (mantissa shifted up, exponent
// rebiased), a subnormal as mantissa * 2^(1 - bias - mantissa bits) in f32;
// Inf/NaN encodings are selected last.
// Encoding: |x| in f32 bits is rounded to nearest even at the target's
// mantissa width with integer adds (the carry moves into the exponent), then
// rebiased; target subnormals are scaled so that one unit in the last place
// is 1.0 and rounded with the 2^23 trick; overflow, NaN and the sign follow
// the format (FNUZ formats have no -0 and one NaN, 0x80).
//
//===----------------------------------------------------------------------===//

#include "lowering/to-linalg/NarrowFloat.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// The layout and special values of one narrow float format.
struct Format {
  unsigned bits = 8;
  unsigned man = 3;
  int bias = 7;
  /// FNUZ: no -0, NaN is 0x80, no Inf.
  bool fnuz = false;
  /// IEEE-like specials: exponent all ones is Inf (mantissa 0) or NaN.
  bool ieee = false;
  /// The only NaN is the all-ones magnitude (E4M3FN).
  bool allOnesNaN = false;
  /// Largest finite magnitude encoding.
  unsigned maxEnc = 0x7e;
};

Format getFormat(FloatType type) {
  Format f;
  if (isa<Float8E4M3FNType>(type)) {
    f.allOnesNaN = true;
  } else if (isa<Float8E4M3FNUZType>(type)) {
    f.bias = 8;
    f.fnuz = true;
    f.maxEnc = 0x7f;
  } else if (isa<Float8E5M2Type>(type)) {
    f.man = 2;
    f.bias = 15;
    f.ieee = true;
    f.maxEnc = 0x7b;
  } else if (isa<Float8E5M2FNUZType>(type)) {
    f.man = 2;
    f.bias = 16;
    f.fnuz = true;
    f.maxEnc = 0x7f;
  } else { // Float4E2M1FN: no Inf, no NaN.
    f.bits = 4;
    f.man = 1;
    f.bias = 1;
    f.maxEnc = 0x7;
  }
  return f;
}

/// Small builder over i32 scalars.
struct I32Builder {
  OpBuilder &b;
  Location loc;
  Type i32 = b.getI32Type();

  Value c(int64_t v) { return arith::ConstantIntOp::create(b, loc, i32, v); }
  Value cf(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
  }
  Value shl(Value x, int64_t n) { return arith::ShLIOp::create(b, loc, x, c(n)); }
  Value shr(Value x, int64_t n) {
    return arith::ShRUIOp::create(b, loc, x, c(n));
  }
  Value andI(Value x, int64_t m) {
    return arith::AndIOp::create(b, loc, x, c(m));
  }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value eq(Value x, int64_t v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, c(v));
  }
  Value sel(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value toF32(Value bits) {
    return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }
  Value toBits(Value f) { return arith::BitcastOp::create(b, loc, i32, f); }
};

/// The narrow value's bits as an i32 (zero-extended).
Value narrowBits(OpBuilder &b, Location loc, Value value) {
  unsigned width = value.getType().getIntOrFloatBitWidth();
  Value bits =
      arith::BitcastOp::create(b, loc, b.getIntegerType(width), value);
  return arith::ExtUIOp::create(b, loc, b.getI32Type(), bits);
}

/// An i32 holding narrow bits as a value of the narrow type.
Value fromNarrowBits(OpBuilder &b, Location loc, Value bits, FloatType type) {
  unsigned width = type.getWidth();
  Value narrow =
      arith::TruncIOp::create(b, loc, b.getIntegerType(width), bits);
  return arith::BitcastOp::create(b, loc, type, narrow);
}

/// f32 to a float type of 16 bits or more.
Value fromF32(OpBuilder &b, Location loc, Value f, FloatType dstType) {
  if (dstType.isF32())
    return f;
  if (dstType.getWidth() > 32)
    return arith::ExtFOp::create(b, loc, dstType, f);
  return arith::TruncFOp::create(b, loc, dstType, f);
}

Value decodeE8M0(I32Builder &ib, Value u) {
  // 2^(u - 127); 0 is the f32 subnormal 2^-127, 0xff is NaN.
  Value bits = ib.shl(u, 23);
  bits = ib.sel(ib.eq(u, 0), ib.c(0x00400000), bits);
  bits = ib.sel(ib.eq(u, 0xff), ib.c(0x7fc00000), bits);
  return ib.toF32(bits);
}

Value decode(I32Builder &ib, Value u, const Format &f) {
  unsigned expMask = (1u << (f.bits - 1 - f.man)) - 1;
  unsigned magMask = (1u << (f.bits - 1)) - 1;
  Value sign = ib.shl(ib.shr(u, f.bits - 1), 31);
  Value mag = ib.andI(u, magMask);
  Value exp = ib.shr(mag, f.man);
  Value man = ib.andI(mag, (1 << f.man) - 1);
  // Normal: shift the mantissa into place and rebias the exponent.
  Value normal =
      ib.add(ib.shl(mag, 23 - f.man), ib.c(int64_t(127 - f.bias) << 23));
  // Subnormal (exponent 0): man * 2^(1 - bias - man bits), exact in f32.
  Value manF = arith::UIToFPOp::create(ib.b, ib.loc, ib.b.getF32Type(), man);
  Value sub = arith::MulFOp::create(
      ib.b, ib.loc, manF, ib.cf(std::ldexp(1.0, 1 - f.bias - int(f.man))));
  Value bits = ib.sel(ib.eq(exp, 0), ib.toBits(sub), normal);
  bits = ib.orI(bits, sign);
  Value nanBits = ib.c(0x7fc00000);
  if (f.fnuz) {
    bits = ib.sel(ib.eq(u, 0x80), nanBits, bits);
  } else if (f.allOnesNaN) {
    bits = ib.sel(ib.eq(mag, magMask), nanBits, bits);
  } else if (f.ieee) {
    Value special = ib.eq(exp, expMask);
    Value inf = ib.orI(ib.c(0x7f800000), sign);
    Value infOrNan = ib.sel(ib.eq(man, 0), inf, nanBits);
    bits = ib.sel(special, infOrNan, bits);
  }
  return ib.toF32(bits);
}

Value encodeE8M0(I32Builder &ib, Value x, StringRef mode, bool saturate) {
  // Mirrors onnx.numpy_helper.to_float8e8m0: the f32 exponent, rounded by
  // the mantissa bits; the sign is dropped; Inf/NaN become 0xff.
  Value bits = ib.toBits(x);
  Value exp = ib.andI(ib.shr(bits, 23), 0xff);
  Value special = ib.eq(exp, 0xff);
  Value roundUp;
  OpBuilder &b = ib.b;
  auto ne0 = [&](Value v) {
    return arith::CmpIOp::create(b, ib.loc, arith::CmpIPredicate::ne, v,
                                 ib.c(0));
  };
  if (mode == "nearest") {
    Value g = ne0(ib.andI(bits, 0x400000));
    Value r = ne0(ib.andI(bits, 0x200000));
    Value s = ne0(ib.andI(bits, 0x1fffff));
    Value lsb = ne0(exp);
    Value any = arith::OrIOp::create(
        b, ib.loc, arith::OrIOp::create(b, ib.loc, r, s), lsb);
    roundUp = arith::AndIOp::create(b, ib.loc, g, any);
  } else if (mode == "up") {
    roundUp = ne0(ib.andI(bits, 0x7fffff));
  }
  if (roundUp) {
    if (saturate) {
      Value atMax = ib.eq(exp, 0xfe);
      Value notMax = arith::XOrIOp::create(
          b, ib.loc, atMax,
          arith::ConstantOp::create(b, ib.loc, b.getBoolAttr(true)));
      roundUp = arith::AndIOp::create(b, ib.loc, roundUp, notMax);
    }
    exp = ib.add(exp, arith::ExtUIOp::create(b, ib.loc, ib.i32, roundUp));
  }
  return ib.sel(special, ib.c(0xff), exp);
}

Value encode(I32Builder &ib, Value x, const Format &f, bool saturate) {
  OpBuilder &b = ib.b;
  Location loc = ib.loc;
  Value bits = ib.toBits(x);
  Value sign = ib.shr(bits, 31);
  Value abs = ib.andI(bits, 0x7fffffff);
  Value absF = ib.toF32(abs);
  Value isNan = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, abs,
                                      ib.c(0x7f800000));
  // Normal targets: round the f32 mantissa to nearest even at `man` bits.
  int64_t shift = 23 - f.man;
  Value lsb = ib.andI(ib.shr(abs, shift), 1);
  Value rounded =
      ib.shr(ib.add(ib.add(abs, ib.c((int64_t(1) << (shift - 1)) - 1)), lsb),
             shift);
  Value normal = arith::SubIOp::create(
      b, loc, rounded, ib.c(int64_t(127 - f.bias) << f.man));
  // Subnormal targets: |x| / 2^(1 - bias - man) rounded to nearest even
  // (adding and subtracting 2^23 rounds a value below 2^22 in f32); a result
  // of 2^man is the smallest normal, whose encoding it already is.
  Value scaled = arith::MulFOp::create(
      b, loc, absF, ib.cf(std::ldexp(1.0, f.bias - 1 + int(f.man))));
  Value magic = ib.cf(8388608.0);
  Value roundedF = arith::SubFOp::create(
      b, loc, arith::AddFOp::create(b, loc, scaled, magic), magic);
  Value sub = arith::FPToUIOp::create(b, loc, ib.i32, roundedF);
  Value isSub = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, absF,
                                      ib.cf(std::ldexp(1.0, 1 - f.bias)));
  Value enc = ib.sel(isSub, sub, normal);
  // Overflow (Inf included): the largest value, Inf or NaN.
  Value over = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, enc,
                                     ib.c(f.maxEnc));
  unsigned magMask = (1u << (f.bits - 1)) - 1;
  int64_t overEnc = f.maxEnc;
  if (!saturate && f.bits == 8)
    overEnc = f.fnuz ? 0x80 : f.ieee ? 0x7c : 0x7f;
  enc = ib.sel(over, ib.c(overEnc), enc);
  if (f.fnuz) {
    // No -0: the sign only goes on non-zero magnitudes; NaN is 0x80.
    Value withSign = ib.orI(enc, ib.shl(sign, 7));
    Value keep = ib.sel(ib.eq(enc, 0), enc, withSign);
    enc = ib.sel(ib.eq(enc, 0x80), enc, keep);
    return ib.sel(isNan, ib.c(0x80), enc);
  }
  // Float4 has no NaN: NaN becomes 0 (as ml_dtypes, up to the sign).
  Value nanEnc = ib.c(f.bits == 8 ? magMask : 0);
  enc = ib.sel(isNan, nanEnc, enc);
  return ib.orI(enc, ib.shl(sign, f.bits - 1));
}

} // namespace

bool isNarrowFloat(Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  return floatType && floatType.getWidth() < 16;
}

Value extendNarrowFloat(OpBuilder &b, Location loc, Value value,
                        FloatType dstType) {
  I32Builder ib{b, loc};
  auto srcType = cast<FloatType>(value.getType());
  Value u = narrowBits(b, loc, value);
  Value f32 = isa<Float8E8M0FNUType>(srcType)
                  ? decodeE8M0(ib, u)
                  : decode(ib, u, getFormat(srcType));
  return fromF32(b, loc, f32, dstType);
}

Value truncateToNarrowFloat(OpBuilder &b, Location loc, Value value,
                            FloatType dstType,
                            const NarrowFloatRounding &rounding) {
  I32Builder ib{b, loc};
  Value x = value;
  auto srcType = cast<FloatType>(value.getType());
  if (srcType.getWidth() < 32)
    x = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
  else if (srcType.getWidth() > 32)
    x = arith::TruncFOp::create(b, loc, b.getF32Type(), x);
  Value enc = isa<Float8E8M0FNUType>(dstType)
                  ? encodeE8M0(ib, x, rounding.e8m0Mode, rounding.saturate)
                  : encode(ib, x, getFormat(dstType), rounding.saturate);
  return fromNarrowBits(b, loc, enc, dstType);
}

} // namespace kiln
