//===- LinearAttention.cpp - onnx LinearAttention -> scf.for + linalg -----===//
//
// LinearAttention (opset 27) on static shapes, as the sequential recurrence
// the spec defines (chunk_size is a tuning hint without effect on results).
// Q/K/V [B, T, heads * d] are viewed as [B, T, heads, d] and everything runs
// in f32, as the reference does. An scf.for over the T steps carries the
// state S [B, H_kv, d_k, d_v] and the stacked outputs; each step is
//   - (delta rules) r[b, h, j] = sum_i g * S[b, h, i, j] * k[b, h, i],
//   - S[b, h, i, j] = g * S + k[b, h, i] * u[b, h, j], with u = v, or
//     beta * (v - r) for the delta rules (g = exp(decay), 1 ungated),
//   - o[b, hq, j] = sum_i q[b, hq, i] * S[b, hq / group, i, j] (GQA reads
//     the shared KV head, no repeat is materialized).
// The outputs are scaled after the loop and rounded to the query's type;
// present_state to the state's type.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// `v` with its element type converted to `to` (extf/truncf; no-op if equal).
Value castElements(OpBuilder &b, Location loc, Value v, Type to) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getElementType() == to)
    return v;
  return buildInternalBroadcast(
      b, loc, {v}, v, to, [&](OpBuilder &nb, Location l, ValueRange args) {
        return convertScalar(nb, l, args[0], to, false, false);
      });
}

/// [B, T, heads * d] -> [B, T, heads, d].
Value splitLastDim(OpBuilder &b, Location loc, Value v, int64_t heads) {
  auto type = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> s = type.getShape();
  return tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get({s[0], s[1], heads, s[2] / heads},
                            type.getElementType()),
      v, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// The time step `t` of `v` [B, T, rest...] as [B, rest...].
Value sliceStep(OpBuilder &b, Location loc, Value v, Value t) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets[1] = t;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    sizes.push_back(b.getIndexAttr(d == 1 ? 1 : type.getDimSize(d)));
    if (d != 1)
      shape.push_back(type.getDimSize(d));
  }
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, offsets,
      sizes, strides);
}

struct LinearAttentionLowering : OpConversionPattern<onnx::LinearAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LinearAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue(),
          past = adaptor.getPastState(), decay = adaptor.getDecay(),
          beta = adaptor.getBeta();
    auto qType = dyn_cast<RankedTensorType>(q.getType());
    auto kType = dyn_cast<RankedTensorType>(k.getType());
    auto vType = dyn_cast<RankedTensorType>(v.getType());
    if (!qType || !kType || !vType || !qType.hasStaticShape() ||
        !kType.hasStaticShape() || !vType.hasStaticShape() ||
        qType.getRank() != 3 || kType.getRank() != 3 || vType.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "expects static 3-D Q/K/V");
    StringRef rule = op.getUpdateRule();
    if (rule != "linear" && rule != "gated" && rule != "delta" &&
        rule != "gated_delta")
      return rewriter.notifyMatchFailure(op, "unknown update_rule");
    bool gated = rule == "gated" || rule == "gated_delta";
    bool delta = rule == "delta" || rule == "gated_delta";
    bool hasDecay = !isa<NoneType>(decay.getType());
    bool hasBeta = !isa<NoneType>(beta.getType());
    if (gated != hasDecay || delta != hasBeta)
      return rewriter.notifyMatchFailure(
          op, "decay/beta do not match the update_rule");
    int64_t qHeads = static_cast<int64_t>(op.getQNumHeads());
    int64_t kvHeads = static_cast<int64_t>(op.getKvNumHeads());
    if (qHeads <= 0 || kvHeads <= 0 || qHeads % kvHeads)
      return rewriter.notifyMatchFailure(
          op, "q_num_heads must be a positive multiple of kv_num_heads");
    int64_t batch = qType.getDimSize(0), steps = qType.getDimSize(1);
    if (kType.getDimSize(0) != batch || vType.getDimSize(0) != batch ||
        kType.getDimSize(1) != steps || vType.getDimSize(1) != steps)
      return rewriter.notifyMatchFailure(op, "Q/K/V batch or length differ");
    if (qType.getDimSize(2) % qHeads || vType.getDimSize(2) % kvHeads)
      return rewriter.notifyMatchFailure(op, "hidden size not divisible");
    int64_t dk = qType.getDimSize(2) / qHeads;
    int64_t dv = vType.getDimSize(2) / kvHeads;
    if (kType.getDimSize(2) != kvHeads * dk)
      return rewriter.notifyMatchFailure(op, "key is not [B, T, H_kv * d_k]");
    int64_t group = qHeads / kvHeads;

    // decay [B, T, H_kv] (per head) or [B, T, H_kv * d_k] (per key dim);
    // beta [B, T, H_kv] or [B, T, 1].
    auto perStep = [&](Value x, ArrayRef<int64_t> lasts) -> int64_t {
      auto t = dyn_cast<RankedTensorType>(x.getType());
      if (!t || !t.hasStaticShape() || t.getRank() != 3 ||
          t.getDimSize(0) != batch || t.getDimSize(1) != steps)
        return -1;
      return llvm::is_contained(lasts, t.getDimSize(2)) ? t.getDimSize(2) : -1;
    };
    int64_t decayLast = 0, betaLast = 0;
    if (hasDecay &&
        (decayLast = perStep(decay, {kvHeads, kvHeads * dk})) < 0)
      return rewriter.notifyMatchFailure(
          op, "decay must be [B, T, H_kv] or [B, T, H_kv * d_k]");
    if (hasBeta && (betaLast = perStep(beta, {kvHeads, 1})) < 0)
      return rewriter.notifyMatchFailure(
          op, "beta must be [B, T, H_kv] or [B, T, 1]");
    auto stateShape = SmallVector<int64_t>{batch, kvHeads, dk, dv};
    if (!isa<NoneType>(past.getType())) {
      auto pt = dyn_cast<RankedTensorType>(past.getType());
      if (!pt || pt.getShape() != ArrayRef<int64_t>(stateShape))
        return rewriter.notifyMatchFailure(
            op, "past_state must be [B, H_kv, d_k, d_v]");
    }
    RankedTensorType outType = getConvertedResultType(*getTypeConverter(), op);
    bool wantPresent = !isa<NoneType>(op->getResult(1).getType());
    RankedTensorType presentType =
        wantPresent ? getConvertedResultType(*getTypeConverter(), op, 1)
                    : RankedTensorType();
    Type et = qType.getElementType();
    SmallVector<int64_t> outShape = {batch, steps, qHeads * dv};
    if (!outType || outType.getElementType() != et ||
        outType.getShape() != ArrayRef<int64_t>(outShape) ||
        (wantPresent && (!presentType || presentType.getShape() !=
                                             ArrayRef<int64_t>(stateShape))))
      return rewriter.notifyMatchFailure(op, "result types");

    double scale = op.getScale().convertToDouble();
    if (scale == 0.0)
      scale = 1.0 / std::sqrt(static_cast<double>(dk));

    Type f32 = rewriter.getF32Type();
    auto toF32 = [&](Value x) { return castElements(rewriter, loc, x, f32); };
    Value q4 = toF32(splitLastDim(rewriter, loc, q, qHeads));
    Value k4 = toF32(splitLastDim(rewriter, loc, k, kvHeads));
    Value v4 = toF32(splitLastDim(rewriter, loc, v, kvHeads));
    Value g = hasDecay ? toF32(decay) : Value();
    Value bt = hasBeta ? toF32(beta) : Value();
    auto stateType = RankedTensorType::get(stateShape, f32);
    Value state = isa<NoneType>(past.getType())
                      ? createFilled(rewriter, loc, stateType, {},
                                     createScalarConstant(rewriter, loc, f32, 0))
                      : toF32(past);
    auto ysType = RankedTensorType::get({batch, steps, qHeads, dv}, f32);
    Value ys = tensor::EmptyOp::create(rewriter, loc, ysType.getShape(), f32);

    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value ub = arith::ConstantIndexOp::create(rewriter, loc, steps);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, lb, ub, one, ValueRange{state, ys},
        [&](OpBuilder &b, Location l, Value t, ValueRange iter) {
          Value s = iter[0];
          Value qt = sliceStep(b, l, q4, t); // [B, H_q, d_k]
          Value kt = sliceStep(b, l, k4, t); // [B, H_kv, d_k]
          Value vt = sliceStep(b, l, v4, t); // [B, H_kv, d_v]
          Value gt = g ? sliceStep(b, l, g, t) : Value();  // [B, H_kv(*d_k)]
          Value btt = bt ? sliceStep(b, l, bt, t) : Value(); // [B, H_kv|1]
          // The decay of state entry (b, h, i, .) read by a generic whose
          // loops put b, h, i at dims 0, 1, `keyDim`; gt is viewed as
          // [B, H_kv, d_k] or [B, H_kv, 1] so one map fits both.
          Value gView;
          if (gt)
            gView = tensor::ExpandShapeOp::create(
                b, l,
                RankedTensorType::get(
                    {batch, kvHeads, decayLast == kvHeads ? 1 : dk}, f32),
                gt, SmallVector<ReassociationIndices>{{0}, {1, 2}});
          auto gMap = [&](unsigned keyDim, unsigned numLoops) {
            return AffineMap::get(
                numLoops, 0,
                {d(0), d(1), decayLast == kvHeads ? zero : d(keyDim)}, ctx);
          };
          auto decayed = [&](OpBuilder &nb, Location nl, Value sv,
                             Value gv) -> Value {
            if (!gv)
              return sv;
            return arith::MulFOp::create(nb, nl,
                                         math::ExpOp::create(nb, nl, gv), sv);
          };

          // r[b, h, j] = sum_i decayed(S)[b, h, i, j] * k[b, h, i]; loops
          // (b, h, j, i).
          Value r;
          if (delta) {
            auto rType = RankedTensorType::get({batch, kvHeads, dv}, f32);
            Value init = createFilled(b, l, rType, {},
                                      createScalarConstant(b, l, f32, 0));
            SmallVector<Value> ins = {s, kt};
            SmallVector<AffineMap> maps = {
                AffineMap::get(4, 0, {d(0), d(1), d(3), d(2)}, ctx),
                AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx)};
            if (gView) {
              ins.push_back(gView);
              maps.push_back(gMap(3, 4));
            }
            maps.push_back(AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx));
            SmallVector<utils::IteratorType> it = parallelIterators(3);
            it.push_back(utils::IteratorType::reduction);
            r = linalg::GenericOp::create(
                    b, l, TypeRange{rType}, ins, ValueRange{init}, maps, it,
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value sv = decayed(nb, nl, a[0], gView ? a[2] : Value());
                      Value p = arith::MulFOp::create(nb, nl, sv, a[1]);
                      linalg::YieldOp::create(
                          nb, nl,
                          ValueRange{arith::AddFOp::create(nb, nl, a.back(), p)});
                    })
                    .getResult(0);
          }

          // S' = decayed(S) + k[b, h, i] * u[b, h, j]; loops (b, h, i, j).
          SmallVector<Value> ins = {s, kt, vt};
          SmallVector<AffineMap> maps = {
              AffineMap::getMultiDimIdentityMap(4, ctx),
              AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx),
              AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx)};
          if (gView) {
            ins.push_back(gView);
            maps.push_back(gMap(2, 4));
          }
          if (delta) {
            ins.push_back(r);
            maps.push_back(AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx));
            ins.push_back(btt);
            maps.push_back(AffineMap::get(
                4, 0, {d(0), betaLast == 1 ? zero : d(1)}, ctx));
          }
          maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
          Value sInit = tensor::EmptyOp::create(b, l, stateShape, f32);
          Value next =
              linalg::GenericOp::create(
                  b, l, TypeRange{stateType}, ins, ValueRange{sInit}, maps,
                  parallelIterators(4),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    unsigned at = 3;
                    Value gv = gView ? a[at++] : Value();
                    Value u = a[2];
                    if (delta) {
                      Value diff = arith::SubFOp::create(nb, nl, u, a[at]);
                      u = arith::MulFOp::create(nb, nl, a[at + 1], diff);
                    }
                    Value sv = decayed(nb, nl, a[0], gv);
                    Value kv = arith::MulFOp::create(nb, nl, a[1], u);
                    linalg::YieldOp::create(
                        nb, nl, ValueRange{arith::AddFOp::create(nb, nl, sv, kv)});
                  })
                  .getResult(0);

          // o[b, hq, j] = sum_i q[b, hq, i] * S'[b, hq / group, i, j]; loops
          // (b, hq, j, i).
          auto oType = RankedTensorType::get({batch, qHeads, dv}, f32);
          Value oInit = createFilled(b, l, oType, {},
                                     createScalarConstant(b, l, f32, 0));
          SmallVector<utils::IteratorType> it = parallelIterators(3);
          it.push_back(utils::IteratorType::reduction);
          Value o =
              linalg::GenericOp::create(
                  b, l, TypeRange{oType}, ValueRange{qt, next},
                  ValueRange{oInit},
                  ArrayRef<AffineMap>{
                      AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx),
                      AffineMap::get(4, 0,
                                     {d(0), d(1).floorDiv(group), d(3), d(2)},
                                     ctx),
                      AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)},
                  it,
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    Value p = arith::MulFOp::create(nb, nl, a[0], a[1]);
                    linalg::YieldOp::create(
                        nb, nl,
                        ValueRange{arith::AddFOp::create(nb, nl, a[2], p)});
                  })
                  .getResult(0);
          SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)),
              sizes = {b.getIndexAttr(batch), b.getIndexAttr(1),
                       b.getIndexAttr(qHeads), b.getIndexAttr(dv)},
              strides(4, b.getIndexAttr(1));
          offsets[1] = t;
          Value stacked = tensor::InsertSliceOp::create(b, l, o, iter[1],
                                                        offsets, sizes, strides);
          scf::YieldOp::create(b, l, ValueRange{next, stacked});
        });

    // Y = scale * o, in the query's type, heads packed back.
    Value y = buildInternalBroadcast(
        rewriter, loc, {loop.getResult(1)}, loop.getResult(1), et,
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value sv = arith::MulFOp::create(
              nb, l, createScalarConstant(nb, l, f32, scale), a[0]);
          return convertScalar(nb, l, sv, et, false, false);
        });
    y = tensor::CollapseShapeOp::create(
        rewriter, loc, outType, y,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    Value present = wantPresent
                        ? castElements(rewriter, loc, loop.getResult(0),
                                       presentType.getElementType())
                        : Value();
    rewriter.replaceOp(op, {y, present});
    return success();
  }
};

} // namespace

void populateOnnxLinearAttentionToLinalgPatterns(
    TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<LinearAttentionLowering>(converter, patterns.getContext());
}

} // namespace kiln
