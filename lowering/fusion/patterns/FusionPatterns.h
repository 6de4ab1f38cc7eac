//===- FusionPatterns.h - Fusion patterns on linalg on tensors --*- C++ -*-===//
//
// The rewrite patterns behind lowering/fusion's passes, exported so that
// pipelines and tests can mix them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_FUSION_PATTERNS_FUSIONPATTERNS_H
#define KILN_LOWERING_FUSION_PATTERNS_FUSIONPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// Whether kiln fuses the linalg.generic producing `fusedOperand` into the
/// linalg.generic that owns it (see `kiln-fuse-elementwise` in Passes.td).
bool shouldFuseElementwise(mlir::OpOperand *fusedOperand);

/// Upstream elementwise-fusion patterns under `shouldFuseElementwise`,
/// plus the folding of splat constants and fills into generic bodies.
void populateKilnElementwiseFusionPatterns(mlir::RewritePatternSet &patterns);

/// Rewrites an elementwise linalg.generic so that it computes into an input
/// that dies there instead of a fresh `tensor.empty`.
void populateInPlaceElementwisePatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_LOWERING_FUSION_PATTERNS_FUSIONPATTERNS_H
