//===- WarpReductions.cpp - row reductions as one warp per row ------------===//
//
// kiln-cuda-warp-reductions: see Passes.td. The payload itself is the
// per-lane step (its init argument mapped to the lane's partial value), and
// its combining op, cloned, merges the partials across the warp.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDAWARPREDUCTIONS
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

constexpr int64_t kWarpsPerBlock = 8;

/// The combining op of a row reduction `combine(f(ins), out)`, with the
/// identity it starts from; null when `op` is not one.
Operation *combiner(linalg::GenericOp op, float &identity) {
  Block &body = op.getRegion().front();
  Value out = body.getArgument(body.getNumArguments() - 1);
  Operation *combine = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!combine || combine->getNumOperands() != 2 || !out.hasOneUse() ||
      out.getUses().begin()->getOwner() != combine)
    return nullptr;
  float inf = std::numeric_limits<float>::infinity();
  if (isa<arith::AddFOp>(combine))
    identity = 0.0f;
  else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combine))
    identity = -inf;
  else if (isa<arith::MinimumFOp, arith::MinNumFOp>(combine))
    identity = inf;
  else
    return nullptr;
  return combine;
}

LogicalResult rewrite(linalg::GenericOp op, int64_t minExtent) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.hasIndexSemantics())
    return failure();
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  unsigned loops = extents.size();
  if (loops < 2 || llvm::any_of(extents, ShapedType::isDynamic) ||
      kinds.back() != utils::IteratorType::reduction ||
      extents.back() < minExtent)
    return failure();
  for (unsigned d = 0; d + 1 < loops; ++d)
    if (kinds[d] != utils::IteratorType::parallel)
      return failure();
  OpOperand *init = op.getDpsInitOperand(0);
  if (!getElementTypeOrSelf(init->get().getType()).isF32())
    return failure();
  for (OpOperand &operand : op->getOpOperands())
    if (!isa<MemRefType>(operand.get().getType()))
      return failure();
  float identity;
  Operation *combine = combiner(op, identity);
  if (!combine)
    return failure();
  // Contractions (out + a * b with both inputs read along the reduction:
  // matmul, GEMV) are kiln-cuda-gemm-kernels' and
  // kiln-cuda-tile-contractions'.
  unsigned readers = 0;
  for (OpOperand *in : op.getDpsInputOperands())
    if (op.getMatchingIndexingMap(in).isFunctionOfDim(loops - 1))
      ++readers;
  Block &region = op.getRegion().front();
  Value out = region.getArgument(region.getNumArguments() - 1);
  Value term = combine->getOperand(0) == out ? combine->getOperand(1)
                                             : combine->getOperand(0);
  auto mul = term.getDefiningOp<arith::MulFOp>();
  if (readers > 1 && isa<arith::AddFOp>(combine) && mul &&
      isa<BlockArgument>(mul.getLhs()) && isa<BlockArgument>(mul.getRhs()))
    return failure();

  OpBuilder b(op);
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  int64_t rows = 1;
  for (unsigned d = 0; d + 1 < loops; ++d)
    rows *= extents[d];
  Value one = cst(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, cst(llvm::divideCeil(rows, kWarpsPerBlock)), one, one,
      cst(32 * kWarpsPerBlock), one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  Value tid = launch.getThreadIds().x;
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(32));
  Value row = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                            cst(kWarpsPerBlock)),
      arith::DivUIOp::create(b, loc, tid, cst(32)));
  // A whole warp is in or out of range, so the shuffles see every lane.
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                        cst(rows));
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&guard.getThenRegion().front());
  SmallVector<Value> dims(loops);
  Value rest = row;
  for (int d = loops - 2; d >= 0; --d) {
    dims[d] = d == 0 ? rest
                     : arith::RemUIOp::create(b, loc, rest, cst(extents[d]))
                           .getResult();
    if (d > 0)
      rest = arith::DivUIOp::create(b, loc, rest, cst(extents[d]));
  }

  // Lane l folds elements l, l + 32, ... of the row.
  Block &payload = op.getRegion().front();
  Value start = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(identity));
  auto loop = scf::ForOp::create(b, loc, lane, cst(extents.back()), cst(32),
                                 ValueRange{start});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    dims.back() = loop.getInductionVar();
    IRMapping map;
    for (OpOperand *in : op.getDpsInputOperands()) {
      auto idx = affine::expandAffineMap(b, loc, op.getMatchingIndexingMap(in),
                                         dims);
      map.map(payload.getArgument(in->getOperandNumber()),
              memref::LoadOp::create(b, loc, in->get(), *idx));
    }
    map.map(payload.getArgument(payload.getNumArguments() - 1),
            loop.getRegionIterArgs()[0]);
    for (Operation &inner : payload.without_terminator())
      b.clone(inner, map);
    scf::YieldOp::create(
        b, loc, map.lookupOrDefault(payload.getTerminator()->getOperand(0)));
  }
  auto merge = [&](Value l, Value r) {
    IRMapping map;
    map.map(combine->getOperand(0), l);
    map.map(combine->getOperand(1), r);
    return b.clone(*combine, map)->getResult(0);
  };
  Value partial = loop.getResult(0);
  for (int32_t offset = 16; offset > 0; offset /= 2) {
    auto shuffle = gpu::ShuffleOp::create(b, loc, partial, offset, 32,
                                          gpu::ShuffleMode::XOR);
    partial = merge(partial, shuffle.getShuffleResult());
  }
  Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                        cst(0));
  auto store = scf::IfOp::create(b, loc, isFirst, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&store.getThenRegion().front());
  dims.back() = cst(0);
  auto idx = affine::expandAffineMap(b, loc, op.getMatchingIndexingMap(init),
                                     dims);
  Value old = memref::LoadOp::create(b, loc, init->get(), *idx);
  memref::StoreOp::create(b, loc, merge(partial, old), init->get(), *idx);
  op->erase();
  return success();
}

struct WarpReductionsPass
    : public kiln::cuda::impl::KilnCudaWarpReductionsBase<WarpReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    for (Block &block : getOperation().getBody())
      for (Operation &inner : block)
        if (auto generic = dyn_cast<linalg::GenericOp>(inner))
          ops.push_back(generic);
    for (linalg::GenericOp op : ops)
      (void)rewrite(op, minExtent);
  }
};

} // namespace
