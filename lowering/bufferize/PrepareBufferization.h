//===- PrepareBufferization.h - tensor IR the bufferizer accepts -*- C++ -*-===//
//
// Patterns run before one-shot bufferization (kiln-prepare-bufferization).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_BUFFERIZE_PREPAREBUFFERIZATION_H
#define KILN_LOWERING_BUFFERIZE_PREPAREBUFFERIZATION_H

#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// Adds patterns that make verified tensor IR bufferize into verified memref
/// IR (static sizes where memref ops require them).
void populatePrepareBufferizationPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_LOWERING_BUFFERIZE_PREPAREBUFFERIZATION_H
