//===- RecognizeLayerNormPatterns.cpp - LayerNorm subgraphs ---------------===//
//
// Torch < 1.13 (opset < 17) exports LayerNorm over the last axis as
//   m = ReduceMean(x, [-1]);  d = x - m
//   v = ReduceMean(Pow(d, 2), [-1]);  n = d / Sqrt(v + eps)
//   y = n * gamma + beta
// This becomes one LayerNormalization(x, gamma, beta, axis=-1, epsilon=eps).
// gamma and beta must be 1-D of the last dim's size (what torch exports);
// a missing beta (y = n * gamma) gives B = none.
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace kiln {
namespace {

/// Whether `mean` is ReduceMean(x) over the last axis only, keepdims.
bool isLastAxisMean(onnx::ReduceMeanOp mean, Value x) {
  if (!mean || mean.getData() != x || mean.getKeepdims() != 1)
    return false;
  auto type = dyn_cast<RankedTensorType>(x.getType());
  std::optional<std::vector<int64_t>> axes = graph::readI64(mean.getAxes());
  if (!type || !axes || axes->size() != 1)
    return false;
  int64_t axis = (*axes)[0];
  return axis == -1 || axis == type.getRank() - 1;
}

/// Whether `v` is a 1-D tensor of `size` elements.
bool isChannelVector(Value v, int64_t size) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == 1 && type.getDimSize(0) == size &&
         !ShapedType::isDynamic(size);
}

/// Matches the `Mul(normalized, gamma)` (+ optional `Add(.., beta)`) root.
struct RecognizeLayerNorm : OpRewritePattern<onnx::MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MulOp mul,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(mul.getType());
    if (!type || type.getRank() == 0 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(mul, "not a ranked float tensor");
    int64_t width = type.getShape().back();
    for (int i = 0; i < 2; ++i) {
      auto div = mul->getOperand(i).getDefiningOp<onnx::DivOp>();
      Value gamma = mul->getOperand(1 - i);
      if (!div || !div->hasOneUse() || !isChannelVector(gamma, width))
        continue;
      FailureOr<std::pair<Value, double>> norm = matchNormalized(div);
      if (failed(norm) || norm->first.getType() != type)
        continue;
      // An Add of a 1-D beta as the only user completes the pattern.
      Operation *root = mul;
      Value beta;
      if (mul->hasOneUse()) {
        if (auto add = dyn_cast<onnx::AddOp>(*mul->user_begin())) {
          Value other = add.getA() == mul.getResult() ? add.getB() : add.getA();
          if (isChannelVector(other, width) && add.getType() == type) {
            root = add;
            beta = other;
          }
        }
      }
      rewriter.setInsertionPoint(root);
      if (!beta)
        beta = onnx::NoValueOp::create(rewriter, mul.getLoc());
      Type none = rewriter.getNoneType();
      auto ln = onnx::LayerNormalizationOp::create(
          rewriter, root->getLoc(), type, none, none, norm->first, gamma, beta,
          /*axis=*/-1, APFloat(static_cast<float>(norm->second)),
          /*stash_type=*/1);
      rewriter.replaceOp(root, ln.getY());
      return success();
    }
    return rewriter.notifyMatchFailure(mul, "no normalized(x) * gamma");
  }

  /// If `div` is (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps), x and
  /// eps.
  static FailureOr<std::pair<Value, double>> matchNormalized(onnx::DivOp div) {
    auto sub = div.getA().getDefiningOp<onnx::SubOp>();
    auto sqrt = div.getB().getDefiningOp<onnx::SqrtOp>();
    if (!sub || !sqrt)
      return failure();
    Value x = sub.getA();
    if (!isLastAxisMean(sub.getB().getDefiningOp<onnx::ReduceMeanOp>(), x))
      return failure();
    auto addEps = sqrt.getX().getDefiningOp<onnx::AddOp>();
    if (!addEps)
      return failure();
    for (int i = 0; i < 2; ++i) {
      std::optional<double> eps =
          graph::getSplatFloat(addEps->getOperand(1 - i));
      auto var = addEps->getOperand(i).getDefiningOp<onnx::ReduceMeanOp>();
      if (!eps || !var)
        continue;
      auto pow = var.getData().getDefiningOp<onnx::PowOp>();
      Value d = sub.getResult();
      bool squared =
          pow ? pow.getX() == d && graph::isSplatFloat(pow.getY(), 2.0) : false;
      if (auto sq = var.getData().getDefiningOp<onnx::MulOp>())
        squared = sq.getA() == d && sq.getB() == d;
      if (squared && isLastAxisMean(var, var.getData()))
        return std::make_pair(x, *eps);
    }
    return failure();
  }
};

} // namespace

void populateRecognizeLayerNormPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeLayerNorm>(patterns.getContext());
}

} // namespace kiln
