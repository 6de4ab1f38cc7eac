//===- RotaryEmbedding.cpp - onnx RotaryEmbedding -> linalg ---------------===//
//
// RotaryEmbedding (opset 23) on static shapes. A 3-D input [B, S, N * D] is
// viewed as [B, S, N, D]; a 4-D one is [B, N, S, D] and read in place. The
// first rotary_embedding_dim entries of every head are one generic that
// reads each element's rotation partner (the other half, or the other entry
// of its pair when interleaved) and its cos/sin entry with tensor.extract;
// the cache row is cache[position_ids[b, s]] or cache[b, s]. The entries past
// rotary_embedding_dim are copied through (the rotated slice is inserted
// into the input). position_ids outside the cache fail a run-time check.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// Checks at run time that every entry of `positions` lies in [0, rows).
void checkPositions(OpBuilder &b, Operation *op, Value positions,
                    int64_t rows) {
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(positions.getType());
  MLIRContext *ctx = b.getContext();
  auto flagType = RankedTensorType::get({}, b.getI1Type());
  Value init = createFilled(b, loc, flagType, {},
                            arith::ConstantIntOp::create(b, loc, 1, 1));
  int64_t rank = type.getRank();
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  Value flag =
      linalg::GenericOp::create(
          b, loc, TypeRange{flagType}, ValueRange{positions}, ValueRange{init},
          ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              AffineMap::get(rank, 0, {}, ctx)},
          iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Type et = args[0].getType();
            Value lo = arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::sge, args[0],
                arith::ConstantOp::create(nb, l, nb.getIntegerAttr(et, 0)));
            Value hi = arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::slt, args[0],
                arith::ConstantOp::create(nb, l, nb.getIntegerAttr(et, rows)));
            Value ok = arith::AndIOp::create(
                nb, l, args[1], arith::AndIOp::create(nb, l, lo, hi));
            linalg::YieldOp::create(nb, l, ValueRange{ok});
          })
          .getResult(0);
  Value ok = tensor::ExtractOp::create(b, loc, flag, ValueRange{});
  emitRuntimeCheck(b, op, ok,
                   "position_ids out of range of the cos/sin caches (0.." +
                       Twine(rows - 1) + ")");
}

struct RotaryEmbeddingLowering
    : OpConversionPattern<onnx::RotaryEmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::RotaryEmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), cosCache = adaptor.getCosCache(),
          sinCache = adaptor.getSinCache(), positions = adaptor.getPositionIds();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto cosType = dyn_cast<RankedTensorType>(cosCache.getType());
    auto sinType = dyn_cast<RankedTensorType>(sinCache.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !cosType || !sinType || !resultType ||
        !xType.hasStaticShape() || !cosType.hasStaticShape() ||
        !sinType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "expects static shapes");
    Type et = xType.getElementType();
    if (cosType != sinType || cosType.getElementType() != et ||
        resultType != xType)
      return rewriter.notifyMatchFailure(op, "mismatched types");
    int64_t rank = xType.getRank();
    if (rank != 3 && rank != 4)
      return rewriter.notifyMatchFailure(op, "input must be 3-D or 4-D");

    // The heads view: [B, S, N, D] for 3-D input, [B, N, S, D] for 4-D.
    Value heads = x;
    int64_t seqDim = 2;
    if (rank == 3) {
      std::optional<uint64_t> numHeads = op.getNumHeads();
      int64_t n = numHeads ? static_cast<int64_t>(*numHeads) : 0;
      if (n <= 0 || xType.getDimSize(2) % n)
        return rewriter.notifyMatchFailure(
            op, "3-D input needs num_heads dividing the hidden size");
      ArrayRef<int64_t> s = xType.getShape();
      heads = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({s[0], s[1], n, s[2] / n}, et), x,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
      seqDim = 1;
    }
    auto headsType = cast<RankedTensorType>(heads.getType());
    int64_t batch = headsType.getDimSize(0);
    int64_t seq = headsType.getDimSize(seqDim);
    int64_t headSize = headsType.getDimSize(3);
    int64_t rot = static_cast<int64_t>(op.getRotaryEmbeddingDim());
    if (rot == 0)
      rot = headSize;
    if (rot < 0 || rot > headSize || rot % 2)
      return rewriter.notifyMatchFailure(
          op, "rotary_embedding_dim must be even and at most the head size");
    int64_t half = rot / 2;

    // The caches are [P, half] read at position_ids [B, S], or [B, S, half];
    // batch and sequence dims of size 1 broadcast (numpy indexing).
    bool hasPositions = !isa<NoneType>(positions.getType());
    auto broadcastable = [&](ArrayRef<int64_t> bs) {
      return (bs[0] == batch || bs[0] == 1) && (bs[1] == seq || bs[1] == 1);
    };
    int64_t rows = 0;
    ArrayRef<int64_t> batchSeq;
    if (hasPositions) {
      auto posType = dyn_cast<RankedTensorType>(positions.getType());
      if (!posType || !posType.hasStaticShape() || posType.getRank() != 2 ||
          cosType.getRank() != 2)
        return rewriter.notifyMatchFailure(
            op, "expects 2-D position_ids and 2-D caches");
      batchSeq = posType.getShape();
      rows = cosType.getDimSize(0);
    } else {
      if (cosType.getRank() != 3)
        return rewriter.notifyMatchFailure(
            op, "expects 3-D caches without position_ids");
      batchSeq = cosType.getShape().take_front(2);
    }
    if (!broadcastable(batchSeq))
      return rewriter.notifyMatchFailure(
          op, "caches/position_ids do not match the batch and sequence");
    if (cosType.getShape().back() != half)
      return rewriter.notifyMatchFailure(
          op, "cache last dim is not rotary_embedding_dim / 2");
    if (hasPositions)
      checkPositions(rewriter, op, positions, rows);

    // The rotated entries [.., :rot] of every head.
    Value rotIn = heads;
    SmallVector<int64_t> rotShape(headsType.getShape());
    rotShape[3] = rot;
    auto rotType = RankedTensorType::get(rotShape, et);
    auto zeros = SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(0));
    auto ones = SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> rotSizes;
    for (int64_t d : rotShape)
      rotSizes.push_back(rewriter.getIndexAttr(d));
    if (rot != headSize)
      rotIn = tensor::ExtractSliceOp::create(rewriter, loc, rotType, heads,
                                             zeros, rotSizes, ones);
    bool interleaved = op.getInterleaved() != 0;
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    Value init = tensor::EmptyOp::create(rewriter, loc, rotShape, et);
    Value rotated =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{rotType}, ValueRange{rotIn},
            ValueRange{init}, ArrayRef<AffineMap>{id, id},
            parallelIterators(4),
            [&](OpBuilder &nb, Location l, ValueRange args) {
              auto c = [&](int64_t v) {
                return arith::ConstantIndexOp::create(nb, l, v).getResult();
              };
              Value d = linalg::IndexOp::create(nb, l, 3);
              // `first`: the real part (x1 of the pair), rotated against
              // the partner x2; else the imaginary part.
              Value first, freq, partner;
              if (interleaved) {
                Value odd = arith::RemUIOp::create(nb, l, d, c(2));
                first = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                              odd, c(0));
                freq = arith::DivUIOp::create(nb, l, d, c(2));
                partner = arith::SelectOp::create(
                    nb, l, first, arith::AddIOp::create(nb, l, d, c(1)),
                    arith::SubIOp::create(nb, l, d, c(1)));
              } else {
                first = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult,
                                              d, c(half));
                Value low = arith::SubIOp::create(nb, l, d, c(half));
                freq = arith::SelectOp::create(nb, l, first, d, low);
                partner = arith::SelectOp::create(
                    nb, l, first, arith::AddIOp::create(nb, l, d, c(half)),
                    low);
              }
              SmallVector<Value> at;
              for (int64_t i = 0; i < 3; ++i)
                at.push_back(linalg::IndexOp::create(nb, l, i));
              at.push_back(partner);
              Value other = tensor::ExtractOp::create(nb, l, rotIn, at);
              // Cache coordinates: broadcast dims of size 1 read entry 0.
              auto bsIndex = [&](int64_t which, int64_t loopDim) -> Value {
                if (batchSeq[which] == 1)
                  return c(0);
                return linalg::IndexOp::create(nb, l, loopDim);
              };
              Value bi = bsIndex(0, 0), si = bsIndex(1, seqDim);
              SmallVector<Value> cacheAt;
              if (hasPositions) {
                Value p = tensor::ExtractOp::create(nb, l, positions,
                                                    ValueRange{bi, si});
                cacheAt = {arith::IndexCastOp::create(nb, l, nb.getIndexType(),
                                                      p),
                           freq};
              } else {
                cacheAt = {bi, si, freq};
              }
              Value cs = tensor::ExtractOp::create(nb, l, cosCache, cacheAt);
              Value sn = tensor::ExtractOp::create(nb, l, sinCache, cacheAt);
              // real = cos * x1 - sin * x2; imag = sin * x1 + cos * x2.
              Value own = arith::MulFOp::create(nb, l, cs, args[0]);
              Value cross = arith::MulFOp::create(nb, l, sn, other);
              Value y = arith::SelectOp::create(
                  nb, l, first, arith::SubFOp::create(nb, l, own, cross),
                  arith::AddFOp::create(nb, l, cross, own));
              linalg::YieldOp::create(nb, l, ValueRange{y});
            })
            .getResult(0);

    Value result = rotated;
    if (rot != headSize)
      result = tensor::InsertSliceOp::create(rewriter, loc, rotated, heads,
                                             zeros, rotSizes, ones);
    if (rank == 3)
      result = tensor::CollapseShapeOp::create(
          rewriter, loc, xType, result,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxRotaryEmbeddingToLinalgPatterns(
    TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<RotaryEmbeddingLowering>(converter, patterns.getContext());
}

} // namespace kiln
