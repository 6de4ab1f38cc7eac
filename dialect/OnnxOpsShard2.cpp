//===- OnnxOpsShard2.cpp - generated onnx op definitions, shard 2 --------===//
//
// One quarter of the op definitions generated from OnnxOps.td; the split
// lets the 200-op dialect compile in parallel.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

#define GET_OP_DEFS_2
#include "dialect/OnnxOps.cpp.inc"
