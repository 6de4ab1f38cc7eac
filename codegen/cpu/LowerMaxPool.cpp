//===- LowerMaxPool.cpp - Vector loops for max pooling --------------------===//
//
// 2-D NCHW max pooling as the window loop nest of WindowLoops.h: one
// vector max per tap into a register accumulator, the output's constant
// init and a constant-padded input copy folded into the loops (see
// KilnCpuLowerMaxPool in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/WindowLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPULOWERMAXPOOL
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;
using namespace kiln::cpu;

namespace {

/// The op right before `pool` (pure ops and allocations, such as the
/// window operand's, skipped) when it fills the output with a constant (the
/// max's identity, -inf), if any.
Operation *findFillInit(linalg::PoolingNchwMaxOp pool, Value &value) {
  Value out = pool.getDpsInits()[0];
  for (Operation *prev = pool->getPrevNode(); prev;
       prev = prev->getPrevNode()) {
    if (isMemoryEffectFree(prev) || isa<memref::AllocOp>(prev))
      continue;
    value = getFillValue(prev, out);
    return value ? prev : nullptr;
  }
  return nullptr;
}

/// The body's max (arith.maximumf or arith.maxnumf) and whether it takes
/// the accumulator (the output's block argument) first.
Operation *findCombiner(linalg::PoolingNchwMaxOp pool, bool &accFirst) {
  Block &body = pool.getRegion().front();
  if (body.getOperations().size() != 2)
    return nullptr;
  Operation *max = &body.front();
  if (!isa<arith::MaximumFOp, arith::MaxNumFOp>(max) ||
      body.getTerminator()->getOperand(0) != max->getResult(0))
    return nullptr;
  Value in = body.getArgument(0), acc = body.getArgument(2);
  if (max->getOperand(0) == acc && max->getOperand(1) == in)
    accFirst = true;
  else if (max->getOperand(0) == in && max->getOperand(1) == acc)
    accFirst = false;
  else
    return nullptr;
  return max;
}

/// Whether the pass handles `pool`.
bool isSupported(linalg::PoolingNchwMaxOp pool) {
  if (!pool.hasPureBufferSemantics() ||
      !isVectorizableBuffer(pool.getDpsInputs()[0], 4) ||
      !isVectorizableBuffer(pool.getDpsInits()[0], 4))
    return false;
  auto window = dyn_cast<MemRefType>(pool.getDpsInputs()[1].getType());
  if (!window || window.getRank() != 2 || !window.hasStaticShape())
    return false;
  bool accFirst;
  if (!findCombiner(pool, accFirst))
    return false;
  return isSupportedWindow(pool.getStrides(), pool.getDilations());
}

void lowerPool(linalg::PoolingNchwMaxOp pool, int64_t lanes) {
  Value fillValue;
  Operation *fill = findFillInit(pool, fillValue);
  bool accFirst = true;
  Operation *max = findCombiner(pool, accFirst);
  Value input = pool.getDpsInputs()[0], window = pool.getDpsInputs()[1];
  Value output = pool.getDpsInits()[0];
  std::optional<PaddedInput> pad = findPaddedInput(pool, input, output);
  ArrayRef<int64_t> wShape = cast<MemRefType>(window.getType()).getShape();
  WindowLoopSpec spec =
      makeWindowLoopSpec(input, output, wShape[0], wShape[1], pool.getStrides(),
                         pool.getDilations(), pad, lanes);
  auto init = [&](OpBuilder &b, Location loc, int64_t width) -> Value {
    if (!width)
      return fillValue;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, b.getF32Type()), fillValue);
  };
  auto combine = [&](OpBuilder &b, Location loc, Value acc, Value x, int64_t,
                     int64_t) -> Value {
    SmallVector<Value> operands =
        accFirst ? SmallVector<Value>{acc, x} : SmallVector<Value>{x, acc};
    OperationState state(loc, max->getName(), operands, {acc.getType()},
                         max->getAttrs());
    return b.create(state)->getResult(0);
  };
  if (fill)
    spec.init = init;
  spec.combine = combine;

  OpBuilder b(pool);
  emitWindowLoops(b, pool.getLoc(), spec);
  Operation *end = pool->getNextNode();
  pool.erase();
  if (fill)
    fill->erase();
  if (pad)
    erasePaddedInput(*pad, end);
  // The window operand only carries the window's shape.
  if (auto alloc = window.getDefiningOp<memref::AllocOp>())
    if (llvm::all_of(alloc->getUsers(),
                     [](Operation *u) { return isa<memref::DeallocOp>(u); })) {
      for (Operation *user : llvm::to_vector(alloc->getUsers()))
        user->erase();
      alloc->erase();
    }
}

struct LowerMaxPoolPass
    : public kiln::cpu::impl::KilnCpuLowerMaxPoolBase<LowerMaxPoolPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorWidth < 1) {
      getOperation()->emitError("vector-width must be positive");
      return signalPassFailure();
    }
    SmallVector<linalg::PoolingNchwMaxOp> pools;
    getOperation()->walk([&](linalg::PoolingNchwMaxOp op) {
      if (isSupported(op))
        pools.push_back(op);
    });
    for (linalg::PoolingNchwMaxOp pool : pools)
      lowerPool(pool, vectorWidth);
  }
};

} // namespace
