//===- NarrowFloat.h - float8/float4 conversions as integer arithmetic ----===//
//
// arith cannot compute on float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0FNU)
// or float4 (E2M1FN) values, and LLVM has no such types. These helpers
// convert between them and f32 (then any wider float) with integer bit
// manipulation on the value's bits (arith.bitcast to iN), following the ONNX
// Cast semantics: round to nearest even, `saturate`, NaN/Inf mapping per
// format, and E8M0's `round_mode`.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_TOLINALG_NARROWFLOAT_H
#define KILN_LOWERING_TOLINALG_NARROWFLOAT_H

#include "mlir/IR/Builders.h"

namespace kiln {

/// Whether `type` is a float type of fewer than 16 bits (float8, float4).
bool isNarrowFloat(mlir::Type type);

/// How a wider float is rounded into a narrow float (ONNX Cast attributes).
struct NarrowFloatRounding {
  /// Out-of-range values (and infinities) become the largest finite value
  /// instead of Inf/NaN.
  bool saturate = true;
  /// FLOAT8E8M0 only: "up", "down" or "nearest".
  llvm::StringRef e8m0Mode = "up";
};

/// Converts a float8/float4 scalar to the float type `dstType` (exact for
/// f32 and f64; f16/bf16 round the f32 value).
mlir::Value extendNarrowFloat(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value value, mlir::FloatType dstType);

/// Converts a float scalar (f16, bf16, f32; f64 through f32) to the narrow
/// float type `dstType`.
mlir::Value truncateToNarrowFloat(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value value, mlir::FloatType dstType,
                                  const NarrowFloatRounding &rounding = {});

} // namespace kiln

#endif // KILN_LOWERING_TOLINALG_NARROWFLOAT_H
