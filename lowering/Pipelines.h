//===- Pipelines.h - kiln's pass pipelines ----------------------*- C++ -*-===//
//
// The pipelines kiln's driver runs between stages, each also registered
// with kiln-opt so lit can run it on its own.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_PIPELINES_H
#define KILN_LOWERING_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kiln {

/// Options of the import-cleanup pipeline (`kiln-onnx-import`).
struct OnnxImportPipelineOptions
    : public mlir::PassPipelineOptions<OnnxImportPipelineOptions> {
  Option<bool> canonicalize{
      *this, "canonicalize",
      llvm::cl::desc("Fold and deduplicate after shape inference"),
      llvm::cl::init(true)};
};

/// Cleans up what the importer produced: infers shapes and types, then
/// folds constants and removes duplicate and dead ops.
void buildOnnxImportPipeline(mlir::OpPassManager &pm,
                             const OnnxImportPipelineOptions &options);
void buildOnnxImportPipeline(mlir::OpPassManager &pm);

/// Registers kiln's pipelines (`kiln-onnx-import`, ...) with the pass
/// registry used by kiln-opt.
void registerKilnPipelines();

} // namespace kiln

#endif // KILN_LOWERING_PIPELINES_H
