//===- BufferizePipeline.cpp - linalg on tensors to planned buffers -------===//
//
// The `kiln-bufferize` pipeline: upstream one-shot bufferization with the
// out-param calling convention and deallocation, then kiln's weights
// externalization and static memory plan.
//
//===----------------------------------------------------------------------===//

#include "lowering/bufferize/BufferizePipeline.h"

#include "lowering/Passes.h"

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

void buildBufferizePipeline(OpPassManager &pm,
                            const BufferizePipelineOptions &options) {
  // Tensor IR that verifies but would bufferize into invalid memref IR
  // (expand_shape with SSA sizes for static dims).
  pm.addPass(createKilnPrepareBufferization());
  // Let computations write straight into the buffers that end up as results
  // instead of fresh ones that are copied later.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createEmptyTensorToAllocTensorPass());

  // Whole-module bufferization; function boundaries get identity layouts so
  // graph inputs and outputs are dense row-major buffers.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Loop bodies (Scan, Loop, recurrent nets) compute their new state into
  // fresh buffers, not in place of the old one.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));

  // Outputs whose size only the kernel learns are copied out through the
  // runtime and stop being results; the rest become out-params.
  pm.addPass(createKilnPublishDataDependentResults());
  // Results become caller-allocated out-params tagged `bufferize.result`; the
  // buffer computing a result is replaced by the out-param (no final copy),
  // for dynamic shapes too.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.addResultAttribute = true;
  outParams.hoistStaticAllocs = true;
  outParams.hoistDynamicAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));

  // Deallocs for whatever stays on the heap (dynamic sizes); the memory plan
  // removes those of the buffers it moves into the arena.
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createCanonicalizerPass());

  // Weights blob first, then the arena (argument order: inputs, outputs,
  // weights, arena).
  KilnExternalizeWeightsOptions weights;
  weights.minBytes = options.weightsMinBytes;
  pm.addPass(createKilnExternalizeWeights(weights));
  if (options.planMemory)
    pm.addPass(createKilnPlanMemory());
  pm.addPass(createCSEPass());
}

void registerBufferizePipeline() {
  PassPipelineRegistration<BufferizePipelineOptions>(
      "kiln-bufferize",
      "Bufferize linalg on tensors into out-params, a weights blob and a "
      "statically planned arena",
      buildBufferizePipeline);
}

} // namespace kiln
