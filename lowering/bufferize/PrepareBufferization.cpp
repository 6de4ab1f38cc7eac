//===- PrepareBufferization.cpp - tensor IR the bufferizer accepts --------===//
//
// Patterns that normalize verified tensor IR into the form one-shot
// bufferization turns into verified memref IR, and the pass applying them.
//
//===----------------------------------------------------------------------===//

#include "lowering/bufferize/PrepareBufferization.h"

#include "lowering/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNPREPAREBUFFERIZATION
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// tensor.expand_shape with an SSA output size where the result dim is
/// static: drop the operand (memref.expand_shape requires static there).
struct StaticExpandShapeSizes : public OpRewritePattern<tensor::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResultType();
    SmallVector<int64_t> staticShape(op.getStaticOutputShape());
    SmallVector<Value> dynamicSizes;
    auto dynamic = op.getOutputShape().begin();
    bool changed = false;
    for (auto [dim, size] : llvm::enumerate(staticShape)) {
      if (!ShapedType::isDynamic(size))
        continue;
      Value value = *dynamic++;
      if (type.isDynamicDim(dim)) {
        dynamicSizes.push_back(value);
        continue;
      }
      size = type.getDimSize(dim);
      changed = true;
    }
    if (!changed)
      return rewriter.notifyMatchFailure(op, "output sizes already match");
    rewriter.modifyOpInPlace(op, [&] {
      op.getOutputShapeMutable().assign(dynamicSizes);
      op.setStaticOutputShape(staticShape);
    });
    return success();
  }
};

struct PrepareBufferizationPass
    : public kiln::impl::KilnPrepareBufferizationBase<
          PrepareBufferizationPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    kiln::populatePrepareBufferizationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void kiln::populatePrepareBufferizationPatterns(RewritePatternSet &patterns) {
  patterns.add<StaticExpandShapeSizes>(patterns.getContext());
}
