//===- OnnxDialect.h - The onnx dialect: dialect, types, attributes, ops ---===//
//
// The one header users of the onnx dialect include.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECT_ONNXDIALECT_H
#define KILN_DIALECT_ONNXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/OnnxDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/OnnxTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/OnnxAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialect/OnnxOps.h.inc"

#endif // KILN_DIALECT_ONNXDIALECT_H
