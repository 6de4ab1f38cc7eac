//===- Pipelines.cpp - CUDA backend pipelines -----------------------------===//
//
// Assembles the CUDA backend's passes; a comment above every step says why
// it is there.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Pipelines.h"

#include "codegen/cpu/Passes.h"
#include "codegen/cuda/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln::cuda {

bool usesWgmma(const CudaLoweringOptions &options) {
  StringRef arch = options.arch;
  return (arch == "sm_90" || arch == "sm_90a") && options.precision != "fp32";
}

void buildCudaLinalgToGpuPipeline(OpPassManager &pm,
                                  const CudaLoweringOptions &options) {
  // Copies into/out of subviews as linalg, so they become device loops too.
  pm.addNestedPass<func::FuncOp>(cpu::createKilnCpuLowerStridedCopies());
  // Matmul-shaped contractions as shared-memory tiled kernels (tensor
  // cores under --precision tf32|fp16; on sm_90 wgmma, inputs by TMA).
  KilnCudaGemmKernelsOptions gemm;
  gemm.precision = options.precision;
  gemm.wgmma = usesWgmma(options);
  gemm.tma = gemm.wgmma && options.tma;
  pm.addPass(createKilnCudaGemmKernels(gemm));
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  // Row reductions (softmax, LayerNorm statistics) as a warp per row.
  funcPm.addPass(createKilnCudaWarpReductions());
  // Other contractions (depthwise conv, GEMV) as one thread per register
  // tile of the output, the accumulators carried through the reductions.
  funcPm.addPass(createKilnCudaTileContractions());
  // Every other linalg op: parallel loops in the output's layout order
  // (coalesced threads), then one scf.parallel (reductions as inner
  // scf.for).
  funcPm.addPass(createKilnCudaOrderLoops());
  funcPm.addPass(createConvertLinalgToParallelLoopsPass());
  funcPm.addPass(createCanonicalizerPass());
  // Every loop nest (and every other memory access) into a gpu.launch.
  KilnCudaMapToGpuOptions map;
  map.blockSize = options.blockSize;
  funcPm.addPass(createKilnCudaMapToGpu(map));
  // Trip counts computed on the host fold to constants, which are then
  // copied into the launch bodies (constant divisors in the kernels, not
  // kernel arguments).
  funcPm.addPass(createCanonicalizerPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  // Launch bodies to gpu.func kernels in gpu.modules.
  pm.addPass(createGpuKernelOutliningPass());
  // Kernels named after their ONNX nodes (profiles, PTX).
  pm.addPass(createKilnCudaNameKernels());
  pm.addPass(createCanonicalizerPass());
}

void buildCudaGpuToLLVMPipeline(OpPassManager &pm,
                                const CudaLoweringOptions &options) {
  // The exported entry point over the (device) buffers of the frame.
  cpu::KilnCpuKernelWrapperOptions wrapper;
  wrapper.symbol = options.symbol;
  pm.addPass(cpu::createKilnCpuKernelWrapper(wrapper));
  // sinh/cosh/tan/powf in terms of exp/log/sin/cos, then tanh/erf/exp/
  // log... as polynomials: no libdevice calls in kernels.
  pm.addPass(createKilnCudaExpandMath());
  pm.addPass(cpu::createKilnCpuApproximateMath());
  // Kernels: structured control flow to branches, then NVVM.
  OpPassManager &gpuPm = pm.nest<gpu::GPUModuleOp>();
  gpuPm.addPass(createLowerAffinePass());
  gpuPm.addPass(createSCFToControlFlowPass());
  gpuPm.addPass(memref::createExpandStridedMetadataPass());
  gpuPm.addPass(createLowerAffinePass());
  // nvgpu.mma.sync (tensor-core GEMMs) to nvvm.mma.sync.
  gpuPm.addPass(createConvertNVGPUToNVVMPass());
  gpuPm.addPass(createConvertGpuOpsToNVVMOps());
  // nvvm.wgmma.mma_async, mbarrier waits (sm_90 GEMMs) to inline PTX.
  if (usesWgmma(options))
    gpuPm.addPass(createConvertNVVMToLLVMPass());
  // By-value TMA tensor maps (sm_90 GEMMs) as __grid_constant__ params.
  gpuPm.addPass(createKilnCudaGridConstantArgs());
  // What convert-gpu-to-nvvm sent to libdevice, back to intrinsics.
  gpuPm.addPass(createKilnCudaReplaceLibdevice());
  gpuPm.addPass(createReconcileUnrealizedCastsPass());
  gpuPm.addPass(createCanonicalizerPass());
  gpuPm.addPass(createCSEPass());
  // Every gpu.module compiles for --cuda-arch (PTX is JIT-compiled by the
  // driver for newer GPUs).
  GpuNVVMAttachTargetOptions target;
  target.chip = options.arch;
  // wgmma exists only in the arch-specific sm_90a PTX (runs on sm_90 GPUs
  // alone: no JIT to later architectures).
  if (usesWgmma(options))
    target.chip = "sm_90a";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // Host: as the CPU backend, plus gpu.launch_func to mgpu* runtime calls
  // (implemented by runtime/cuda over the driver API).
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Kernels to PTX text, in process (NVPTX backend; no toolkit needed).
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void buildCudaLowerToLLVMPipeline(OpPassManager &pm,
                                  const CudaLoweringOptions &options) {
  buildCudaLinalgToGpuPipeline(pm, options);
  buildCudaGpuToLLVMPipeline(pm, options);
}

void registerCudaCodegenPasses() {
  registerKilnCudaPasses();
  PassPipelineRegistration<CudaLoweringOptions>(
      "kiln-cuda-linalg-to-gpu",
      "Bufferized linalg to outlined GPU kernels and their launches",
      buildCudaLinalgToGpuPipeline);
  PassPipelineRegistration<CudaLoweringOptions>(
      "kiln-cuda-lower-to-llvm",
      "Bufferized linalg to the LLVM dialect with PTX in gpu.binary ops",
      buildCudaLowerToLLVMPipeline);
}

} // namespace kiln::cuda
