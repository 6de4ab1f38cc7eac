//===- Loss.cpp - onnx NegativeLogLikelihoodLoss -> linalg ----------------===//
//
// One generic over the target's shape gathers -input[n, target, d...] times
// the class weight (0 for ignore_index) and that weight; reduction "none"
// returns the losses, "sum" reduces them, "mean" divides their sum by the
// sum of the weights.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

struct NllLossLowering : OpConversionPattern<onnx::NegativeLogLikelihoodLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::NegativeLogLikelihoodLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), target = adaptor.getTarget();
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    auto tType = dyn_cast<RankedTensorType>(target.getType());
    if (!inType || !tType || inType.getRank() < 2 ||
        tType.getRank() != inType.getRank() - 1 ||
        !isa<FloatType>(inType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects [N, C, ...] input");
    StringRef reduction = op.getReduction();
    if (reduction != "none" && reduction != "sum" && reduction != "mean")
      return rewriter.notifyMatchFailure(op, "unknown reduction");
    Value weight = adaptor.getWeight();
    if (isa<NoneType>(weight.getType()))
      weight = Value();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op, 0);
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "result type");
    Type et = inType.getElementType();
    std::optional<int64_t> ignore = op.getIgnoreIndex();
    int64_t rank = tType.getRank();
    auto lossType = RankedTensorType::get(tType.getShape(), et);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, target);
    Value lossInit = createEmpty(rewriter, loc, lossType, sizes);
    Value weightInit = createEmpty(rewriter, loc, lossType, sizes);
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, getContext());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{lossType, lossType}, ValueRange{target},
        ValueRange{lossInit, weightInit}, ArrayRef<AffineMap>{id, id, id},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value t = args[0];
          Value ignored = arith::ConstantOp::create(b, l, b.getBoolAttr(false));
          if (ignore)
            ignored = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, t,
                arith::ConstantOp::create(
                    b, l, b.getIntegerAttr(t.getType(), *ignore)));
          Value zeroT =
              arith::ConstantOp::create(b, l, b.getIntegerAttr(t.getType(), 0));
          Value cls = arith::IndexCastOp::create(
              b, l, b.getIndexType(),
              arith::SelectOp::create(b, l, ignored, zeroT, t));
          SmallVector<Value> idx = {linalg::IndexOp::create(b, l, 0), cls};
          for (int64_t d = 1; d < rank; ++d)
            idx.push_back(linalg::IndexOp::create(b, l, d));
          Value x = tensor::ExtractOp::create(b, l, input, idx);
          Value w = weight ? tensor::ExtractOp::create(b, l, weight,
                                                       ValueRange{cls})
                                 .getResult()
                           : createScalarConstant(b, l, et, 1);
          w = arith::SelectOp::create(b, l, ignored,
                                      createScalarConstant(b, l, et, 0), w);
          Value loss = arith::NegFOp::create(
              b, l, arith::MulFOp::create(b, l, x, w));
          linalg::YieldOp::create(b, l, ValueRange{loss, w});
        });
    Value losses = generic.getResult(0);
    Value result = losses;
    if (reduction != "none") {
      SmallVector<int64_t> axes;
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
      auto add = [](OpBuilder &b, Location l, ValueRange args) -> Value {
        return arith::AddFOp::create(b, l, args[0], args[1]);
      };
      Value zero = createScalarConstant(rewriter, loc, et, 0);
      result = buildReduction(rewriter, loc, losses, axes, zero, add);
      if (reduction == "mean") {
        Value wsum =
            buildReduction(rewriter, loc, generic.getResult(1), axes, zero, add);
        result = buildInternalBroadcast(
            rewriter, loc, {result, wsum}, result, et,
            [](OpBuilder &b, Location l, ValueRange args) -> Value {
              return arith::DivFOp::create(b, l, args[0], args[1]);
            });
      }
    }
    if (resultType.getRank() != cast<RankedTensorType>(result.getType()).getRank())
      return rewriter.notifyMatchFailure(op, "result rank");
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxLossToLinalgPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<NllLossLowering>(converter, patterns.getContext());
}

} // namespace kiln
