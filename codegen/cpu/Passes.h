//===- Passes.h - CPU codegen passes ----------------------------*- C++ -*-===//
//
// Declarations of the CPU backend's passes (generated from Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_PASSES_H
#define KILN_CODEGEN_CPU_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace kiln::cpu {

#define GEN_PASS_DECL
#include "codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cpu/Passes.h.inc"

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_PASSES_H
