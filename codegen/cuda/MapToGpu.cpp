//===- MapToGpu.cpp - top-level loop nests to gpu.launch ------------------===//
//
// kiln-cuda-map-to-gpu: see Passes.td. A deliberately simple mapping (one
// thread per point of the parallel iteration space, 1-D grid) that works
// for any rank and any dynamic dim; tiling onto shared memory and tensor
// cores replaces it per op family later.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDAMAPTOGPU
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

/// A launch of `grid` x `block` threads (1-D) before `op`; returns the
/// launch, its body's builder positioned before the terminator.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, Value grid,
                           Value block) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, grid, one, one, block, one, one);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  return launch;
}

/// Rewrites a top-level scf.parallel into a linearized 1-D launch.
LogicalResult mapParallel(scf::ParallelOp loop, int64_t blockSize) {
  if (loop.getNumResults() != 0)
    return loop.emitError("kiln-cuda-map-to-gpu: scf.parallel with "
                          "reductions is not supported");
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  // Trip counts and their product, on the host.
  SmallVector<Value> counts;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value extent = arith::SubIOp::create(b, loc, ub, lb);
    Value count = arith::CeilDivSIOp::create(b, loc, extent, step);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    count = arith::MaxSIOp::create(b, loc, count, zero);
    counts.push_back(count);
    total = arith::MulIOp::create(b, loc, total, count);
  }
  Value block = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // At least one block: an empty grid is a launch error; the guard below
  // keeps every thread idle then.
  Value grid = arith::MaxSIOp::create(
      b, loc, arith::CeilDivSIOp::create(b, loc, total, block), one);
  gpu::LaunchOp launch = createLaunch(b, loc, grid, block);

  b.setInsertionPointToStart(&launch.getBody().front());
  Value id = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                            launch.getBlockSize().x),
      launch.getThreadIds().x);
  Value inRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&guard.getThenRegion().front());
  // Delinearize, innermost dim fastest.
  IRMapping mapping;
  Value rest = id;
  for (int64_t d = static_cast<int64_t>(counts.size()) - 1; d >= 0; --d) {
    Value index = d == 0 ? rest
                         : arith::RemUIOp::create(b, loc, rest, counts[d])
                               .getResult();
    if (d > 0)
      rest = arith::DivUIOp::create(b, loc, rest, counts[d]);
    Value iv = arith::AddIOp::create(
        b, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(b, loc, index, loop.getStep()[d]));
    mapping.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
  return success();
}

/// A host allocation the planner could not place in the arena (its size
/// depends on dynamic dims) becomes device memory, stream-ordered:
/// `gpu.wait async` + `gpu.alloc async`, which gpu-to-llvm turns into
/// mgpuStreamCreate (the session's stream) and mgpuMemAlloc.
LogicalResult mapAlloc(memref::AllocOp alloc) {
  if (!alloc.getSymbolOperands().empty())
    return alloc.emitError("kiln-cuda-map-to-gpu: symbolic allocation "
                           "operands are not supported");
  OpBuilder b(alloc);
  Location loc = alloc.getLoc();
  Type token = b.getType<gpu::AsyncTokenType>();
  Value start = gpu::WaitOp::create(b, loc, token, ValueRange()).getAsyncToken();
  auto device = gpu::AllocOp::create(
      b, loc, alloc.getType(), token, ValueRange{start},
      alloc.getDynamicSizes(), alloc.getSymbolOperands(),
      /*hostShared=*/UnitAttr());
  gpu::WaitOp::create(b, loc, Type(), ValueRange{device.getAsyncToken()});
  alloc.replaceAllUsesWith(device.getMemref());
  alloc.erase();
  return success();
}

/// The matching free, ordered after the kernels on the same stream.
void mapDealloc(memref::DeallocOp dealloc) {
  OpBuilder b(dealloc);
  Location loc = dealloc.getLoc();
  Type token = b.getType<gpu::AsyncTokenType>();
  Value start = gpu::WaitOp::create(b, loc, token, ValueRange()).getAsyncToken();
  auto free = gpu::DeallocOp::create(b, loc, token, ValueRange{start},
                                     dealloc.getMemref());
  gpu::WaitOp::create(b, loc, Type(), ValueRange{free.getAsyncToken()});
  dealloc.erase();
}

/// A copy between two contiguous buffers (what kiln-cpu-lower-strided-copies
/// leaves) becomes a stream-ordered device-to-device copy, mgpuMemcpy:
/// `gpu.wait async` + `gpu.memcpy async` + `gpu.wait`, like the allocations.
LogicalResult mapCopy(memref::CopyOp copy) {
  auto isIdentity = [](Type type) {
    auto memref = dyn_cast<MemRefType>(type);
    return memref && memref.getLayout().isIdentity();
  };
  if (!isIdentity(copy.getSource().getType()) ||
      !isIdentity(copy.getTarget().getType()))
    return copy.emitError("kiln-cuda-map-to-gpu: a copy between strided "
                          "buffers is left (kiln-cpu-lower-strided-copies "
                          "should have made it a loop nest)");
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  Type token = b.getType<gpu::AsyncTokenType>();
  Value start = gpu::WaitOp::create(b, loc, token, ValueRange()).getAsyncToken();
  auto memcpy = gpu::MemcpyOp::create(b, loc, token, ValueRange{start},
                                      copy.getTarget(), copy.getSource());
  gpu::WaitOp::create(b, loc, Type(), ValueRange{memcpy.getAsyncToken()});
  copy.erase();
  return success();
}

/// Ops that read or write buffers and so must run on the device.
bool touchesMemory(Operation *op) {
  return isa<scf::ForOp, scf::IfOp, scf::WhileOp, memref::LoadOp,
             memref::StoreOp>(op);
}

/// Moves `op` into a launch of one thread. Results the host uses (a shape
/// read from a tensor, a loop computing a size) are stored by the thread
/// into a device buffer each, copied into a host buffer
/// (`gpu.memcpy` to host memory: the runtime waits for the copy) and read
/// there; the function is marked kHostReadsDeviceAttr.
LogicalResult mapSingleThread(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  SmallVector<Value> hostUsed;
  for (Value result : op->getResults())
    if (!result.use_empty())
      hostUsed.push_back(result);
  for (Value result : hostUsed)
    if (!result.getType().isIntOrIndexOrFloat())
      return op->emitError("kiln-cuda-map-to-gpu: the host uses a device "
                           "result of type ")
             << result.getType() << ", which it cannot copy back";
  Type token = b.getType<gpu::AsyncTokenType>();
  auto stored = [&](Type t) { return t.isIndex() ? b.getI64Type() : t; };
  SmallVector<Value> scratch;
  for (Value result : hostUsed) {
    auto type = MemRefType::get({1}, stored(result.getType()));
    Value start =
        gpu::WaitOp::create(b, loc, token, ValueRange()).getAsyncToken();
    auto alloc = gpu::AllocOp::create(b, loc, type, token, ValueRange{start},
                                      ValueRange(), ValueRange(),
                                      /*hostShared=*/UnitAttr());
    gpu::WaitOp::create(b, loc, Type(), ValueRange{alloc.getAsyncToken()});
    scratch.push_back(alloc.getMemref());
  }
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::LaunchOp launch = createLaunch(b, loc, one, one);
  Operation *terminator = launch.getBody().front().getTerminator();
  op->moveBefore(terminator);
  if (hostUsed.empty())
    return success();
  b.setInsertionPoint(terminator);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [result, buffer] : llvm::zip(hostUsed, scratch)) {
    Value v = result;
    if (v.getType().isIndex())
      v = arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
    memref::StoreOp::create(b, loc, v, buffer, ValueRange{zero});
  }
  b.setInsertionPointAfter(launch);
  Value hostZero = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [result, buffer] : llvm::zip(hostUsed, scratch)) {
    auto type = cast<MemRefType>(buffer.getType());
    Value host = memref::AllocaOp::create(b, loc, type);
    Value start =
        gpu::WaitOp::create(b, loc, token, ValueRange()).getAsyncToken();
    auto copy = gpu::MemcpyOp::create(b, loc, token, ValueRange{start}, host,
                                      buffer);
    auto free = gpu::DeallocOp::create(b, loc, token,
                                       ValueRange{copy.getAsyncToken()},
                                       buffer);
    gpu::WaitOp::create(b, loc, Type(), ValueRange{free.getAsyncToken()});
    Value v = memref::LoadOp::create(b, loc, host, ValueRange{hostZero});
    if (result.getType().isIndex())
      v = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
    result.replaceUsesWithIf(v, [&](OpOperand &use) {
      return !launch->isAncestor(use.getOwner());
    });
  }
  op->getParentOfType<func::FuncOp>()->setAttr(kiln::cuda::kHostReadsDeviceAttr,
                                               b.getUnitAttr());
  return success();
}

/// Whether host control flow `op` stays on the host, its regions mapped
/// like a function body: it carries buffers (memref results), or it holds
/// loop nests that should be launches of their own rather than run by one
/// thread.
bool staysOnHost(Operation *op) {
  if (!isa<scf::ForOp, scf::WhileOp, scf::IfOp>(op))
    return false;
  if (llvm::any_of(op->getResultTypes(),
                   [](Type t) { return isa<MemRefType>(t); }))
    return true;
  return op->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

struct MapToGpuPass
    : public kiln::cuda::impl::KilnCudaMapToGpuBase<MapToGpuPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (blockSize < 1 || blockSize > 1024) {
      func.emitError("kiln-cuda-map-to-gpu: block-size must be in [1, 1024]");
      return signalPassFailure();
    }
    for (Block &block : func.getBody())
      if (failed(mapBlock(block)))
        return signalPassFailure();
  }

  /// Maps the host ops of `block` (a function body, or a region of host
  /// control flow that stays on the host).
  LogicalResult mapBlock(Block &block) {
    SmallVector<Operation *> work;
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    SmallVector<memref::CopyOp> copies;
    SmallVector<Operation *> hostFlow;
    for (Operation &op : block) {
      if (staysOnHost(&op))
        hostFlow.push_back(&op);
      else if (isa<scf::ParallelOp>(op) || touchesMemory(&op))
        work.push_back(&op);
      else if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(dealloc);
      else if (auto copy = dyn_cast<memref::CopyOp>(op))
        copies.push_back(copy);
    }
    for (memref::CopyOp copy : copies)
      if (failed(mapCopy(copy)))
        return failure();
    for (memref::AllocOp alloc : allocs)
      if (failed(mapAlloc(alloc)))
        return failure();
    for (memref::DeallocOp dealloc : deallocs)
      mapDealloc(dealloc);
    for (Operation *op : work) {
      LogicalResult result =
          isa<scf::ParallelOp>(op)
              ? mapParallel(cast<scf::ParallelOp>(op), blockSize)
              : mapSingleThread(op);
      if (failed(result))
        return failure();
    }
    for (Operation *op : hostFlow)
      for (Region &region : op->getRegions())
        for (Block &inner : region)
          if (failed(mapBlock(inner)))
            return failure();
    return success();
  }
};

} // namespace
