//===- BufferizePipeline.h - linalg on tensors to planned buffers -*- C++ -*-===//
//
// The pipeline that takes linalg on tensors to memrefs with kiln's buffer ABI
// (upstream one-shot bufferization, out-params, deallocation, then the passes
// of this folder: weights externalization and the static arena).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_BUFFERIZE_BUFFERIZEPIPELINE_H
#define KILN_LOWERING_BUFFERIZE_BUFFERIZEPIPELINE_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kiln {

/// Options of the `kiln-bufferize` pipeline.
struct BufferizePipelineOptions
    : public mlir::PassPipelineOptions<BufferizePipelineOptions> {
  Option<int64_t> weightsMinBytes{
      *this, "weights-min-bytes",
      llvm::cl::desc("Dense constants of at least this many bytes go to the "
                     "weights blob (dense_resource constants always do)"),
      llvm::cl::init(256)};
  Option<bool> planMemory{*this, "plan-memory",
                          llvm::cl::desc("Place static buffers in the arena"),
                          llvm::cl::init(true)};
};

/// Appends the passes that take a module of linalg on tensors (an entry
/// function returning tensors) to memrefs: the entry function then takes its
/// inputs, its outputs as out-params tagged `bufferize.result`, the
/// `kiln.weights` blob and the `kiln.arena` workspace, in that order.
void buildBufferizePipeline(mlir::OpPassManager &pm,
                            const BufferizePipelineOptions &options);

/// Registers the `kiln-bufferize` pipeline (the passes themselves are
/// registered by registerKilnPasses()).
void registerBufferizePipeline();

} // namespace kiln

#endif // KILN_LOWERING_BUFFERIZE_BUFFERIZEPIPELINE_H
