//===- RecognizeGeluPatterns.cpp - GELU subgraphs -> onnx.Gelu ------------===//
//
// Torch exports GELU (before opset 20) as elementwise ops:
//   erf form:  x * 0.5 * (1 + erf(x / sqrt(2)))   (or x * (1/sqrt2) inside)
//   tanh form: x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
// with the three factors of the outer product in any order and grouping.
// Products are matched by flattening single-use Mul trees into their
// factors, so every association and operand order is covered.
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// The factors of the product `v`: Mul operands, recursively through Muls
/// that only this product uses (`root` is expanded whatever its uses).
void collectFactors(Value v, bool root, SmallVectorImpl<Value> &factors) {
  auto mul = v.getDefiningOp<onnx::MulOp>();
  if (mul && (root || mul->hasOneUse()) && factors.size() < 8) {
    collectFactors(mul.getA(), false, factors);
    collectFactors(mul.getB(), false, factors);
    return;
  }
  factors.push_back(v);
}

/// If `v` is `1 + f(..)` with `f` an op of type OpTy, that op.
template <typename OpTy> OpTy matchOnePlus(Value v) {
  auto add = v.getDefiningOp<onnx::AddOp>();
  if (!add)
    return nullptr;
  for (int i = 0; i < 2; ++i) {
    Value one = add->getOperand(i), other = add->getOperand(1 - i);
    if (graph::isSplatFloat(one, 1.0))
      if (auto op = other.getDefiningOp<OpTy>())
        return op;
  }
  return nullptr;
}

/// Whether `v` is `x` times the splat `c` (in any order), or, with `div`,
/// `x / (1/c)`.
bool isScaled(Value v, Value x, double c) {
  if (auto div = v.getDefiningOp<onnx::DivOp>())
    return div.getA() == x && graph::isSplatFloat(div.getB(), 1.0 / c);
  SmallVector<Value> f;
  collectFactors(v, true, f);
  return f.size() == 2 && ((f[0] == x && graph::isSplatFloat(f[1], c)) ||
                           (f[1] == x && graph::isSplatFloat(f[0], c)));
}

/// Whether `v` is x^3 (Pow(x, 3) or x*x*x).
bool isCube(Value v, Value x) {
  if (auto pow = v.getDefiningOp<onnx::PowOp>())
    return pow.getX() == x && graph::isSplatFloat(pow.getY(), 3.0);
  SmallVector<Value> f;
  collectFactors(v, true, f);
  return f.size() == 3 && llvm::all_of(f, [&](Value y) { return y == x; });
}

/// Whether `v` is sqrt(2/pi) * (x + 0.044715 * x^3).
bool isTanhArgument(Value v, Value x) {
  SmallVector<Value> f;
  collectFactors(v, true, f);
  if (f.size() != 2)
    return false;
  if (!graph::isSplatFloat(f[0], std::sqrt(2.0 / M_PI)))
    std::swap(f[0], f[1]);
  if (!graph::isSplatFloat(f[0], std::sqrt(2.0 / M_PI)))
    return false;
  auto add = f[1].getDefiningOp<onnx::AddOp>();
  if (!add)
    return false;
  for (int i = 0; i < 2; ++i) {
    if (add->getOperand(i) != x)
      continue;
    SmallVector<Value> g;
    collectFactors(add->getOperand(1 - i), true, g);
    // 0.044715 * x^3, where x^3 may itself be flattened into x, x, x.
    auto coeff = llvm::find_if(
        g, [](Value y) { return graph::isSplatFloat(y, 0.044715); });
    if (coeff == g.end())
      continue;
    g.erase(coeff);
    if ((g.size() == 1 && isCube(g[0], x)) ||
        (g.size() == 3 && llvm::all_of(g, [&](Value y) { return y == x; })))
      return true;
  }
  return false;
}

/// Rewrites the outer product x * 0.5 * (1 + erf|tanh(..)) into onnx.Gelu.
struct RecognizeGelu : OpRewritePattern<onnx::MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MulOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a ranked float tensor");
    SmallVector<Value> f;
    collectFactors(op.getResult(), true, f);
    if (f.size() != 3)
      return rewriter.notifyMatchFailure(op, "not a product of 3 factors");
    auto half =
        llvm::find_if(f, [](Value v) { return graph::isSplatFloat(v, 0.5); });
    if (half == f.end())
      return rewriter.notifyMatchFailure(op, "no 0.5 factor");
    f.erase(half);
    for (int i = 0; i < 2; ++i) {
      Value x = f[i], gate = f[1 - i];
      if (x.getType() != type)
        continue;
      StringRef approximate;
      if (auto erf = matchOnePlus<onnx::ErfOp>(gate)) {
        if (!isScaled(erf.getInput(), x, 1.0 / std::sqrt(2.0)))
          continue;
        approximate = "none";
      } else if (auto tanh = matchOnePlus<onnx::TanhOp>(gate)) {
        if (!isTanhArgument(tanh.getInput(), x))
          continue;
        approximate = "tanh";
      } else {
        continue;
      }
      rewriter.replaceOpWithNewOp<onnx::GeluOp>(op, type, x, approximate);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no erf or tanh gate of x");
  }
};

} // namespace

void populateRecognizeGeluPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeGelu>(patterns.getContext());
}

} // namespace kiln
