//===- Attention.cpp - onnx Attention -> linalg ---------------------------===//
//
// Attention (opset 23/24) on static shapes. 3-D Q/K/V [B, S, heads * H]
// without past or present key/value are read in place as [B, S, heads, H]
// views by strided contractions, and Y is written in that order (no
// transposes; the CPU backend turns both contractions into GEMM microkernel
// calls). Otherwise they are split into heads and transposed to
// [B, heads, S, H]; past key/value are
// concatenated along the sequence. Q·Kᵀ is one contraction generic that reads
// the K head of a query head with `h floordiv (q_heads / kv_heads)` (grouped
// query attention without materialized repeats). Scale and softcap, then the
// bias (attn_mask, bool or additive, padded with -inf when shorter than the
// total sequence, plus the causal triangle offset by the past length) are
// elementwise generics; a max/exp/sum/div softmax over the last dim and a
// second contraction with V give Y. qk_matmul_output follows the reference:
// modes 0/1 before the bias, 2 after it, 3 after the softmax.
// nonpad_kv_seqlen and dynamic shapes are not lowered.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace kiln {
namespace {

/// [B, S, heads * H] -> [B, heads, S, H]; 4-D values pass through.
Value splitHeads(OpBuilder &b, Location loc, Value v, int64_t heads) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 4)
    return v;
  ArrayRef<int64_t> s = type.getShape();
  Type et = type.getElementType();
  auto expanded = RankedTensorType::get({s[0], s[1], heads, s[2] / heads}, et);
  Value e = tensor::ExpandShapeOp::create(
      b, loc, expanded, v, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  Value init = tensor::EmptyOp::create(
      b, loc, SmallVector<int64_t>{s[0], heads, s[1], s[2] / heads}, et);
  return linalg::TransposeOp::create(b, loc, e, init,
                                     ArrayRef<int64_t>{0, 2, 1, 3})
      ->getResult(0);
}

/// Concatenates `past` and `cur` along dim 2 (null `past`: `cur`).
Value concatSequence(OpBuilder &b, Location loc, Value past, Value cur) {
  if (!past)
    return cur;
  auto pt = cast<RankedTensorType>(past.getType());
  auto ct = cast<RankedTensorType>(cur.getType());
  SmallVector<int64_t> shape(ct.getShape());
  shape[2] += pt.getDimSize(2);
  Value out = tensor::EmptyOp::create(b, loc, shape, ct.getElementType());
  auto insert = [&](Value src, Value dst, int64_t offset) {
    auto t = cast<RankedTensorType>(src.getType());
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
    offsets[2] = b.getIndexAttr(offset);
    SmallVector<OpFoldResult> sizes, strides(4, b.getIndexAttr(1));
    for (int64_t d : t.getShape())
      sizes.push_back(b.getIndexAttr(d));
    return tensor::InsertSliceOp::create(b, loc, src, dst, offsets, sizes,
                                         strides)
        .getResult();
  };
  out = insert(past, out, 0);
  return insert(cur, out, pt.getDimSize(2));
}

/// out[outMap] += lhs[lhsMap] * rhs[rhsMap] over the loops (b, h, i, j, r),
/// r the reduction, into a zero-filled tensor of `outShape`.
Value contract(OpBuilder &b, Location loc, Value lhs, AffineMap lhsMap,
               Value rhs, AffineMap rhsMap, ArrayRef<int64_t> outShape,
               AffineMap outMap) {
  Type et = cast<RankedTensorType>(lhs.getType()).getElementType();
  auto outType = RankedTensorType::get(outShape, et);
  Value init = createFilled(b, loc, outType, {},
                            createScalarConstant(b, loc, et, 0));
  SmallVector<utils::IteratorType> iterators = parallelIterators(4);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{lhs, rhs}, ValueRange{init},
             ArrayRef<AffineMap>{lhsMap, rhsMap, outMap}, iterators,
             [](OpBuilder &nb, Location l, ValueRange args) {
               Value p = arith::MulFOp::create(nb, l, args[0], args[1]);
               linalg::YieldOp::create(
                   nb, l, ValueRange{arith::AddFOp::create(nb, l, args[2], p)});
             })
      .getResult(0);
}

/// out[b, h, i, j] = sum_d lhs[b, h, i, d] * rhs[b, h / group, <rhsMap>]:
/// with `transposedRhs` rhs is read as [.., j, d] (Q·Kᵀ), else lhs is the
/// probabilities [.., i, j] and rhs V [.., j, e].
Value contractHeads(OpBuilder &b, Location loc, Value lhs, Value rhs,
                    int64_t group, bool transposedRhs) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  MLIRContext *ctx = b.getContext();
  AffineExpr bb = getAffineDimExpr(0, ctx), h = getAffineDimExpr(1, ctx),
             i = getAffineDimExpr(2, ctx), j = getAffineDimExpr(3, ctx),
             r = getAffineDimExpr(4, ctx);
  AffineExpr kvHead = h.floorDiv(group);
  AffineMap lhsMap = AffineMap::get(5, 0, {bb, h, i, r}, ctx);
  AffineMap rhsMap =
      transposedRhs ? AffineMap::get(5, 0, {bb, kvHead, j, r}, ctx)
                    : AffineMap::get(5, 0, {bb, kvHead, r, j}, ctx);
  AffineMap outMap = AffineMap::get(5, 0, {bb, h, i, j}, ctx);
  int64_t cols = transposedRhs ? rt.getDimSize(2) : rt.getDimSize(3);
  return contract(b, loc, lhs, lhsMap, rhs, rhsMap,
                  {lt.getDimSize(0), lt.getDimSize(1), lt.getDimSize(2), cols},
                  outMap);
}

/// [B, S, heads * H] -> [B, S, heads, H] (a view, no copy).
Value expandHeads(OpBuilder &b, Location loc, Value v, int64_t heads) {
  auto type = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> s = type.getShape();
  auto expanded = RankedTensorType::get({s[0], s[1], heads, s[2] / heads},
                                        type.getElementType());
  return tensor::ExpandShapeOp::create(
      b, loc, expanded, v, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// Softmax over the last dim of a 4-D tensor.
Value softmaxLastDim(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  Type et = type.getElementType();
  SmallVector<int64_t> axes = {3};
  Value maxes = buildReduction(
      b, loc, x, axes, createLowestValue(b, loc, et, false),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::MaximumFOp::create(nb, l, args[0], args[1]);
      });
  Value keptMax = restoreReducedDims(b, loc, maxes, type, axes);
  Value exps = buildInternalBroadcast(
      b, loc, {x, keptMax}, x, et,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return math::ExpOp::create(
            nb, l, arith::SubFOp::create(nb, l, args[0], args[1]));
      });
  Value sums = buildReduction(
      b, loc, exps, axes, createScalarConstant(b, loc, et, 0),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::AddFOp::create(nb, l, args[0], args[1]);
      });
  Value keptSum = restoreReducedDims(b, loc, sums, type, axes);
  return buildInternalBroadcast(
      b, loc, {exps, keptSum}, x, et,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, l, args[0], args[1]);
      });
}

struct AttentionLowering : OpConversionPattern<onnx::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV();
    auto qType = dyn_cast<RankedTensorType>(q.getType());
    auto kType = dyn_cast<RankedTensorType>(k.getType());
    auto vType = dyn_cast<RankedTensorType>(v.getType());
    if (!qType || !kType || !vType || !qType.hasStaticShape() ||
        !kType.hasStaticShape() || !vType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "expects static Q/K/V shapes");
    int64_t rank = qType.getRank();
    if ((rank != 3 && rank != 4) || kType.getRank() != rank ||
        vType.getRank() != rank)
      return rewriter.notifyMatchFailure(op, "Q/K/V must all be 3-D or 4-D");
    Type et = qType.getElementType();
    if (!isa<FloatType>(et) || kType.getElementType() != et ||
        vType.getElementType() != et)
      return rewriter.notifyMatchFailure(op, "mixed element types");
    // float16/bfloat16 attention computes in f32 and rounds each result
    // once (the ONNX reference's numbers: numpy promotes through the f64
    // scale); present_key/value round-trip exactly.
    Type storageEt = et;
    et = getAccumulationType(et);
    // Widens the float operands (not a bool mask, not an omitted one).
    auto widen = [&](Value x) -> Value {
      auto t = dyn_cast<RankedTensorType>(x.getType());
      return t && t.getElementType() == storageEt
                 ? castElements(rewriter, loc, x, et)
                 : x;
    };
    q = widen(q);
    k = widen(k);
    v = widen(v);
    Value widenedMask = widen(adaptor.getAttnMask());
    Value widenedPastK = widen(adaptor.getPastKey());
    Value widenedPastV = widen(adaptor.getPastValue());
    int64_t qHeads, kvHeads;
    if (rank == 3) {
      if (!op.getQNumHeads() || !op.getKvNumHeads() ||
          *op.getQNumHeads() <= 0 || *op.getKvNumHeads() <= 0)
        return rewriter.notifyMatchFailure(
            op, "3-D inputs need q_num_heads and kv_num_heads");
      qHeads = *op.getQNumHeads();
      kvHeads = *op.getKvNumHeads();
      if (qType.getDimSize(2) % qHeads || kType.getDimSize(2) % kvHeads ||
          vType.getDimSize(2) % kvHeads)
        return rewriter.notifyMatchFailure(op, "hidden size not divisible");
    } else {
      qHeads = qType.getDimSize(1);
      kvHeads = kType.getDimSize(1);
    }
    if (kvHeads <= 0 || qHeads % kvHeads)
      return rewriter.notifyMatchFailure(op, "q heads not a multiple of kv");
    int64_t group = qHeads / kvHeads;

    // 3-D inputs without past or present key/value: the heads are read in
    // place ([B, S, heads, H] views, strided contractions that become GEMM
    // microkernel calls) and Y is written in [B, S, heads, H] order, so no
    // transpose is materialized.
    bool headsInPlace = rank == 3 &&
                        isa<NoneType>(adaptor.getPastKey().getType()) &&
                        isa<NoneType>(adaptor.getPastValue().getType()) &&
                        isa<NoneType>(op->getResult(1).getType()) &&
                        isa<NoneType>(op->getResult(2).getType());
    AffineExpr db = getAffineDimExpr(0, ctx), dh = getAffineDimExpr(1, ctx),
               di = getAffineDimExpr(2, ctx), dj = getAffineDimExpr(3, ctx),
               dr = getAffineDimExpr(4, ctx);
    AffineExpr kvHead = dh.floorDiv(group);
    Value scores, presentK, presentV, vHeads;
    int64_t pastLen = 0;
    double headSize;
    if (headsInPlace) {
      Value qE = expandHeads(rewriter, loc, q, qHeads);
      Value kE = expandHeads(rewriter, loc, k, kvHeads);
      vHeads = expandHeads(rewriter, loc, v, kvHeads);
      scores = contract(
          rewriter, loc, qE, AffineMap::get(5, 0, {db, di, dh, dr}, ctx), kE,
          AffineMap::get(5, 0, {db, dj, kvHead, dr}, ctx),
          {qType.getDimSize(0), qHeads, qType.getDimSize(1),
           kType.getDimSize(1)},
          AffineMap::get(5, 0, {db, dh, di, dj}, ctx));
      headSize = qType.getDimSize(2) / qHeads;
    } else {
      q = splitHeads(rewriter, loc, q, qHeads);
      k = splitHeads(rewriter, loc, k, kvHeads);
      v = splitHeads(rewriter, loc, v, kvHeads);
      auto pastOf = [&](Value p) -> FailureOr<Value> {
        if (isa<NoneType>(p.getType()))
          return Value();
        auto t = dyn_cast<RankedTensorType>(p.getType());
        if (!t || t.getRank() != 4 || !t.hasStaticShape() ||
            t.getElementType() != et)
          return failure();
        return p;
      };
      FailureOr<Value> pastK = pastOf(widenedPastK);
      FailureOr<Value> pastV = pastOf(widenedPastV);
      if (failed(pastK) || failed(pastV))
        return rewriter.notifyMatchFailure(op,
                                           "past key/value must be static");
      pastLen =
          *pastK ? cast<RankedTensorType>((*pastK).getType()).getDimSize(2)
                 : 0;
      presentK = concatSequence(rewriter, loc, *pastK, k);
      presentV = concatSequence(rewriter, loc, *pastV, v);
      scores = contractHeads(rewriter, loc, q, presentK, group, true);
      headSize = cast<RankedTensorType>(q.getType()).getDimSize(3);
    }
    auto qk = cast<RankedTensorType>(scores.getType());
    int64_t total = qk.getDimSize(3);

    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(headSize);
    double softcap = op.getSoftcap().convertToDouble();
    auto scaleBody = [&](OpBuilder &nb, Location l, Value s) -> Value {
      s = arith::MulFOp::create(nb, l, s,
                                createScalarConstant(nb, l, et, scale));
      if (softcap > 0) {
        Value c = createScalarConstant(nb, l, et, softcap);
        s = arith::MulFOp::create(
            nb, l, math::TanhOp::create(nb, l, arith::DivFOp::create(nb, l, s, c)),
            c);
      }
      return s;
    };
    // With no qk_matmul_output, the scaled and biased scores are never
    // materialized (see the fused softmax below).
    bool fusedSoftmax =
        headsInPlace && isa<NoneType>(op->getResult(3).getType());
    Value capped = scores;
    if (!fusedSoftmax)
      capped = buildInternalBroadcast(
          rewriter, loc, {scores}, scores, et,
          [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
            return scaleBody(nb, l, args[0]);
          });

    // Bias: the mask (padded to the total length) and the causal triangle.
    Value mask = widenedMask;
    SmallVector<Value> inputs = {capped};
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(4, ctx)};
    bool boolMask = false;
    if (!isa<NoneType>(mask.getType())) {
      auto mt = dyn_cast<RankedTensorType>(mask.getType());
      if (!mt || !mt.hasStaticShape() || mt.getRank() < 2 || mt.getRank() > 4)
        return rewriter.notifyMatchFailure(op, "attn_mask must be static 2-4D");
      boolMask = mt.getElementType().isInteger(1);
      if (!boolMask && mt.getElementType() != et)
        return rewriter.notifyMatchFailure(op, "attn_mask element type");
      int64_t mrank = mt.getRank();
      if (mt.getDimSize(mrank - 1) > total)
        return rewriter.notifyMatchFailure(op, "attn_mask longer than keys");
      if (mt.getDimSize(mrank - 1) < total) {
        SmallVector<int64_t> shape(mt.getShape());
        shape[mrank - 1] = total;
        auto padded = RankedTensorType::get(shape, mt.getElementType());
        Value fill =
            boolMask ? Value(arith::ConstantOp::create(
                           rewriter, loc, rewriter.getBoolAttr(false)))
                     : createScalarConstant(
                           rewriter, loc, et,
                           -std::numeric_limits<double>::infinity());
        Value base = createFilled(rewriter, loc, padded, {}, fill);
        SmallVector<OpFoldResult> zeros(mrank, rewriter.getIndexAttr(0)),
            ones(mrank, rewriter.getIndexAttr(1)), sizes;
        for (int64_t d : mt.getShape())
          sizes.push_back(rewriter.getIndexAttr(d));
        mask = tensor::InsertSliceOp::create(rewriter, loc, mask, base, zeros,
                                             sizes, ones);
        mt = padded;
      }
      SmallVector<AffineExpr> exprs;
      for (int64_t d = 0; d < mrank; ++d) {
        int64_t outDim = 4 - mrank + d;
        int64_t size = mt.getDimSize(d);
        if (size == 1 && qk.getDimSize(outDim) != 1)
          exprs.push_back(getAffineConstantExpr(0, ctx));
        else if (size == qk.getDimSize(outDim))
          exprs.push_back(getAffineDimExpr(outDim, ctx));
        else
          return rewriter.notifyMatchFailure(op, "attn_mask not broadcastable");
      }
      inputs.push_back(mask);
      maps.push_back(AffineMap::get(4, 0, exprs, ctx));
    }
    bool hasMask = inputs.size() > 1;
    // nonpad_kv_seqlen[b]: keys at j >= it are padding, masked like the
    // causal triangle.
    Value nonpad = adaptor.getNonpadKvSeqlen();
    bool hasNonpad = !isa<NoneType>(nonpad.getType());
    if (hasNonpad) {
      auto nt = dyn_cast<RankedTensorType>(nonpad.getType());
      if (!nt || nt.getRank() != 1 || !nt.getElementType().isInteger(64) ||
          (!nt.isDynamicDim(0) && nt.getDimSize(0) != qk.getDimSize(0)))
        return rewriter.notifyMatchFailure(
            op, "nonpad_kv_seqlen must be an int64 [batch] tensor");
      inputs.push_back(nonpad);
      maps.push_back(AffineMap::get(4, 0, {getAffineDimExpr(0, ctx)}, ctx));
    }
    bool causal = op.getIsCausal() != 0;
    // The generic's mask and nonpad_kv_seqlen elements (null without them).
    auto maskArg = [&](ValueRange args) {
      return hasMask ? args[1] : Value();
    };
    auto nonpadArg = [&](ValueRange args) {
      return hasNonpad ? args[hasMask ? 2 : 1] : Value();
    };
    // The mask (element `m`), the padding limit `np` and the causal triangle
    // applied to score `s` at loop indices (.., i = 2, j = 3).
    auto biasBody = [&](OpBuilder &nb, Location l, Value s, Value m,
                        Value np) -> Value {
      Value negInf = createScalarConstant(
          nb, l, et, -std::numeric_limits<double>::infinity());
      if (m)
        s = boolMask
                ? arith::SelectOp::create(nb, l, m, s, negInf).getResult()
                : arith::AddFOp::create(nb, l, s, m).getResult();
      if (np) {
        Value j = arith::IndexCastOp::create(nb, l, nb.getI64Type(),
                                             linalg::IndexOp::create(nb, l, 3));
        Value padding =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, j, np);
        s = arith::SelectOp::create(nb, l, padding,
                                    arith::AddFOp::create(nb, l, s, negInf), s);
      }
      if (causal) {
        Value i = linalg::IndexOp::create(nb, l, 2);
        Value j = linalg::IndexOp::create(nb, l, 3);
        Value limit = arith::AddIOp::create(
            nb, l, i, arith::ConstantIndexOp::create(nb, l, pastLen));
        Value masked =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sgt, j, limit);
        s = arith::SelectOp::create(nb, l, masked,
                                    arith::AddFOp::create(nb, l, s, negInf), s);
      }
      return s;
    };
    Value biased = capped, probs, rowSums;
    if (fusedSoftmax) {
      // Softmax in three passes over the raw scores, the scale and bias
      // recomputed on the fly: the row max of the biased scores, then
      // e = exp(biased - max) in place, then the row sums; Y is divided by
      // them after the product with V (fewer elements than P when H < T).
      auto score = [&](OpBuilder &nb, Location l, ValueRange args) {
        return biasBody(nb, l, scaleBody(nb, l, args[0]), maskArg(args),
                        nonpadArg(args));
      };
      auto rowType = RankedTensorType::get(
          {qk.getDimSize(0), qk.getDimSize(1), qk.getDimSize(2)}, et);
      AffineMap rowMap = AffineMap::get(
          4, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                 getAffineDimExpr(2, ctx)},
          ctx);
      SmallVector<utils::IteratorType> rowIterators = parallelIterators(3);
      rowIterators.push_back(utils::IteratorType::reduction);
      Value maxInit = createFilled(rewriter, loc, rowType, {},
                                   createLowestValue(rewriter, loc, et, false));
      SmallVector<AffineMap> maxMaps(maps);
      maxMaps.push_back(rowMap);
      Value maxes =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{rowType}, inputs, ValueRange{maxInit},
              maxMaps, rowIterators,
              [&](OpBuilder &nb, Location l, ValueRange args) {
                // maxnum (NaN-ignoring, which LLVM vectorizes): a NaN score
                // still makes its row's sum, hence its Y row, NaN.
                Value v = score(nb, l, args);
                linalg::YieldOp::create(
                    nb, l,
                    ValueRange{arith::MaxNumFOp::create(nb, l, v, args.back())});
              })
              .getResult(0);
      SmallVector<Value> expInputs(inputs);
      expInputs.push_back(maxes);
      SmallVector<AffineMap> expMaps(maps);
      expMaps.push_back(rowMap);
      expMaps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
      Value expInit = tensor::EmptyOp::create(rewriter, loc, qk.getShape(), et);
      probs = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{qk}, expInputs, ValueRange{expInit},
                  expMaps, parallelIterators(4),
                  [&](OpBuilder &nb, Location l, ValueRange args) {
                    Value v = score(nb, l, args);
                    Value e = math::ExpOp::create(
                        nb, l,
                        arith::SubFOp::create(nb, l, v, args[args.size() - 2]));
                    linalg::YieldOp::create(nb, l, ValueRange{e});
                  })
                  .getResult(0);
      SmallVector<int64_t> axes = {3};
      rowSums = buildReduction(
          rewriter, loc, probs, axes, createScalarConstant(rewriter, loc, et, 0),
          [](OpBuilder &nb, Location l, ValueRange args) -> Value {
            return arith::AddFOp::create(nb, l, args[0], args[1]);
          });
    } else {
      if (hasMask || hasNonpad || causal) {
        Value init = tensor::EmptyOp::create(rewriter, loc, qk.getShape(), et);
        maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
        biased = linalg::GenericOp::create(
                     rewriter, loc, TypeRange{qk}, inputs, ValueRange{init},
                     maps, parallelIterators(4),
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       Value s = biasBody(nb, l, args[0], maskArg(args),
                                          nonpadArg(args));
                       linalg::YieldOp::create(nb, l, ValueRange{s});
                     })
                     .getResult(0);
      }
      probs = softmaxLastDim(rewriter, loc, biased);
    }
    Value y;
    if (headsInPlace) {
      // Y[b, i, h, e] = sum_j P[b, h, i, j] * V[b, j, h / group, e].
      auto vt = cast<RankedTensorType>(vHeads.getType());
      int64_t b0 = qk.getDimSize(0), s0 = qk.getDimSize(2),
              hv = vt.getDimSize(3);
      y = contract(rewriter, loc, probs,
                   AffineMap::get(5, 0, {db, dh, di, dr}, ctx), vHeads,
                   AffineMap::get(5, 0, {db, dr, kvHead, dj}, ctx),
                   {b0, s0, qHeads, hv},
                   AffineMap::get(5, 0, {db, di, dh, dj}, ctx));
      if (rowSums) {
        // Y[b, i, h, e] /= sum[b, h, i].
        AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
        AffineMap sumMap = AffineMap::get(
            4, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx),
                   getAffineDimExpr(1, ctx)},
            ctx);
        y = linalg::GenericOp::create(
                rewriter, loc, TypeRange{y.getType()}, ValueRange{rowSums},
                ValueRange{y}, ArrayRef<AffineMap>{sumMap, id},
                parallelIterators(4),
                [](OpBuilder &nb, Location l, ValueRange args) {
                  linalg::YieldOp::create(
                      nb, l,
                      ValueRange{arith::DivFOp::create(nb, l, args[1], args[0])});
                })
                .getResult(0);
      }
      y = tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get({b0, s0, qHeads * hv}, et), y,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    } else {
      y = contractHeads(rewriter, loc, probs, presentV, group, false);
      if (rank == 3) {
        auto yt = cast<RankedTensorType>(y.getType());
        ArrayRef<int64_t> s = yt.getShape();
        Value init = tensor::EmptyOp::create(
            rewriter, loc, SmallVector<int64_t>{s[0], s[2], s[1], s[3]}, et);
        Value t = linalg::TransposeOp::create(rewriter, loc, y, init,
                                              ArrayRef<int64_t>{0, 2, 1, 3})
                      ->getResult(0);
        y = tensor::CollapseShapeOp::create(
            rewriter, loc,
            RankedTensorType::get({s[0], s[2], s[1] * s[3]}, et), t,
            SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
      }
    }

    int64_t mode = op.getQkMatmulOutputMode();
    Value qkOut = mode == 3 ? probs : mode == 2 ? biased : capped;
    SmallVector<Value> candidates = {y, presentK, presentV, qkOut};
    SmallVector<Value> replacements;
    for (unsigned r = 0; r < 4; ++r) {
      if (isa<NoneType>(op->getResult(r).getType())) {
        replacements.push_back(Value());
        continue;
      }
      if (r == 3 && mode > 3)
        return rewriter.notifyMatchFailure(op, "qk_matmul_output_mode > 3");
      RankedTensorType t = getConvertedResultType(*getTypeConverter(), op, r);
      Value c = candidates[r];
      if (!t || t.getElementType() != storageEt)
        return rewriter.notifyMatchFailure(op, "result type");
      c = castElements(rewriter, loc, c, storageEt);
      if (failed(verifyCompatibleShape(t, c.getType())))
        return rewriter.notifyMatchFailure(op, "result shape mismatch");
      replacements.push_back(
          c.getType() == t ? c : tensor::CastOp::create(rewriter, loc, t, c));
    }
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

} // namespace

void populateOnnxAttentionToLinalgPatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(converter, patterns.getContext());
}

} // namespace kiln
