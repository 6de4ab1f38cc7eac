//===- FuseMatMulAdd.cpp - The onnx-fuse-matmul-add pass ------------------===//
//
// Rewrites MatMul followed by a bias Add into a Gemm with C; N-D x 2-D operands
// (linear layers on [batch, seq, hidden]) are flattened around the Gemm when
// `nd` is set. The patterns are in patterns/FuseMatMulAddPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXFUSEMATMULADD
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct OnnxFuseMatMulAddPass
    : impl::OnnxFuseMatMulAddBase<OnnxFuseMatMulAddPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseMatMulAddPatterns(patterns, nd);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln
