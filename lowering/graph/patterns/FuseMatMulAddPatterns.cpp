//===- FuseMatMulAddPatterns.cpp - MatMul + bias Add -> Gemm --------------===//
//
// Linear layers export as MatMul(x, W) followed by Add(b, ..) (either
// operand order). With x and W 2-D and b broadcastable to the result the
// pair is one Gemm(x, W, b). With `nd`, an N-D x of static shape times a 2-D
// W is flattened to 2-D first and the Gemm's result reshaped back, so the
// bias reaches the Gemm lowering as well (the reshapes are free views).
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

using namespace mlir;

namespace kiln {
namespace {

/// Whether a bias of `bias` type broadcasts unidirectionally to [m, n].
bool isGemmBias(RankedTensorType bias, int64_t m, int64_t n) {
  if (!bias || !bias.hasStaticShape() || bias.getRank() > 2)
    return false;
  ArrayRef<int64_t> s = bias.getShape();
  if (bias.getRank() == 0)
    return true;
  if (bias.getRank() == 1)
    return s[0] == n || s[0] == 1;
  return (s[0] == m || s[0] == 1) && (s[1] == n || s[1] == 1);
}

struct FuseMatMulAdd : OpRewritePattern<onnx::AddOp> {
  FuseMatMulAdd(MLIRContext *ctx, bool nd) : OpRewritePattern(ctx), nd(nd) {}

  LogicalResult matchAndRewrite(onnx::AddOp add,
                                PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      auto matmul = add->getOperand(i).getDefiningOp<onnx::MatMulOp>();
      Value bias = add->getOperand(1 - i);
      if (!matmul || !matmul->hasOneUse())
        continue;
      auto a = dyn_cast<RankedTensorType>(matmul.getA().getType());
      auto b = dyn_cast<RankedTensorType>(matmul.getB().getType());
      auto out = dyn_cast<RankedTensorType>(add.getType());
      if (!a || !b || !out || !a.hasStaticShape() || !b.hasStaticShape() ||
          !out.hasStaticShape() || b.getRank() != 2 || a.getRank() < 2 ||
          !isa<FloatType>(out.getElementType()) || out != matmul.getType())
        continue;
      if (a.getRank() > 2 && !nd)
        continue;
      int64_t k = a.getShape().back(), n = b.getDimSize(1);
      int64_t m = a.getNumElements() / k;
      auto biasType = dyn_cast<RankedTensorType>(bias.getType());
      // An N-D bias only broadcasts as a row vector once flattened.
      if (a.getRank() > 2 && biasType && biasType.getRank() > 1)
        continue;
      if (!isGemmBias(biasType, m, n))
        continue;

      Location loc = add.getLoc();
      Value lhs = matmul.getA();
      if (a.getRank() > 2) {
        Value shape = graph::makeI64Constant(rewriter, loc, {m, k});
        lhs = onnx::ReshapeOp::create(
            rewriter, loc, RankedTensorType::get({m, k}, a.getElementType()),
            lhs, shape);
      }
      auto gemmType = RankedTensorType::get({m, n}, out.getElementType());
      Value gemm =
          onnx::GemmOp::create(rewriter, loc, gemmType, lhs, matmul.getB(),
                               bias, APFloat(1.0f), APFloat(1.0f), 0, 0);
      if (a.getRank() > 2) {
        Value shape = graph::makeI64Constant(rewriter, loc, out.getShape());
        gemm = onnx::ReshapeOp::create(rewriter, loc, out, gemm, shape);
      }
      rewriter.replaceOp(add, gemm);
      rewriter.eraseOp(matmul);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no single-use MatMul + bias");
  }

  bool nd;
};

} // namespace

void populateFuseMatMulAddPatterns(RewritePatternSet &patterns, bool nd) {
  patterns.add<FuseMatMulAdd>(patterns.getContext(), nd);
}

} // namespace kiln
