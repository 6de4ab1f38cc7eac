//===- Pipelines.h - CPU backend pipelines ----------------------*- C++ -*-===//
//
// The CPU backend's pass pipelines, callable from C++ and registered with
// kiln-opt: bufferized linalg to loops, loops to the LLVM dialect with the
// kernel entry point, and the whole way from linalg on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_PIPELINES_H
#define KILN_CODEGEN_CPU_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kiln::cpu {

/// Options of `kiln-cpu-lower-to-llvm` and `kiln-cpu-codegen`.
struct CpuLoweringOptions
    : public mlir::PassPipelineOptions<CpuLoweringOptions> {
  Option<std::string> symbol{
      *this, "symbol", llvm::cl::desc("Model symbol (<symbol>_kernel)"),
      llvm::cl::init("model")};
  Option<int64_t> weightsMinBytes{
      *this, "weights-min-bytes",
      llvm::cl::desc("Dense constants of at least this many bytes go to the "
                     "weights blob (kiln-cpu-codegen only)"),
      llvm::cl::init(256)};
  Option<std::string> ukernels{
      *this, "ukernels",
      llvm::cl::desc("Microkernel variant for f32 GEMMs and convolutions "
                     "(avx512, avx2, generic); empty: loops only. The "
                     "calls resolve against the runtime linked by "
                     "codegen/package"),
      llvm::cl::init("")};
  Option<bool> profile{
      *this, "profile",
      llvm::cl::desc("Time every dispatch (kiln-cpu-instrument-dispatches)"),
      llvm::cl::init(false)};
};

/// Stage 1: bufferized linalg ops to runtime microkernel calls (GEMMs and
/// convolutions, with `ukernels`) and scf loops (the rest, strided copies
/// with them).
void buildCpuLinalgToLoopsPipeline(mlir::OpPassManager &pm,
                                   const CpuLoweringOptions &options);

/// Stage 2: the kernel wrapper, math approximations and the conversion of
/// scf/memref/arith/math/func/cf/index to the LLVM dialect.
void buildCpuLoopsToLLVMPipeline(mlir::OpPassManager &pm,
                                 const CpuLoweringOptions &options);

/// Stages 1 and 2: bufferized module (kiln's buffer ABI) to LLVM dialect.
void buildCpuLowerToLLVMPipeline(mlir::OpPassManager &pm,
                                 const CpuLoweringOptions &options);

/// kiln-bufferize; with `ukernels`, kiln-cpu-prepare-ukernel-epilogues
/// runs before the memory plan.
void buildCpuBufferizePipeline(mlir::OpPassManager &pm,
                               const CpuLoweringOptions &options);

/// buildCpuBufferizePipeline followed by buildCpuLowerToLLVMPipeline: linalg on tensors
/// to an LLVM-dialect module ready for translation.
void buildCpuCodegenPipeline(mlir::OpPassManager &pm,
                             const CpuLoweringOptions &options);

/// Registers the passes of codegen/cpu and the pipelines
/// `kiln-cpu-lower-to-llvm` and `kiln-cpu-codegen`.
void registerCpuCodegenPasses();

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_PIPELINES_H
