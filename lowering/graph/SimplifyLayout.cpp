//===- SimplifyLayout.cpp - The onnx-simplify-layout pass -----------------===//
//
// Composes Transpose∘Transpose and Reshape∘Reshape chains and drops identity
// Transposes and Reshapes. The patterns are in
// patterns/SimplifyLayoutPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXSIMPLIFYLAYOUT
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct OnnxSimplifyLayoutPass
    : impl::OnnxSimplifyLayoutBase<OnnxSimplifyLayoutPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSimplifyLayoutPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln
