//===- RecognizeAttentionPatterns.cpp - Scaled dot-product attention ------===//
//
// Torch exports multi-head attention (nn.MultiheadAttention, BERT-style
// self-attention, F.scaled_dot_product_attention at opset < 23) as
//   s = MatMul(Q, Kt)                  Q [B,H,S,D], Kt [B,H,D,L]
//   s = Div(s, c) | Mul(s, c) | s      c a scalar constant
//   s = Add(s, mask) | Add(mask, s) | s
//   p = Softmax(s, axis=-1)
//   y = MatMul(p, V)                   V [B,H,L,Dv]
// which becomes one onnx.Attention (4-D form) with K = Transpose(Kt,
// [0,1,3,2]) and an explicit scale; onnx-simplify-layout then folds that
// Transpose into the one that produced Kt. The mask must be a float mask
// whose last dim is L (Attention pads a shorter one instead of
// broadcasting it).
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

using namespace mlir;

namespace kiln {
namespace {

/// A rank-4 ranked tensor type, or null.
RankedTensorType rank4(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == 4 ? type : nullptr;
}

/// Whether dims `a` and `b` are the same static size.
bool sameStatic(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && a == b;
}

/// MatMul(Q, Kt), optionally divided or multiplied by a scalar constant.
struct ScaledScores {
  onnx::MatMulOp matmul;
  double scale = 1.0;
};

/// Matches `s` as [Div|Mul](MatMul(Q, Kt), c) or MatMul(Q, Kt), every
/// intermediate used once.
std::optional<ScaledScores> matchScores(Value s) {
  ScaledScores scores;
  Operation *def = s.getDefiningOp();
  if (isa_and_nonnull<onnx::DivOp, onnx::MulOp>(def)) {
    // Div(s, c); Mul(s, c) or Mul(c, s).
    int constant = 1;
    std::optional<double> c = graph::getSplatFloat(def->getOperand(1));
    if (!c && isa<onnx::MulOp>(def)) {
      constant = 0;
      c = graph::getSplatFloat(def->getOperand(0));
    }
    if (!def->hasOneUse() || !c || *c == 0.0)
      return std::nullopt;
    scores.scale = isa<onnx::DivOp>(def) ? 1.0 / *c : *c;
    def = def->getOperand(1 - constant).getDefiningOp();
  }
  scores.matmul = dyn_cast_or_null<onnx::MatMulOp>(def);
  if (!scores.matmul || !scores.matmul->hasOneUse())
    return std::nullopt;
  return scores;
}

struct RecognizeAttention : OpRewritePattern<onnx::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MatMulOp root,
                                PatternRewriter &rewriter) const override {
    auto softmax = root.getA().getDefiningOp<onnx::SoftmaxOp>();
    if (!softmax || !softmax->hasOneUse())
      return rewriter.notifyMatchFailure(root, "not MatMul(Softmax(..), V)");
    RankedTensorType yType = rank4(root.getResult());
    RankedTensorType pType = rank4(softmax.getResult());
    RankedTensorType vType = rank4(root.getB());
    if (!yType || !pType || !vType ||
        !isa<FloatType>(yType.getElementType()))
      return rewriter.notifyMatchFailure(root, "not 4-D float tensors");
    if (softmax.getAxis() != -1 && softmax.getAxis() != 3)
      return rewriter.notifyMatchFailure(root, "softmax not on the last axis");

    // Optional mask Add, then optional scale, then the QK^T MatMul.
    Value scores = softmax.getInput();
    Value mask;
    std::optional<ScaledScores> qk = matchScores(scores);
    if (!qk) {
      auto add = scores.getDefiningOp<onnx::AddOp>();
      if (!add || !add->hasOneUse())
        return rewriter.notifyMatchFailure(root, "no Q*Kt before Softmax");
      for (int i = 0; i < 2 && !qk; ++i) {
        qk = matchScores(add->getOperand(i));
        mask = add->getOperand(1 - i);
        if (qk && !isValidMask(mask, pType))
          return rewriter.notifyMatchFailure(root, "unsupported mask");
      }
      if (!qk)
        return rewriter.notifyMatchFailure(root, "no Q*Kt before the mask");
    }
    onnx::MatMulOp matmul = qk->matmul;
    double scale = qk->scale;

    // Shapes: Q [B,H,S,D], Kt [B,H,D,L], V [B,H,L,Dv], P [B,H,S,L].
    RankedTensorType qType = rank4(matmul.getA());
    RankedTensorType ktType = rank4(matmul.getB());
    if (!qType || !ktType || qType.getElementType() != yType.getElementType() ||
        ktType.getElementType() != yType.getElementType() ||
        vType.getElementType() != yType.getElementType())
      return rewriter.notifyMatchFailure(root, "Q or Kt not 4-D");
    ArrayRef<int64_t> q = qType.getShape(), kt = ktType.getShape(),
                      v = vType.getShape(), p = pType.getShape();
    for (int d = 0; d < 2; ++d)
      if (!sameStatic(q[d], kt[d]) || !sameStatic(q[d], v[d]) ||
          !sameStatic(q[d], p[d]))
        return rewriter.notifyMatchFailure(root, "batch/head dims differ");
    if (!sameStatic(q[3], kt[2]) || !sameStatic(kt[3], v[2]) ||
        !sameStatic(kt[3], p[3]) || !sameStatic(q[2], p[2]))
      return rewriter.notifyMatchFailure(root, "not an attention product");

    Location loc = rewriter.getFusedLoc(
        {matmul.getLoc(), softmax.getLoc(), root.getLoc()});
    rewriter.setInsertionPoint(root);
    auto kType = RankedTensorType::get({kt[0], kt[1], kt[3], kt[2]},
                                       ktType.getElementType());
    Value k = onnx::TransposeOp::create(rewriter, matmul.getLoc(), kType,
                                        matmul.getB(),
                                        rewriter.getI64ArrayAttr({0, 1, 3, 2}));
    Value none = onnx::NoValueOp::create(rewriter, loc);
    if (!mask)
      mask = none;
    Type noneType = rewriter.getNoneType();
    auto attention = onnx::AttentionOp::create(
        rewriter, loc, yType, noneType, noneType, noneType, matmul.getA(), k,
        root.getB(), mask, none, none, none, /*is_causal=*/0,
        /*kv_num_heads=*/IntegerAttr(), /*q_num_heads=*/IntegerAttr(),
        /*qk_matmul_output_mode=*/0,
        rewriter.getF32FloatAttr(static_cast<float>(scale)),
        /*softcap=*/APFloat(0.0f), /*softmax_precision=*/IntegerAttr());
    rewriter.replaceOp(root, attention.getY());
    return success();
  }

  /// A float mask of the scores' element type, rank <= 4, whose last dim is
  /// the key length and whose other dims broadcast to the scores' dims.
  static bool isValidMask(Value mask, RankedTensorType scores) {
    auto type = dyn_cast<RankedTensorType>(mask.getType());
    if (!type || type.getElementType() != scores.getElementType() ||
        type.getRank() < 1 || type.getRank() > 4)
      return false;
    ArrayRef<int64_t> m = type.getShape(), s = scores.getShape();
    if (!sameStatic(m.back(), s.back()))
      return false;
    for (int64_t i = 1; i < type.getRank(); ++i) {
      int64_t md = m[m.size() - 1 - i], sd = s[s.size() - 1 - i];
      if (md != 1 && !sameStatic(md, sd))
        return false;
    }
    return true;
  }
};

} // namespace

void populateRecognizeAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeAttention>(patterns.getContext());
}

} // namespace kiln
