//===- Passes.h - CUDA codegen passes ---------------------------*- C++ -*-===//
//
// Declarations of the CUDA backend's passes (generated from Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_PASSES_H
#define KILN_CODEGEN_CUDA_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace kiln::cuda {

/// Unit attribute kiln-cuda-map-to-gpu sets on a function whose host code
/// reads values computed on the device (the runtime then runs it without a
/// CUDA graph).
inline constexpr llvm::StringLiteral kHostReadsDeviceAttr =
    "kiln.host_reads_device";

#define GEN_PASS_DECL
#include "codegen/cuda/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cuda/Passes.h.inc"

} // namespace kiln::cuda

#endif // KILN_CODEGEN_CUDA_PASSES_H
