//===- Passes.h - CPU codegen passes ----------------------------*- C++ -*-===//
//
// Declarations of the CPU backend's passes (generated from Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_PASSES_H
#define KILN_CODEGEN_CPU_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>

namespace kiln::cpu {

#define GEN_PASS_DECL
#include "codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cpu/Passes.h.inc"

/// Internal thread-local global through which parallel loops
/// (kiln-cpu-parallelize-loops) get the runtime handle: the kernel wrapper
/// stores `frame->runtime` into it when the module has it.
inline constexpr llvm::StringLiteral kRuntimeGlobalName = "__kiln_runtime";

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_PASSES_H
