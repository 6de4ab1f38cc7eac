//===- ApproximateMath.cpp - polynomial approximations of math ops --------===//
//
// LLVM lowers transcendental intrinsics to libm calls, which are slow and
// scalarize vector code (and the generated library should not depend on libm
// precision). Upstream's polynomial approximations replace them with arith.
// The inverse hyperbolic functions, which LLVM cannot translate at all, are
// first expanded into log/sqrt (then approximated like any other log).
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
bool isApproximated(StringRef name) {
  static const llvm::StringSet<> ops = {
      "math.tanh", "math.erf",  "math.erfc", "math.exp",  "math.expm1",
      "math.log",  "math.log1p", "math.log2", "math.atan", "math.atan2",
      "math.asin", "math.acos", "math.cbrt", "math.sin",  "math.cos"};
  // The predicate gets full operation names; accept bare mnemonics too.
  return ops.contains(name) || ops.contains(("math." + name).str());
}

struct ApproximateMathPass
    : public kiln::cpu::impl::KilnCpuApproximateMathBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    math::populateExpansionPatterns(patterns, {"asinh", "acosh", "atanh"});
    populateMathF32ExpansionPatterns(patterns, isApproximated);
    populateMathPolynomialApproximationPatterns(patterns, isApproximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
