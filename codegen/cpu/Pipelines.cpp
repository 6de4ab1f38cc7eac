//===- Pipelines.cpp - CPU backend pipelines ------------------------------===//
//
// Assembles the CPU backend's passes; a comment above every step says why it
// is there.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Pipelines.h"

#include "codegen/cpu/Passes.h"
#include "lowering/Passes.h"
#include "lowering/bufferize/BufferizePipeline.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln::cpu {

void buildCpuLinalgToLoopsPipeline(OpPassManager &pm,
                                   const CpuLoweringOptions &options) {
  // f32 matmuls and NCHW convolutions call the runtime's packed microkernels
  // (cache-blocked, register-tiled, on the session's pool); first, while
  // they are still named/contraction ops.
  if (!options.ukernels.empty()) {
    KilnCpuLowerToUKernelsOptions ukernels;
    ukernels.isa = options.ukernels;
    pm.addPass(createKilnCpuLowerToUKernels(ukernels));
  }
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  // Copies into/out of subviews would become calls to MLIR's runner library;
  // make them linalg so they become loops like everything else.
  funcPm.addPass(createKilnCpuLowerStridedCopies());
  // Depthwise convolutions get their own strategy (vector registers
  // accumulating over the taps, bias and activation fused) before the
  // generic path below would turn them into plain loops.
  funcPm.addPass(createKilnCpuLowerDepthwiseConv());
  // Max pooling takes the same window loops (a vector max per tap).
  funcPm.addPass(createKilnCpuLowerMaxPool());
  // Matmuls, convolutions and pooling iterate a unit-stride parallel loop
  // innermost, which LLVM's loop vectorizer turns into SIMD FMAs.
  funcPm.addPass(createKilnCpuInterchangeForVectorization());
  // Plain loop nests, one per linalg op.
  funcPm.addPass(createConvertLinalgToParallelLoopsPass());
  funcPm.addPass(createCanonicalizerPass());
}

void buildCpuLoopsToLLVMPipeline(OpPassManager &pm,
                                 const CpuLoweringOptions &options) {
  // --profile: timers around every dispatch, while each loop nest is still
  // one op of the entry function (parallelizing outlines the bodies).
  if (options.profile) {
    KilnCpuInstrumentDispatchesOptions instrument;
    instrument.symbol = options.symbol;
    pm.addPass(createKilnCpuInstrumentDispatches(instrument));
  }
  // Outermost parallel loops run on the session's thread pool; before the
  // wrapper, which hands them the runtime handle.
  pm.addPass(createKilnCpuParallelizeLoops());
  // The exported entry point, built while argument types are still memrefs
  // (descriptors are assembled from the frame and cast to memrefs).
  KilnCpuKernelWrapperOptions wrapper;
  wrapper.symbol = options.symbol;
  pm.addPass(createKilnCpuKernelWrapper(wrapper));
  // Failed run-time checks of the model's values return an error from
  // m_run instead of aborting; before scf is lowered (the check is an scf.if).
  pm.addPass(createKilnCpuLowerRuntimeChecks());
  // tanh/erf/exp/log... as polynomials: no libm calls, vectorizable.
  pm.addPass(createKilnCpuApproximateMath());
  // Integer powers (math.ipowi), which LLVM has no intrinsic for, become
  // calls of generated square-and-multiply functions.
  pm.addPass(createConvertMathToFuncs());
  // Structured control flow and affine maps to branches and arith.
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // Subviews, views, reshapes become explicit offset/stride arithmetic, so
  // memref-to-llvm only sees simple descriptors.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Vector ops (depthwise convolutions' loops) to LLVM vector IR, masks as
  // masked loads/stores, before memref descriptors are lowered.
  pm.addPass(createConvertVectorToLLVMPass());
  // Dialect conversions to LLVM. memref first (its descriptors), func last
  // but one (signatures), then the casts between the two type systems fold.
  // Heap buffers come from the runtime's _mlir_memref_to_llvm_alloc/_free
  // (generic functions), which a failed run-time check can free.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildCpuLowerToLLVMPipeline(OpPassManager &pm,
                                 const CpuLoweringOptions &options) {
  buildCpuLinalgToLoopsPipeline(pm, options);
  buildCpuLoopsToLLVMPipeline(pm, options);
}

void buildCpuBufferizePipeline(OpPassManager &pm,
                               const CpuLoweringOptions &options) {
  BufferizePipelineOptions bufferize;
  bufferize.weightsMinBytes = options.weightsMinBytes;
  bool ukernels = !options.ukernels.empty();
  bufferize.planMemory = !ukernels;
  buildBufferizePipeline(pm, bufferize);
  if (!ukernels)
    return;
  // Convolutions write the buffers of the Relu/add consumers they will
  // absorb as microkernel epilogues; before planning, while every buffer is
  // its own allocation.
  pm.addNestedPass<func::FuncOp>(createKilnCpuPrepareUKernelEpilogues());
  // Depthwise convolutions and max pooling become their vector loops here,
  // while every buffer is its own allocation: a padded copy of the input
  // folds into the loops (which then read the unpadded buffer) only when
  // the two buffers are known apart, which they no longer are once planned.
  pm.addNestedPass<func::FuncOp>(createKilnCpuLowerDepthwiseConv());
  pm.addNestedPass<func::FuncOp>(createKilnCpuLowerMaxPool());
  // The static arena, as kiln-bufferize plans it.
  pm.addPass(createKilnPlanMemory());
  pm.addPass(createCSEPass());
}

void buildCpuCodegenPipeline(OpPassManager &pm,
                             const CpuLoweringOptions &options) {
  buildCpuBufferizePipeline(pm, options);
  buildCpuLowerToLLVMPipeline(pm, options);
}

void registerCpuCodegenPasses() {
  registerKilnCpuPasses();
  PassPipelineRegistration<CpuLoweringOptions>(
      "kiln-cpu-lower-to-llvm",
      "Lower a bufferized module (kiln's buffer ABI) to the LLVM dialect with "
      "the <symbol>_kernel entry point",
      buildCpuLowerToLLVMPipeline);
  PassPipelineRegistration<CpuLoweringOptions>(
      "kiln-cpu-codegen",
      "Bufferize, plan memory and lower linalg on tensors to the LLVM dialect",
      buildCpuCodegenPipeline);
}

} // namespace kiln::cpu
