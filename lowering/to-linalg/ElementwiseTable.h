//===- ElementwiseTable.h - The table of onnx elementwise ops -------------===//
//
// Every elementwise onnx op is one table row: the op name and the builder
// of its scalar body. Elementwise.cpp turns each row into one broadcasting
// linalg.generic pattern; the rows live in ElementwiseMath.cpp (arithmetic,
// comparisons, logic, Where, Cast) and ElementwiseActivations.cpp (unary
// math and activations).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_TOLINALG_ELEMENTWISETABLE_H
#define KILN_LOWERING_TOLINALG_ELEMENTWISETABLE_H

#include "lowering/to-linalg/Utils.h"

#include <functional>

namespace kiln {

/// What a scalar builder knows about the op's element types.
struct ElementInfo {
  /// The converted (signless) element type of the result.
  mlir::Type resultType;
  /// The converted element type of the first operand.
  mlir::Type operandType;
  /// Whether the first operand's onnx element type is unsigned.
  bool isUnsigned = false;
  /// Whether the result's onnx element type is unsigned.
  bool resultUnsigned = false;

  bool isFloat() const { return llvm::isa<mlir::FloatType>(operandType); }
};

/// Builds the scalar result of `op` from the scalars of its operands (null
/// for omitted optional operands).
using ElementwiseFn = std::function<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::Operation *, mlir::ValueRange,
    const ElementInfo &)>;

/// One elementwise onnx op.
struct ElementwiseEntry {
  llvm::StringLiteral opName;
  ElementwiseFn build;
  /// Whether the op is only defined on float element types.
  bool floatOnly = false;
  /// How many leading operands carry values; the rest only give types
  /// (CastLike's target_type) and are not read. -1: all of them.
  int valueOperands = -1;
  /// Whether operands and result may be float8/float4 (the row converts
  /// them; arithmetic rows cannot compute on them).
  bool narrowFloats = false;
};

/// Arithmetic, comparisons, logic, bitwise ops, variadic Max/Min/Sum/Mean,
/// Where, Cast and CastLike.
llvm::ArrayRef<ElementwiseEntry> getElementwiseMathEntries();
/// Unary math (Exp, Sqrt, Sin, ...) and activations (Relu, Gelu, ...).
llvm::ArrayRef<ElementwiseEntry> getElementwiseActivationEntries();

} // namespace kiln

#endif // KILN_LOWERING_TOLINALG_ELEMENTWISETABLE_H
