//===- Pipelines.h - CUDA backend pipelines ---------------------*- C++ -*-===//
#ifndef KILN_CODEGEN_CUDA_PIPELINES_H
#define KILN_CODEGEN_CUDA_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kiln::cuda {

struct CudaLoweringOptions
    : public mlir::PassPipelineOptions<CudaLoweringOptions> {
  Option<std::string> symbol{
      *this, "symbol", llvm::cl::desc("Model symbol (<symbol>_kernel)"),
      llvm::cl::init("model")};
  Option<std::string> arch{*this, "cuda-arch",
                           llvm::cl::desc("PTX target (sm_80, sm_90, ...)"),
                           llvm::cl::init("sm_80")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("GEMM math: fp32, tf32 or fp16 (f32 accumulate)"),
      llvm::cl::init("fp32")};
  Option<bool> tma{*this, "tma",
                   llvm::cl::desc("sm_90 wgmma GEMMs: plain tensor inputs "
                                  "by TMA"),
                   llvm::cl::init(true)};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};
};

/// Whether the GEMM kernels use Hopper's wgmma (--cuda-arch sm_90 or sm_90a
/// with --precision tf32|fp16); the PTX then targets sm_90a.
bool usesWgmma(const CudaLoweringOptions &options);

/// Bufferized linalg (kiln's buffer ABI) to outlined gpu.func kernels and
/// host functions that launch them.
void buildCudaLinalgToGpuPipeline(mlir::OpPassManager &pm,
                                  const CudaLoweringOptions &options);

/// Kernels to NVVM (no libdevice), host code to the LLVM dialect with
/// `<symbol>_kernel(const kiln_frame *)`, kernels to PTX in gpu.binary ops.
void buildCudaGpuToLLVMPipeline(mlir::OpPassManager &pm,
                                const CudaLoweringOptions &options);

/// Both of the above.
void buildCudaLowerToLLVMPipeline(mlir::OpPassManager &pm,
                                  const CudaLoweringOptions &options);

/// Registers the passes and `kiln-cuda-linalg-to-gpu`,
/// `kiln-cuda-lower-to-llvm`.
void registerCudaCodegenPasses();

} // namespace kiln::cuda

#endif // KILN_CODEGEN_CUDA_PIPELINES_H
