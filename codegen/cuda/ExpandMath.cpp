//===- ExpandMath.cpp - math ops without libdevice, in kernels ------------===//
//
// kiln-cuda-expand-math: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"
#include "codegen/cuda/Patterns.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDAEXPANDMATH
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

struct ExpandMathPass
    : public kiln::cuda::impl::KilnCudaExpandMathBase<ExpandMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    math::populateExpansionPatterns(patterns,
                                    {"sinh", "cosh", "tan", "powf"});
    kiln::cuda::populateExpandIntegerPowerPatterns(patterns);
    kiln::cuda::populateExpandFloat64MathPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
