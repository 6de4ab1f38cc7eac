//===- SimplifyLayoutPatterns.cpp - Transpose/Reshape elimination ---------===//
//
// Transpose(Transpose(x, p), q) is one Transpose(x, p∘q), dropped when the
// composition is the identity; a Transpose with the identity perm is its
// input. Reshape(Reshape(x)) is one Reshape of x; a Reshape (or Flatten,
// Squeeze, Unsqueeze) to the static type its input already has is its input.
// A 4-D Attention whose Q, K and V are the heads of [B, S, heads, H] tensors
// transposed to [B, heads, S, H] becomes the 3-D form on [B, S, heads * H]
// (q_num_heads/kv_num_heads), Y transposed back: the lowering then reads the
// heads in place and the Transposes on both sides cancel.
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

using namespace mlir;

namespace kiln {
namespace {

/// The perm of `op` (reversed dims when absent), if its input is ranked.
std::optional<SmallVector<int64_t>> getPerm(onnx::TransposeOp op) {
  auto type = dyn_cast<RankedTensorType>(op.getData().getType());
  if (!type)
    return std::nullopt;
  SmallVector<int64_t> perm;
  if (std::optional<ArrayAttr> attr = op.getPerm()) {
    for (Attribute a : *attr)
      perm.push_back(cast<IntegerAttr>(a).getInt());
  } else {
    for (int64_t i = type.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != type.getRank())
    return std::nullopt;
  return perm;
}

bool isIdentity(ArrayRef<int64_t> perm) {
  for (auto [i, p] : llvm::enumerate(perm))
    if (p != static_cast<int64_t>(i))
      return false;
  return true;
}

struct FoldTransposes : OpRewritePattern<onnx::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> perm = getPerm(op);
    if (!perm)
      return rewriter.notifyMatchFailure(op, "unranked input");
    if (isIdentity(*perm) && op.getData().getType() == op.getType()) {
      rewriter.replaceOp(op, op.getData());
      return success();
    }
    auto inner = op.getData().getDefiningOp<onnx::TransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "not a transpose of a transpose");
    std::optional<SmallVector<int64_t>> innerPerm = getPerm(inner);
    if (!innerPerm || innerPerm->size() != perm->size())
      return rewriter.notifyMatchFailure(op, "unranked inner input");
    // out[i] = mid[perm[i]] = in[innerPerm[perm[i]]].
    SmallVector<int64_t> composed;
    for (int64_t p : *perm) {
      if (p < 0 || p >= static_cast<int64_t>(perm->size()))
        return rewriter.notifyMatchFailure(op, "perm out of range");
      composed.push_back((*innerPerm)[p]);
    }
    if (isIdentity(composed) && inner.getData().getType() == op.getType()) {
      rewriter.replaceOp(op, inner.getData());
      return success();
    }
    rewriter.replaceOpWithNewOp<onnx::TransposeOp>(
        op, op.getType(), inner.getData(), rewriter.getI64ArrayAttr(composed));
    return success();
  }
};

/// Shape-only ops whose result type equals their static input type.
template <typename OpTy> struct DropIdentityReshape : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type || !type.hasStaticShape() || type != op->getResult(0).getType())
      return rewriter.notifyMatchFailure(op, "changes the type");
    rewriter.replaceOp(op, input);
    return success();
  }
};

/// Reshape of a shape-only op (Reshape, Flatten, Squeeze, Unsqueeze): one
/// Reshape of the original input to the static result shape.
struct FoldReshapes : OpRewritePattern<onnx::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *inner = op.getData().getDefiningOp();
    if (!inner || !isa<onnx::ReshapeOp, onnx::FlattenOp, onnx::SqueezeOp,
                       onnx::UnsqueezeOp>(inner))
      return rewriter.notifyMatchFailure(op, "input is not a reshape");
    auto out = dyn_cast<RankedTensorType>(op.getType());
    auto in = dyn_cast<RankedTensorType>(inner->getOperand(0).getType());
    if (!out || !out.hasStaticShape() || !in || !in.hasStaticShape() ||
        llvm::is_contained(out.getShape(), 0))
      return rewriter.notifyMatchFailure(op, "not static or empty");
    Value shape = graph::makeI64Constant(rewriter, op.getLoc(), out.getShape());
    rewriter.replaceOpWithNewOp<onnx::ReshapeOp>(op, out, inner->getOperand(0),
                                                 shape);
    return success();
  }
};

/// Unary elementwise op on a Reshape whose users are all Reshapes: the op
/// moves before the Reshape, so the two Reshapes meet and fold (the
/// Reshape -> Gelu -> Reshape between two flattened Gemms).
template <typename OpTy>
struct SinkReshapeThroughUnary : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto reshape = op->getOperand(0).template getDefiningOp<onnx::ReshapeOp>();
    if (!reshape || !reshape->hasOneUse() || op->use_empty() ||
        !llvm::all_of(op->getUsers(),
                      [](Operation *u) { return isa<onnx::ReshapeOp>(u); }))
      return rewriter.notifyMatchFailure(op, "not between Reshapes");
    auto in = dyn_cast<RankedTensorType>(reshape.getData().getType());
    auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!in || !in.hasStaticShape() || !out || !out.hasStaticShape() ||
        llvm::is_contained(out.getShape(), 0))
      return rewriter.notifyMatchFailure(op, "not static");
    auto newType = RankedTensorType::get(in.getShape(), out.getElementType());
    Operation *moved = rewriter.clone(*op);
    rewriter.modifyOpInPlace(moved, [&] {
      moved->setOperand(0, reshape.getData());
      moved->getResult(0).setType(newType);
    });
    Value shape =
        graph::makeI64Constant(rewriter, op->getLoc(), out.getShape());
    rewriter.replaceOpWithNewOp<onnx::ReshapeOp>(op, out, moved->getResult(0),
                                                 shape);
    return success();
  }
};

/// Attention(Transpose(Xq), Transpose(Xk), Transpose(Xv)) with perms
/// [0, 2, 1, 3], no past or present key/value and no qk output: the 3-D
/// Attention of the Xs reshaped to [B, S, heads * H], with Y =
/// Transpose(Reshape(Y3, [B, S, heads, Hv]), [0, 2, 1, 3]).
struct AttentionHeadsInPlace : OpRewritePattern<onnx::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    for (unsigned r = 1; r < 4; ++r)
      if (!isa<NoneType>(op->getResult(r).getType()))
        return rewriter.notifyMatchFailure(op, "present or qk outputs");
    if (!isa<NoneType>(op.getPastKey().getType()) ||
        !isa<NoneType>(op.getPastValue().getType()) ||
        !isa<NoneType>(op.getNonpadKvSeqlen().getType()))
      return rewriter.notifyMatchFailure(op, "past key/value");
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!yType || yType.getRank() != 4 || !yType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "not a static 4-D Y");
    // Each of Q/K/V: the [B, S, heads, H] source of a [0, 2, 1, 3] Transpose.
    SmallVector<Value> sources;
    SmallVector<int64_t> heads;
    for (Value v : {op.getQ(), op.getK(), op.getV()}) {
      auto t = v.getDefiningOp<onnx::TransposeOp>();
      std::optional<SmallVector<int64_t>> perm;
      if (t)
        perm = getPerm(t);
      if (!perm || *perm != ArrayRef<int64_t>{0, 2, 1, 3})
        return rewriter.notifyMatchFailure(op, "Q/K/V not transposed heads");
      auto src = dyn_cast<RankedTensorType>(t.getData().getType());
      if (!src || !src.hasStaticShape() || src.getRank() != 4 ||
          llvm::is_contained(src.getShape(), 0))
        return rewriter.notifyMatchFailure(op, "heads not static");
      sources.push_back(t.getData());
      heads.push_back(src.getDimSize(2));
    }
    if (heads[1] != heads[2] || heads[0] % heads[1])
      return rewriter.notifyMatchFailure(op, "K and V heads differ");
    SmallVector<Value> flat;
    for (Value src : sources) {
      ArrayRef<int64_t> s = cast<RankedTensorType>(src.getType()).getShape();
      SmallVector<int64_t> shape3 = {s[0], s[1], s[2] * s[3]};
      flat.push_back(onnx::ReshapeOp::create(
          rewriter, op.getLoc(),
          RankedTensorType::get(
              shape3, cast<RankedTensorType>(src.getType()).getElementType()),
          src, graph::makeI64Constant(rewriter, op.getLoc(), shape3)));
    }
    ArrayRef<int64_t> y = yType.getShape(); // [B, heads, S, Hv]
    auto y3Type = RankedTensorType::get({y[0], y[2], y[1] * y[3]},
                                        yType.getElementType());
    Type none = rewriter.getNoneType();
    auto attention = onnx::AttentionOp::create(
        rewriter, op.getLoc(), y3Type, none, none, none, flat[0], flat[1],
        flat[2], op.getAttnMask(), op.getPastKey(), op.getPastValue(),
        op.getNonpadKvSeqlen(), op.getIsCausalAttr(),
        rewriter.getI64IntegerAttr(heads[1]),
        rewriter.getI64IntegerAttr(heads[0]), op.getQkMatmulOutputModeAttr(),
        op.getScaleAttr(), op.getSoftcapAttr(), op.getSoftmaxPrecisionAttr());
    Value shape = graph::makeI64Constant(rewriter, op.getLoc(),
                                         {y[0], y[2], y[1], y[3]});
    Value y4 = onnx::ReshapeOp::create(
        rewriter, op.getLoc(),
        RankedTensorType::get({y[0], y[2], y[1], y[3]}, yType.getElementType()),
        attention.getY(), shape);
    Value back = onnx::TransposeOp::create(rewriter, op.getLoc(), yType, y4,
                                           rewriter.getI64ArrayAttr({0, 2, 1, 3}));
    SmallVector<Value> results = {back};
    for (unsigned r = 1; r < 4; ++r)
      results.push_back(attention->getResult(r));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateSimplifyLayoutPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns
      .add<FoldTransposes, FoldReshapes, DropIdentityReshape<onnx::ReshapeOp>,
           DropIdentityReshape<onnx::FlattenOp>,
           DropIdentityReshape<onnx::SqueezeOp>,
           DropIdentityReshape<onnx::UnsqueezeOp>, AttentionHeadsInPlace>(ctx);
  patterns.add<SinkReshapeThroughUnary<onnx::GeluOp>,
               SinkReshapeThroughUnary<onnx::ReluOp>,
               SinkReshapeThroughUnary<onnx::SigmoidOp>,
               SinkReshapeThroughUnary<onnx::TanhOp>,
               SinkReshapeThroughUnary<onnx::ErfOp>>(ctx);
}

} // namespace kiln
