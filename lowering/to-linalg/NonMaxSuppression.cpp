//===- NonMaxSuppression.cpp - greedy box selection -----------------------===//
//
// NonMaxSuppression as nested scf loops over (batch, class): the candidate
// with the highest score (lowest index on ties) that has not been looked at
// is taken next; it is kept unless its IoU with a box already kept for that
// class exceeds the threshold. Kept boxes are appended to an i64 buffer of
// capacity batches * classes * boxes whose used prefix is the result, a
// value-sized tensor that kiln-publish-data-dependent-results hands to the
// runtime when it is a graph output. The same order and comparisons as the
// ONNX reference implementation.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/DataDependentPatterns.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {
namespace {

/// The first element of an optional scalar (or one-element) operand, or
/// null when it is omitted.
Value extractOptionalScalar(OpBuilder &b, Location loc, Value operand) {
  auto type = dyn_cast<RankedTensorType>(operand.getType());
  if (!type)
    return {};
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, operand, zeros);
}

/// The [min, max] extent of one box along one axis: from corners
/// (center_point_box 0, `lo`/`hi` coordinates, either order) or from a
/// center and a size (center_point_box 1).
std::pair<Value, Value> boxExtent(OpBuilder &b, Location loc, Value first,
                                  Value second, bool centerPoint) {
  if (!centerPoint)
    return {arith::MinimumFOp::create(b, loc, first, second),
            arith::MaximumFOp::create(b, loc, first, second)};
  Value half = arith::DivFOp::create(
      b, loc, second, createScalarConstant(b, loc, second.getType(), 2.0));
  return {arith::SubFOp::create(b, loc, first, half),
          arith::AddFOp::create(b, loc, first, half)};
}

/// Whether boxes `i` and `j` of `batch` overlap by an IoU above
/// `threshold` (false for empty boxes or no overlap).
Value suppressByIou(OpBuilder &b, Location loc, Value boxes, Value batch,
                    Value i, Value j, bool centerPoint, Value threshold) {
  auto coord = [&](Value box, int64_t k) -> Value {
    return tensor::ExtractOp::create(
        b, loc, boxes,
        ValueRange{batch, box, arith::ConstantIndexOp::create(b, loc, k)});
  };
  // Corner boxes are [y1, x1, y2, x2]; center boxes [xc, yc, w, h].
  int64_t xa = centerPoint ? 0 : 1, xb = centerPoint ? 2 : 3;
  int64_t ya = centerPoint ? 1 : 0, yb = centerPoint ? 3 : 2;
  auto [x1Min, x1Max] = boxExtent(b, loc, coord(i, xa), coord(i, xb), centerPoint);
  auto [x2Min, x2Max] = boxExtent(b, loc, coord(j, xa), coord(j, xb), centerPoint);
  auto [y1Min, y1Max] = boxExtent(b, loc, coord(i, ya), coord(i, yb), centerPoint);
  auto [y2Min, y2Max] = boxExtent(b, loc, coord(j, ya), coord(j, yb), centerPoint);
  Value ixMin = arith::MaximumFOp::create(b, loc, x1Min, x2Min);
  Value ixMax = arith::MinimumFOp::create(b, loc, x1Max, x2Max);
  Value iyMin = arith::MaximumFOp::create(b, loc, y1Min, y2Min);
  Value iyMax = arith::MinimumFOp::create(b, loc, y1Max, y2Max);
  Value zero = createScalarConstant(b, loc, threshold.getType(), 0.0);
  auto gt = [&](Value lhs, Value rhs) -> Value {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, lhs, rhs);
  };
  Value area1 = arith::MulFOp::create(b, loc,
                                      arith::SubFOp::create(b, loc, x1Max, x1Min),
                                      arith::SubFOp::create(b, loc, y1Max, y1Min));
  Value area2 = arith::MulFOp::create(b, loc,
                                      arith::SubFOp::create(b, loc, x2Max, x2Min),
                                      arith::SubFOp::create(b, loc, y2Max, y2Min));
  Value inter = arith::MulFOp::create(b, loc,
                                      arith::SubFOp::create(b, loc, ixMax, ixMin),
                                      arith::SubFOp::create(b, loc, iyMax, iyMin));
  Value unionArea = arith::SubFOp::create(
      b, loc, arith::AddFOp::create(b, loc, area1, area2), inter);
  Value iou = arith::DivFOp::create(b, loc, inter, unionArea);
  Value ok = gt(ixMax, ixMin);
  for (Value cond : {gt(iyMax, iyMin), gt(inter, zero), gt(area1, zero),
                     gt(area2, zero), gt(unionArea, zero), gt(iou, threshold)})
    ok = arith::AndIOp::create(b, loc, ok, cond);
  return ok;
}

struct NonMaxSuppressionLowering
    : OpConversionPattern<onnx::NonMaxSuppressionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::NonMaxSuppressionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value boxes = adaptor.getBoxes();
    Value scores = adaptor.getScores();
    auto boxesType = dyn_cast<RankedTensorType>(boxes.getType());
    auto scoresType = dyn_cast<RankedTensorType>(scores.getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
    if (!boxesType || !scoresType || !resultType || boxesType.getRank() != 3 ||
        scoresType.getRank() != 3 || resultType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expects ranked 3-D inputs");
    int64_t centerPointBox = op.getCenterPointBox();
    if (centerPointBox != 0 && centerPointBox != 1)
      return rewriter.notifyMatchFailure(op, "center_point_box is not 0 or 1");
    bool centerPoint = centerPointBox == 1;
    Type f = boxesType.getElementType();
    Type i64 = rewriter.getI64Type();
    Type indexType = rewriter.getIndexType();

    // Omitted inputs: at most 0 boxes, IoU threshold 0, no score filter.
    Value maxOut = extractOptionalScalar(rewriter, loc,
                                         adaptor.getMaxOutputBoxesPerClass());
    if (maxOut)
      maxOut = arith::IndexCastOp::create(rewriter, loc, indexType, maxOut);
    else
      maxOut = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value iouThreshold =
        extractOptionalScalar(rewriter, loc, adaptor.getIouThreshold());
    if (!iouThreshold)
      iouThreshold = createScalarConstant(rewriter, loc, f, 0.0);
    Value scoreThreshold =
        extractOptionalScalar(rewriter, loc, adaptor.getScoreThreshold());

    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value numBatches = getDimValue(rewriter, loc, boxes, 0);
    Value numBoxes = getDimValue(rewriter, loc, boxes, 1);
    Value numClasses = getDimValue(rewriter, loc, scores, 1);
    emitRuntimeCheck(
        rewriter, op,
        arith::AndIOp::create(
            rewriter, loc,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                  numBatches,
                                  getDimValue(rewriter, loc, scores, 0)),
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                  numBoxes,
                                  getDimValue(rewriter, loc, scores, 2))),
        "boxes and scores disagree on the batch or box count");
    emitRuntimeCheck(
        rewriter, op,
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                              getDimValue(rewriter, loc, boxes, 2),
                              arith::ConstantIndexOp::create(rewriter, loc, 4)),
        "boxes do not have 4 coordinates");
    Value capacity = arith::MulIOp::create(
        rewriter, loc,
        arith::MulIOp::create(rewriter, loc, numBatches, numClasses), numBoxes);
    auto bufferType = RankedTensorType::get({ShapedType::kDynamic, 3}, i64);
    Value buffer = createEmpty(rewriter, loc, bufferType,
                               {capacity, rewriter.getIndexAttr(3)});
    auto maskType = RankedTensorType::get({ShapedType::kDynamic},
                                          rewriter.getI1Type());

    auto batchLoop = scf::ForOp::create(
        rewriter, loc, c0, numBatches, c1, ValueRange{buffer, c0},
        [&](OpBuilder &b, Location l, Value batch, ValueRange batchIter) {
          auto classLoop = scf::ForOp::create(
              b, l, c0, numClasses, c1, batchIter,
              [&](OpBuilder &cb, Location cl, Value cls, ValueRange iter) {
                SmallVector<Value> next = selectForClass(
                    cb, cl, boxes, scores, batch, cls, iter[0], iter[1],
                    maxOut, iouThreshold, scoreThreshold, centerPoint,
                    maskType);
                scf::YieldOp::create(cb, cl, next);
              });
          scf::YieldOp::create(b, l, classLoop.getResults());
        });
    Value count = batchLoop.getResult(1);
    Value result = tensor::ExtractSliceOp::create(
        rewriter, loc, batchLoop.getResult(0),
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0),
                               rewriter.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{count, rewriter.getIndexAttr(3)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1),
                               rewriter.getIndexAttr(1)});
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// Greedy selection for one (batch, class): appends rows to `out` from
  /// row `count` on; returns the new {out, count}.
  static SmallVector<Value>
  selectForClass(OpBuilder &b, Location loc, Value boxes, Value scores,
                 Value batch, Value cls, Value out, Value count, Value maxOut,
                 Value iouThreshold, Value scoreThreshold, bool centerPoint,
                 RankedTensorType maskType) {
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value numBoxes = getDimValue(b, loc, boxes, 1);
    Type i64 = b.getI64Type();
    Value falseV = arith::ConstantIntOp::create(b, loc, 0, 1);
    Value trueV = arith::ConstantIntOp::create(b, loc, 1, 1);
    // done[i]: box i was looked at, or its score is not above the threshold.
    Value done = createEmpty(b, loc, maskType, {numBoxes});
    auto init = scf::ForOp::create(
        b, loc, c0, numBoxes, c1, ValueRange{done},
        [&](OpBuilder &lb, Location l, Value i, ValueRange iter) {
          Value flag = falseV;
          if (scoreThreshold) {
            Value s = tensor::ExtractOp::create(lb, l, scores,
                                                ValueRange{batch, cls, i});
            flag = arith::CmpFOp::create(lb, l, arith::CmpFPredicate::ULE, s,
                                         scoreThreshold);
          }
          scf::YieldOp::create(
              lb, l,
              ValueRange{tensor::InsertOp::create(lb, l, flag, iter[0], i)});
        });
    done = init.getResult(0);
    Value classStart = count;
    Value batch64 = arith::IndexCastOp::create(b, loc, i64, batch);
    Value cls64 = arith::IndexCastOp::create(b, loc, i64, cls);
    Value none = arith::ConstantIndexOp::create(b, loc, -1);
    Type f = cast<RankedTensorType>(scores.getType()).getElementType();
    // One step per box: at most numBoxes candidates.
    auto steps = scf::ForOp::create(
        b, loc, c0, numBoxes, c1, ValueRange{done, out, count},
        [&](OpBuilder &sb, Location l, Value, ValueRange iter) {
          Value kept = arith::SubIOp::create(sb, l, iter[2], classStart);
          Value room = arith::CmpIOp::create(sb, l, arith::CmpIPredicate::slt,
                                             kept, maxOut);
          auto ifRoom = scf::IfOp::create(
              sb, l, room,
              [&](OpBuilder &tb, Location tl) {
                // The best remaining candidate (first on ties).
                auto best = scf::ForOp::create(
                    tb, tl, c0, numBoxes, c1,
                    ValueRange{none, createScalarConstant(tb, tl, f, 0.0)},
                    [&](OpBuilder &fb, Location fl, Value i, ValueRange acc) {
                      Value isDone = tensor::ExtractOp::create(
                          fb, fl, iter[0], ValueRange{i});
                      Value s = tensor::ExtractOp::create(
                          fb, fl, scores, ValueRange{batch, cls, i});
                      Value noneYet = arith::CmpIOp::create(
                          fb, fl, arith::CmpIPredicate::eq, acc[0], none);
                      Value better = arith::OrIOp::create(
                          fb, fl, noneYet,
                          arith::CmpFOp::create(fb, fl,
                                                arith::CmpFPredicate::OGT, s,
                                                acc[1]));
                      Value take = arith::AndIOp::create(
                          fb, fl,
                          arith::XOrIOp::create(fb, fl, isDone, trueV),
                          better);
                      scf::YieldOp::create(
                          fb, fl,
                          ValueRange{
                              arith::SelectOp::create(fb, fl, take, i, acc[0]),
                              arith::SelectOp::create(fb, fl, take, s,
                                                      acc[1])});
                    });
                Value bestIndex = best.getResult(0);
                Value found = arith::CmpIOp::create(
                    tb, tl, arith::CmpIPredicate::ne, bestIndex, none);
                auto ifFound = scf::IfOp::create(
                    tb, tl, found,
                    [&](OpBuilder &gb, Location gl) {
                      Value nextDone = tensor::InsertOp::create(
                          gb, gl, trueV, iter[0], ValueRange{bestIndex});
                      // Suppressed by a box kept before for this class?
                      auto check = scf::ForOp::create(
                          gb, gl, classStart, iter[2], c1, ValueRange{falseV},
                          [&](OpBuilder &kb, Location kl, Value r,
                              ValueRange acc) {
                            Value other = tensor::ExtractOp::create(
                                kb, kl, iter[1],
                                ValueRange{r, arith::ConstantIndexOp::create(
                                                  kb, kl, 2)});
                            other = arith::IndexCastOp::create(
                                kb, kl, kb.getIndexType(), other);
                            Value hit = suppressByIou(kb, kl, boxes, batch,
                                                      bestIndex, other,
                                                      centerPoint, iouThreshold);
                            scf::YieldOp::create(
                                kb, kl,
                                ValueRange{
                                    arith::OrIOp::create(kb, kl, acc[0], hit)});
                          });
                      Value suppressed = check.getResult(0);
                      auto ifKeep = scf::IfOp::create(
                          gb, gl, suppressed,
                          [&](OpBuilder &eb, Location el) {
                            scf::YieldOp::create(
                                eb, el, ValueRange{iter[1], iter[2]});
                          },
                          [&](OpBuilder &kb, Location kl) {
                            Value row = iter[1];
                            Value box64 = arith::IndexCastOp::create(
                                kb, kl, i64, bestIndex);
                            Value entries[] = {batch64, cls64, box64};
                            for (int64_t k = 0; k < 3; ++k)
                              row = tensor::InsertOp::create(
                                  kb, kl, entries[k], row,
                                  ValueRange{iter[2],
                                             arith::ConstantIndexOp::create(
                                                 kb, kl, k)});
                            Value next =
                                arith::AddIOp::create(kb, kl, iter[2], c1);
                            scf::YieldOp::create(kb, kl,
                                                 ValueRange{row, next});
                          });
                      scf::YieldOp::create(
                          gb, gl,
                          ValueRange{nextDone, ifKeep.getResult(0),
                                     ifKeep.getResult(1)});
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el, iter);
                    });
                scf::YieldOp::create(tb, tl, ifFound.getResults());
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter);
              });
          scf::YieldOp::create(sb, l, ifRoom.getResults());
        });
    return {steps.getResult(1), steps.getResult(2)};
  }
};

} // namespace

void populateOnnxNonMaxSuppressionToLinalgPatterns(
    TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<NonMaxSuppressionLowering>(converter, patterns.getContext());
}

} // namespace kiln
