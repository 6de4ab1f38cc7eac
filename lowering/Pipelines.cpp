//===- Pipelines.cpp - kiln's pass pipelines ------------------------------===//
//
// Assembles the passes of each lowering stage into the pipelines kiln's
// driver runs, and registers them for kiln-opt. A comment above every step
// says why it is there.
//
//===----------------------------------------------------------------------===//

#include "lowering/Pipelines.h"

#include "lowering/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

void buildOnnxImportPipeline(OpPassManager &pm,
                             const OnnxImportPipelineOptions &options) {
  // Sequences and optionals have no run-time form: replace those whose
  // structure is known at compile time by the tensors they hold.
  pm.addPass(createOnnxResolveSequences());
  // The importer types results without value_info as unranked tensors:
  // give every result the shape ONNX defines for it (symbols kept) before
  // anything that needs ranks runs.
  pm.addPass(createOnnxShapeInference());
  if (!options.canonicalize)
    return;
  // Fold constants (onnx.Constant/NoValue are ConstantLike) and drop ops
  // whose results nothing uses, e.g. the shape arithmetic that inference
  // has already folded into static types.
  pm.addPass(createCanonicalizerPass());
  // Torch exports repeat the same Shape/Gather/Unsqueeze chains and
  // constants for every layer: keep one of each.
  pm.addPass(createCSEPass());
}

void buildOnnxImportPipeline(OpPassManager &pm) {
  buildOnnxImportPipeline(pm, OnnxImportPipelineOptions());
}

void buildOnnxOptimizationPipeline(
    OpPassManager &pm, const OnnxOptimizationPipelineOptions &options) {
  // Evaluate what is computable now (shape subgraphs shape inference could
  // not fold, transposed or reshaped weights) so the matchers below see
  // constants where the model has them.
  if (options.foldConstants)
    pm.addPass(createOnnxFoldConstants());
  // Composite ops first, while their subgraphs are intact: one
  // LayerNormalization/Gelu is one fused loop nest instead of 5-9 passes
  // over the tensor.
  if (options.recognize) {
    pm.addPass(createOnnxRecognizeLayerNorm());
    pm.addPass(createOnnxRecognizeGelu());
    // Q*Kt -> scale -> mask -> Softmax -> *V: one Attention op
    // (to-linalg/Attention.cpp), before the MatMuls become Gemms.
    pm.addPass(createOnnxRecognizeAttention());
  }
  // Per-channel affine maps after a Conv cost nothing once folded into its
  // weights; linear layers' bias Adds become the Gemm's C operand.
  if (options.fuse) {
    pm.addPass(createOnnxFuseConvAffine());
    OnnxFuseMatMulAddOptions matmul;
    matmul.nd = options.matmulNd;
    pm.addPass(createOnnxFuseMatMulAdd(matmul));
  }
  // Transposes and Reshapes that cancel or compose (including those the
  // Gemm flattening just introduced) are copies the lowering need not make.
  if (options.layout)
    pm.addPass(createOnnxSimplifyLayout());
  // Drop the constants and shape ops the rewrites left unused, and merge
  // the duplicate shape constants they created.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildOnnxOptimizationPipeline(OpPassManager &pm) {
  buildOnnxOptimizationPipeline(pm, OnnxOptimizationPipelineOptions());
}

void buildLinalgFusionPipeline(OpPassManager &pm,
                               const LinalgFusionPipelineOptions &options) {
  // Chains of elementwise generics (and elementwise producers of
  // reductions) become one loop nest each; named ops stay as they are for
  // their own strategies.
  if (options.fuseElementwise)
    pm.addPass(createKilnFuseElementwise());
  // Fold what the fusion left behind (dead producers, constants in the
  // bodies). No CSE: merging tensor.empty/linalg.fill inits shared by
  // several ops would make bufferization copy them.
  pm.addPass(createCanonicalizerPass());
  // Last, on the final ops: elementwise results overwrite inputs that die
  // there (canonicalization would turn the inits back into tensor.empty).
  if (options.inPlace)
    pm.addPass(createKilnInPlaceElementwise());
}

void buildLinalgFusionPipeline(OpPassManager &pm) {
  buildLinalgFusionPipeline(pm, LinalgFusionPipelineOptions());
}

void registerKilnPipelines() {
  PassPipelineRegistration<OnnxImportPipelineOptions>(
      "kiln-onnx-import",
      "Cleans up an imported ONNX model: shape inference, canonicalize, CSE",
      [](OpPassManager &pm, const OnnxImportPipelineOptions &options) {
        buildOnnxImportPipeline(pm, options);
      });
  PassPipelineRegistration<OnnxOptimizationPipelineOptions>(
      "kiln-onnx-optimize",
      "Graph-level optimizations on the onnx dialect (run at -O1 and above)",
      [](OpPassManager &pm, const OnnxOptimizationPipelineOptions &options) {
        buildOnnxOptimizationPipeline(pm, options);
      });
  PassPipelineRegistration<LinalgFusionPipelineOptions>(
      "kiln-linalg-fusion",
      "Fusion on linalg on tensors before bufferization (run at -O1 and "
      "above)",
      [](OpPassManager &pm, const LinalgFusionPipelineOptions &options) {
        buildLinalgFusionPipeline(pm, options);
      });
}

} // namespace kiln
