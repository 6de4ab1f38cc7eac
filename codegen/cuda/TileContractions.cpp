//===- TileContractions.cpp - per-thread register tiles for contractions --===//
//
// kiln-cuda-tile-contractions: see Passes.td. Builds the tiled loop nest
// directly (scf.parallel over tiles, scf.for over the reduction dims with
// the accumulators as iter_args, the payload cloned per tile element), so
// the accumulators live in registers without relying on LLVM to promote
// them out of memory.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDATILECONTRACTIONS
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

/// How one op is tiled.
struct TilePlan {
  SmallVector<int64_t> extents;   // every loop's static extent
  SmallVector<unsigned> parallel; // parallel loops, in output-dim order
  SmallVector<unsigned> reduction;
  unsigned m = 0, n = 0;          // the tiled loops
  int64_t tm = 1, tn = 1;
  unsigned x = 0, y = 1;          // input numbers: X depends on n, Y on m
  int64_t split = 1;              // chunks of the first reduction loop
};

/// Whether the payload is `out + f(in0, in1)`: partial sums over chunks of
/// the reduction then add up (atomically) into the output.
bool isSumPayload(linalg::LinalgOp op) {
  Block &body = op->getRegion(0).front();
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  Value out = body.getArgument(2);
  return add && body.getArgument(2).getType().isF32() &&
         (add.getLhs() == out || add.getRhs() == out) &&
         llvm::count_if(out.getUses(), [](OpOperand &) { return true; }) == 1;
}

/// The plan for `op`, or failure when it is not a contraction this pass
/// handles (it then keeps the one-thread-per-point mapping).
FailureOr<TilePlan> planTiling(linalg::LinalgOp op, int64_t minTiles) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
      op.hasIndexSemantics() || op->getNumRegions() != 1)
    return failure();
  TilePlan plan;
  plan.extents = op.getStaticLoopRanges();
  if (llvm::any_of(plan.extents, ShapedType::isDynamic))
    return failure();
  for (OpOperand &operand : op->getOpOperands())
    if (!isa<MemRefType>(operand.get().getType()))
      return failure();
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!out.isProjectedPermutation() ||
      out.getNumResults() != op.getNumParallelLoops())
    return failure();
  for (AffineExpr e : out.getResults())
    plan.parallel.push_back(cast<AffineDimExpr>(e).getPosition());
  for (unsigned d = 0; d < kinds.size(); ++d)
    if (kinds[d] == utils::IteratorType::reduction)
      plan.reduction.push_back(d);
  if (plan.parallel.empty())
    return failure();
  plan.n = plan.parallel.back();
  AffineMap in0 = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap in1 = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  bool uses0 = in0.isFunctionOfDim(plan.n), uses1 = in1.isFunctionOfDim(plan.n);
  if (uses0 == uses1)
    return failure();
  plan.x = uses0 ? 0 : 1;
  plan.y = 1 - plan.x;
  AffineMap xMap = plan.x == 0 ? in0 : in1, yMap = plan.x == 0 ? in1 : in0;
  bool found = false;
  for (unsigned i = plan.parallel.size() - 1; i-- > 0;) {
    unsigned d = plan.parallel[i];
    if (!xMap.isFunctionOfDim(d) && yMap.isFunctionOfDim(d)) {
      plan.m = d;
      found = true;
      break;
    }
  }
  if (!found)
    return failure();
  int64_t points = 1;
  for (unsigned d : plan.parallel)
    points *= plan.extents[d];
  auto tiles = [&](int64_t tm, int64_t tn) {
    return points / plan.extents[plan.m] / plan.extents[plan.n] *
           llvm::divideCeil(plan.extents[plan.m], tm) *
           llvm::divideCeil(plan.extents[plan.n], tn);
  };
  // Work of one thread's reduction per split chunk: at least kMinChunk
  // multiply-adds, so the atomics stay a small part of it.
  constexpr int64_t kMinChunk = 64;
  int64_t reductionPoints = 1;
  for (unsigned d : plan.reduction)
    reductionPoints *= plan.extents[d];
  int64_t splitExtent = plan.extents[plan.reduction.front()];
  bool canSplit = isSumPayload(op);
  static const int64_t kSizes[][2] = {{4, 4}, {2, 4}, {2, 2}, {1, 4},
                                      {1, 2}, {1, 1}};
  // The first candidate with enough threads; else (a GEMV, say) the one
  // with the most, if that beats one thread per output point.
  int64_t best = points;
  for (auto [tm, tn] : kSizes) {
    if (tm > plan.extents[plan.m] || tn > plan.extents[plan.n])
      continue;
    for (int64_t split = 1; split <= 32; split *= 2) {
      if (split > 1 && (!canSplit || split > splitExtent ||
                        reductionPoints / split < kMinChunk))
        break;
      int64_t threads = tiles(tm, tn) * split;
      if (threads >= minTiles && tm * tn * split == 1)
        return failure(); // one thread per point already
      if (threads > best || threads >= minTiles) {
        best = threads;
        plan.tm = tm;
        plan.tn = tn;
        plan.split = split;
      }
      if (threads >= minTiles)
        return plan;
    }
  }
  if (plan.tm * plan.tn * plan.split == 1)
    return failure();
  return plan;
}

/// Emits the tiled loop nest in place of `op`.
LogicalResult rewrite(linalg::LinalgOp op, const TilePlan &plan) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value zero = cst(0), one = cst(1);
  SmallVector<Value> lbs, ubs, steps;
  // The split chunk is the outermost dim: consecutive threads keep
  // consecutive n tiles.
  if (plan.split > 1) {
    lbs.push_back(zero);
    ubs.push_back(cst(plan.split));
    steps.push_back(one);
  }
  for (unsigned d : plan.parallel) {
    int64_t t = d == plan.m ? plan.tm : d == plan.n ? plan.tn : 1;
    lbs.push_back(zero);
    ubs.push_back(cst(llvm::divideCeil(plan.extents[d], t)));
    steps.push_back(one);
  }
  Value xBuf = op.getDpsInputOperand(plan.x)->get();
  Value yBuf = op.getDpsInputOperand(plan.y)->get();
  Value outBuf = op.getDpsInitOperand(0)->get();
  AffineMap xMap = op.getMatchingIndexingMap(op.getDpsInputOperand(plan.x));
  AffineMap yMap = op.getMatchingIndexingMap(op.getDpsInputOperand(plan.y));
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  Block &payload = op->getRegion(0).front();
  const int64_t tm = plan.tm, tn = plan.tn;
  bool raggedM = plan.extents[plan.m] % tm != 0;
  bool raggedN = plan.extents[plan.n] % tn != 0;
  LogicalResult result = success();

  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps,
      [&](OpBuilder &pb, Location loc, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(pb.getInsertionBlock(), pb.getInsertionPoint());
        unsigned numLoops = plan.extents.size();
        SmallVector<Value> dims(numLoops, zero);
        ValueRange tileIvs = ivs.drop_front(plan.split > 1 ? 1 : 0);
        for (auto [d, iv] : llvm::zip(plan.parallel, tileIvs))
          dims[d] = iv;
        // This thread's chunk of the first reduction loop.
        unsigned splitDim = plan.reduction.front();
        int64_t chunk = llvm::divideCeil(plan.extents[splitDim], plan.split);
        Value chunkLb = zero, chunkUb = cst(plan.extents[splitDim]);
        if (plan.split > 1) {
          chunkLb = arith::MulIOp::create(b, loc, ivs.front(), cst(chunk));
          chunkUb = arith::MinSIOp::create(
              b, loc, arith::AddIOp::create(b, loc, chunkLb, cst(chunk)),
              chunkUb);
        }
        // The tile's first m/n and every clamped index of it.
        auto tileIndices = [&](unsigned d, int64_t t, bool ragged,
                               Value &base) {
          base = arith::MulIOp::create(b, loc, dims[d], cst(t));
          SmallVector<Value> idx;
          for (int64_t k = 0; k < t; ++k) {
            Value v = arith::AddIOp::create(b, loc, base, cst(k));
            if (ragged)
              v = arith::MinSIOp::create(b, loc, v,
                                         cst(plan.extents[d] - 1));
            idx.push_back(v);
          }
          return idx;
        };
        Value baseM, baseN;
        SmallVector<Value> ms = tileIndices(plan.m, tm, raggedM, baseM);
        SmallVector<Value> ns = tileIndices(plan.n, tn, raggedN, baseN);
        auto load = [&](Value buf, AffineMap map, ArrayRef<Value> at) {
          auto idx = affine::expandAffineMap(b, loc, map, at);
          return memref::LoadOp::create(b, loc, buf, *idx).getResult();
        };
        auto at = [&](Value mv, Value nv) {
          SmallVector<Value> d = dims;
          d[plan.m] = mv;
          d[plan.n] = nv;
          return d;
        };
        // Split: partial sums from 0, added atomically at the end.
        SmallVector<Value> acc;
        Value zeroF;
        if (plan.split > 1)
          zeroF = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
        for (int64_t i = 0; i < tm; ++i)
          for (int64_t j = 0; j < tn; ++j)
            acc.push_back(plan.split > 1
                              ? zeroF
                              : load(outBuf, outMap, at(ms[i], ns[j])));

        // The reduction loops, outermost first, carrying the accumulators.
        std::function<SmallVector<Value>(unsigned, ValueRange)> reduce =
            [&](unsigned level, ValueRange carried) -> SmallVector<Value> {
          if (level == plan.reduction.size()) {
            SmallVector<Value> xs, ys, next;
            for (int64_t j = 0; j < tn; ++j)
              xs.push_back(load(xBuf, xMap, at(ms[0], ns[j])));
            for (int64_t i = 0; i < tm; ++i)
              ys.push_back(load(yBuf, yMap, at(ms[i], ns[0])));
            for (int64_t i = 0; i < tm; ++i)
              for (int64_t j = 0; j < tn; ++j) {
                IRMapping map;
                map.map(payload.getArgument(plan.x), xs[j]);
                map.map(payload.getArgument(plan.y), ys[i]);
                map.map(payload.getArgument(2), carried[i * tn + j]);
                for (Operation &inner : payload.without_terminator())
                  b.clone(inner, map);
                next.push_back(
                    map.lookupOrDefault(payload.getTerminator()->getOperand(0)));
              }
            return next;
          }
          unsigned d = plan.reduction[level];
          auto loop = level == 0 ? scf::ForOp::create(b, loc, chunkLb, chunkUb,
                                                      one, carried)
                                 : scf::ForOp::create(b, loc, zero,
                                                      cst(plan.extents[d]),
                                                      one, carried);
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(loop.getBody());
          dims[d] = loop.getInductionVar();
          SmallVector<Value> next =
              reduce(level + 1, loop.getRegionIterArgs());
          scf::YieldOp::create(b, loc, next);
          dims[d] = zero;
          return SmallVector<Value>(loop.getResults());
        };
        SmallVector<Value> sums = reduce(0, acc);

        for (int64_t i = 0; i < tm; ++i)
          for (int64_t j = 0; j < tn; ++j) {
            OpBuilder::InsertionGuard inner(b);
            Value inRange;
            auto within = [&](Value base, int64_t k, unsigned d) {
              Value v = arith::AddIOp::create(b, loc, base, cst(k));
              return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           v, cst(plan.extents[d]))
                  .getResult();
            };
            if (raggedM && i > 0)
              inRange = within(baseM, i, plan.m);
            if (raggedN && j > 0) {
              Value c = within(baseN, j, plan.n);
              inRange = inRange ? arith::AndIOp::create(b, loc, inRange, c)
                                      .getResult()
                                : c;
            }
            if (inRange) {
              auto guardOp = scf::IfOp::create(b, loc, inRange,
                                               /*withElseRegion=*/false);
              b.setInsertionPointToStart(&guardOp.getThenRegion().front());
            }
            auto idx = affine::expandAffineMap(b, loc, outMap,
                                               at(ms[i], ns[j]));
            if (plan.split > 1)
              memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addf,
                                          sums[i * tn + j], outBuf, *idx);
            else
              memref::StoreOp::create(b, loc, sums[i * tn + j], outBuf,
                                      *idx);
          }
      });
  op->erase();
  return result;
}

struct TileContractionsPass
    : public kiln::cuda::impl::KilnCudaTileContractionsBase<
          TileContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      // Only ops at the top level of the function: nested ones run inside
      // another op's loops already.
      if (op->getParentOp() != getOperation().getOperation())
        continue;
      FailureOr<TilePlan> plan = planTiling(op, minTiles);
      if (failed(plan))
        continue;
      if (failed(rewrite(op, *plan)))
        return signalPassFailure();
    }
  }
};

} // namespace
