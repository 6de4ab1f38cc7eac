//===- ApproximateMath.cpp - polynomial approximations of math ops --------===//
//
// LLVM lowers transcendental intrinsics to libm calls, which are slow and
// scalarize vector code (and the generated library should not depend on libm
// precision). Upstream's polynomial approximations replace them with arith.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPUAPPROXIMATEMATH
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// Ops whose approximation is accurate enough for inference (a few ulp in
/// f32) and faster than a libm call.
bool isApproximated(StringRef mnemonic) {
  static const llvm::StringSet<> ops = {
      "tanh", "erf",  "erfc", "exp",   "expm1", "log", "log1p", "log2",
      "atan", "atan2", "asin", "acos", "cbrt",  "sin", "cos"};
  return ops.contains(mnemonic);
}

struct ApproximateMathPass
    : public kiln::cpu::impl::KilnCpuApproximateMathBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathF32ExpansionPatterns(patterns, isApproximated);
    populateMathPolynomialApproximationPatterns(patterns, isApproximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
