//===- CudaCodegen.h - linalg on tensors to a CUDA host module --*- C++ -*-===//
//
// The CUDA backend's entry point: bufferizes (lowering/bufferize, same
// buffer ABI as the CPU backend), maps every loop nest onto a GPU kernel,
// compiles the kernels to PTX (in process, NVPTX) and returns the host
// llvm::Module defining `<symbol>_kernel(const kiln_frame *)`: it reads
// device pointers from the frame and launches the kernels through the
// mgpu* functions of runtime/cuda. The PTX is embedded in that module (see
// README.md).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_CUDACODEGEN_H
#define KILN_CODEGEN_CUDA_CUDACODEGEN_H

#include "codegen/cpu/CpuCodegen.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace kiln::cuda {

struct CudaCodegenOptions {
  std::string symbol = "model";
  /// PTX target: sm_80 (default), sm_90, ...
  std::string arch = "sm_80";
  /// GEMM math: fp32 (SIMT), tf32 or fp16 (tensor cores, f32 accumulate).
  std::string precision = "fp32";
  /// sm_90 wgmma GEMMs: plain tensor inputs by TMA (--cuda-tma on|off).
  bool tma = true;
  /// Dense constants of at least this many bytes go to the weights blob.
  /// Every tensor constant must: kernels cannot read host globals.
  int64_t weightsMinBytes = 1;
};

struct CudaCompiledKernel {
  std::unique_ptr<llvm::Module> module; ///< host code + embedded PTX
  std::string kernelName;               ///< `<symbol>_kernel`
  int64_t workspaceBytes = 0;
  cpu::WeightsLayout weights;
  /// PTX text of every GPU module, in launch order of first use.
  std::vector<std::string> ptx;
  /// kiln_rt_model.flags: KILN_RT_MODEL_HOST_READS_DEVICE when a function
  /// has kiln-cuda-map-to-gpu's `kiln.host_reads_device`.
  uint32_t flags = 0;
};

/// Registers the dialects, interfaces and translations the backend uses.
void registerCudaCodegenDialects(mlir::DialectRegistry &registry);

/// Compiles a module of linalg on tensors (what convert-onnx-to-linalg
/// produces). Errors are emitted as diagnostics.
mlir::FailureOr<CudaCompiledKernel>
compileLinalgModule(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                    const CudaCodegenOptions &options);

} // namespace kiln::cuda

#endif // KILN_CODEGEN_CUDA_CUDACODEGEN_H
