//===- FuseConvAffinePatterns.cpp - Conv + per-channel affine folding -----===//
//
// A Conv with constant weights followed by a per-channel affine map of its
// output folds the map into the weights and bias:
//   BatchNormalization (inference): s = scale / sqrt(var + eps)
//       W'[o] = W[o] * s[o],  b'[o] = (b[o] - mean[o]) * s[o] + B[o]
//   Mul by c (scalar, [C,1..] or [1,C,1..]):  W'[o] = W[o] * c[o], b' = b * c
//   Add of c (same shapes):                     b'[o] = b[o] + c[o]
// The Conv must have no other user. New weights are new resource blobs.
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// The single-use f32 Conv producing `v` with constant weights (and bias)
/// and a static result, with those weights and bias read.
struct ConvConstants {
  onnx::ConvOp conv;
  std::vector<float> weights;
  std::vector<float> bias; ///< Zeros when the Conv has none.
  int64_t channels;
};

FailureOr<ConvConstants> matchConv(Value v) {
  auto conv = v.getDefiningOp<onnx::ConvOp>();
  if (!conv || !conv->hasOneUse())
    return failure();
  auto type = dyn_cast<RankedTensorType>(conv.getType());
  auto wType = dyn_cast<RankedTensorType>(conv.getW().getType());
  if (!type || !type.getElementType().isF32() || type.getRank() < 2 || !wType ||
      !wType.hasStaticShape())
    return failure();
  ConvConstants c{conv, {}, {}, wType.getDimSize(0)};
  std::optional<std::vector<float>> w = graph::readF32(conv.getW());
  if (!w)
    return failure();
  c.weights = std::move(*w);
  if (isa<NoneType>(conv.getB().getType())) {
    c.bias.assign(c.channels, 0.0f);
  } else {
    std::optional<std::vector<float>> b = graph::readF32(conv.getB());
    if (!b || static_cast<int64_t>(b->size()) != c.channels)
      return failure();
    c.bias = std::move(*b);
  }
  return c;
}

/// A per-channel f32 constant for `channels` channels of a rank-`rank`
/// output: a scalar, [C, 1, ...] (rank-1 dims) or [1, C, 1, ...] (rank).
std::optional<std::vector<float>> readPerChannel(Value v, int64_t channels,
                                                 int64_t rank) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > rank)
    return std::nullopt;
  std::optional<std::vector<float>> values = graph::readF32(v);
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    return std::vector<float>(channels, (*values)[0]);
  // Broadcast aligns trailing dims: the channel dim is rank-1 dims from the
  // end, i.e. index getRank() - (rank - 1) of the constant.
  int64_t channelDim = type.getRank() - (rank - 1);
  if (channelDim < 0)
    return std::nullopt;
  for (auto [i, d] : llvm::enumerate(type.getShape()))
    if (static_cast<int64_t>(i) != channelDim && d != 1)
      return std::nullopt;
  if (type.getDimSize(channelDim) != channels)
    return std::nullopt;
  return values;
}

/// Replaces `root` by the Conv with weights scaled per output channel by
/// `scale` and bias `bias`.
void rewriteConv(PatternRewriter &rewriter, Operation *root, ConvConstants &c,
                 ArrayRef<float> scale, ArrayRef<float> bias) {
  int64_t perChannel = c.weights.size() / c.channels;
  for (int64_t o = 0; o < c.channels; ++o)
    for (int64_t i = 0; i < perChannel; ++i)
      c.weights[o * perChannel + i] *= scale[o];
  Location loc = c.conv.getLoc();
  rewriter.setInsertionPoint(c.conv);
  auto wType = cast<RankedTensorType>(c.conv.getW().getType());
  Value w =
      graph::makeF32Constant(rewriter, loc, wType, c.weights, "conv_folded_w");
  auto bType = RankedTensorType::get({c.channels}, wType.getElementType());
  Value b = graph::makeF32Constant(rewriter, loc, bType, bias, "conv_folded_b");
  rewriter.modifyOpInPlace(c.conv, [&] {
    c.conv->setOperand(1, w);
    c.conv->setOperand(2, b);
  });
  rewriter.replaceOp(root, c.conv.getResult());
}

struct FuseConvBatchNorm : OpRewritePattern<onnx::BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    if (bn.getTrainingMode() != 0 || !bn.getRunningMean().use_empty() ||
        !bn.getRunningVar().use_empty() ||
        bn.getY().getType() != bn.getX().getType())
      return rewriter.notifyMatchFailure(bn, "training mode");
    FailureOr<ConvConstants> c = matchConv(bn.getX());
    if (failed(c))
      return rewriter.notifyMatchFailure(bn, "no single-use constant Conv");
    auto read = [&](Value v) -> std::optional<std::vector<float>> {
      std::optional<std::vector<float>> r = graph::readF32(v);
      if (!r || static_cast<int64_t>(r->size()) != c->channels)
        return std::nullopt;
      return r;
    };
    auto scale = read(bn.getScale()), beta = read(bn.getB()),
         mean = read(bn.getInputMean()), var = read(bn.getInputVar());
    if (!scale || !beta || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "non-constant statistics");
    float eps = bn.getEpsilon().convertToFloat();
    std::vector<float> s(c->channels), b(c->channels);
    for (int64_t o = 0; o < c->channels; ++o) {
      s[o] = (*scale)[o] / std::sqrt((*var)[o] + eps);
      b[o] = (c->bias[o] - (*mean)[o]) * s[o] + (*beta)[o];
    }
    rewriteConv(rewriter, bn, *c, s, b);
    return success();
  }
};

/// Conv followed by Mul (scale) or Add (shift) of a per-channel constant.
template <typename OpTy, bool isMul>
struct FuseConvChannelOp : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      FailureOr<ConvConstants> c = matchConv(op->getOperand(i));
      if (failed(c) || op.getType() != c->conv.getType())
        continue;
      int64_t rank = cast<RankedTensorType>(c->conv.getType()).getRank();
      std::optional<std::vector<float>> k =
          readPerChannel(op->getOperand(1 - i), c->channels, rank);
      if (!k)
        continue;
      std::vector<float> scale(c->channels, 1.0f), bias(c->bias);
      for (int64_t o = 0; o < c->channels; ++o) {
        if (isMul) {
          scale[o] = (*k)[o];
          bias[o] *= (*k)[o];
        } else {
          bias[o] += (*k)[o];
        }
      }
      rewriteConv(rewriter, op, *c, scale, bias);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no Conv and per-channel constant");
  }
};

} // namespace

void populateFuseConvAffinePatterns(RewritePatternSet &patterns) {
  patterns.add<FuseConvBatchNorm, FuseConvChannelOp<onnx::MulOp, true>,
               FuseConvChannelOp<onnx::AddOp, false>>(patterns.getContext());
}

} // namespace kiln
