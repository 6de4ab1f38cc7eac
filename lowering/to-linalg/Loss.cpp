//===- Loss.cpp - onnx NLL / SoftmaxCrossEntropy losses -> linalg ---------===//
//
// One generic over the target's shape gathers -input[n, target, d...] times
// the class weight (0 for ignore_index) and that weight; reduction "none"
// returns the losses, "sum" reduces them, "mean" divides their sum by the
// sum of the weights. SoftmaxCrossEntropyLoss feeds the same gather the
// log-softmax of its scores along the class axis (also its second result).
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// Gathers -input[n, target[n, d...], d...] * weight[target] (0 where the
/// target is `ignore`) and reduces per `reduction` ("none", "sum", or "mean":
/// sum over the summed weights). `input` is a ranked float [N, C, d...]
/// tensor, `target` an integer [N, d...] one, `weight` null or a [C] tensor.
/// Shared by NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
static Value buildNllLoss(OpBuilder &rewriter, Location loc, Value input,
                          Value target, Value weight,
                          std::optional<int64_t> ignore, StringRef reduction) {
  auto inType = cast<RankedTensorType>(input.getType());
  auto tType = cast<RankedTensorType>(target.getType());
  Type et = inType.getElementType();
  int64_t rank = tType.getRank();
  auto lossType = RankedTensorType::get(tType.getShape(), et);
  SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, target);
  Value lossInit = createEmpty(rewriter, loc, lossType, sizes);
  Value weightInit = createEmpty(rewriter, loc, lossType, sizes);
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext());
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{lossType, lossType}, ValueRange{target},
      ValueRange{lossInit, weightInit}, ArrayRef<AffineMap>{id, id, id},
      parallelIterators(rank), [&](OpBuilder &b, Location l, ValueRange args) {
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
        Value w = weight
                      ? tensor::ExtractOp::create(b, l, weight, ValueRange{cls})
                            .getResult()
                      : createScalarConstant(b, l, et, 1);
        w = arith::SelectOp::create(b, l, ignored,
                                    createScalarConstant(b, l, et, 0), w);
        Value loss =
            arith::NegFOp::create(b, l, arith::MulFOp::create(b, l, x, w));
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
  return result;
}

/// Checks the operand types shared by the two loss ops.
static LogicalResult checkLossOperands(Value input, Value target,
                                       StringRef reduction) {
  auto inType = dyn_cast<RankedTensorType>(input.getType());
  auto tType = dyn_cast<RankedTensorType>(target.getType());
  if (!inType || !tType || inType.getRank() < 2 ||
      tType.getRank() != inType.getRank() - 1 ||
      !isa<FloatType>(inType.getElementType()) ||
      !isa<IntegerType>(tType.getElementType()))
    return failure();
  return success(reduction == "none" || reduction == "sum" ||
                 reduction == "mean");
}

/// The converted type of `op`'s loss result 0, if its rank matches the
/// reduction's (that of `target` for "none", 0 otherwise).
static FailureOr<RankedTensorType>
getLossResultType(const TypeConverter &converter, Operation *op, Value target,
                  StringRef reduction) {
  RankedTensorType type = getConvertedResultType(converter, op, 0);
  int64_t rank = reduction == "none"
                     ? cast<RankedTensorType>(target.getType()).getRank()
                     : 0;
  if (!type || type.getRank() != rank)
    return failure();
  return type;
}

struct NllLossLowering
    : OpConversionPattern<onnx::NegativeLogLikelihoodLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::NegativeLogLikelihoodLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), target = adaptor.getTarget();
    StringRef reduction = op.getReduction();
    if (failed(checkLossOperands(input, target, reduction)))
      return rewriter.notifyMatchFailure(op, "expects [N, C, ...] input");
    Value weight = adaptor.getWeight();
    if (isa<NoneType>(weight.getType()))
      weight = Value();
    FailureOr<RankedTensorType> resultType =
        getLossResultType(*getTypeConverter(), op, target, reduction);
    if (failed(resultType))
      return rewriter.notifyMatchFailure(op, "result type");
    Value result = buildNllLoss(rewriter, loc, input, target, weight,
                                op.getIgnoreIndex(), reduction);
    if (result.getType() != *resultType)
      result = tensor::CastOp::create(rewriter, loc, *resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// SoftmaxCrossEntropyLoss: log_prob = LogSoftmax(scores) along the class
/// axis, loss = NegativeLogLikelihoodLoss(log_prob, labels, weights).
struct SoftmaxCrossEntropyLossLowering
    : OpConversionPattern<onnx::SoftmaxCrossEntropyLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SoftmaxCrossEntropyLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value scores = adaptor.getScores(), labels = adaptor.getLabels();
    StringRef reduction = op.getReduction();
    if (failed(checkLossOperands(scores, labels, reduction)))
      return rewriter.notifyMatchFailure(op, "expects [N, C, ...] scores");
    Value weight = adaptor.getWeights();
    if (isa<NoneType>(weight.getType()))
      weight = Value();
    FailureOr<RankedTensorType> resultType =
        getLossResultType(*getTypeConverter(), op, labels, reduction);
    if (failed(resultType))
      return rewriter.notifyMatchFailure(op, "result type");
    RankedTensorType logProbType;
    bool wantLogProb = !isa<NoneType>(op.getLogProb().getType()) &&
                       !op.getLogProb().use_empty();
    if (wantLogProb) {
      logProbType = getConvertedResultType(*getTypeConverter(), op, 1);
      if (!logProbType ||
          logProbType.getRank() !=
              cast<RankedTensorType>(scores.getType()).getRank())
        return rewriter.notifyMatchFailure(op, "log_prob type");
    }
    Value logProb = buildSoftmax(rewriter, loc, scores, /*axis=*/1,
                                 /*isLog=*/true);
    Value result = buildNllLoss(rewriter, loc, logProb, labels, weight,
                                op.getIgnoreIndex(), reduction);
    if (result.getType() != *resultType)
      result = tensor::CastOp::create(rewriter, loc, *resultType, result);
    Value logProbResult;
    if (wantLogProb) {
      logProbResult = logProb;
      if (logProb.getType() != logProbType)
        logProbResult =
            tensor::CastOp::create(rewriter, loc, logProbType, logProb);
    }
    rewriter.replaceOp(op, ValueRange{result, logProbResult});
    return success();
  }
};

} // namespace

void populateOnnxLossToLinalgPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<NllLossLowering, SoftmaxCrossEntropyLossLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
