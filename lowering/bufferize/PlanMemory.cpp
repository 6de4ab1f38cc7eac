//===- PlanMemory.cpp - the entry function's static arena -----------------===//
//
// Computes a live interval for every statically sized allocation of the entry
// function (from the allocation to the last use of the buffer or of any view
// of it, in the order of the function body), places the buffers in one arena
// with planArena, and rewrites each allocation into a view of the arena
// argument. Lifetimes come from uses, not from where deallocation put the
// deallocs, so the plan does not depend on deallocation placement.
//
//===----------------------------------------------------------------------===//

#include "lowering/bufferize/ArenaPlanner.h"
#include "lowering/bufferize/EntryAbi.h"

#include "lowering/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/MathExtras.h"

namespace kiln {
#define GEN_PASS_DEF_KILNPLANMEMORY
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// An allocation that may move into the arena, with what planning needs.
struct Candidate {
  memref::AllocOp alloc;
  kiln::ArenaBuffer buffer;
  SmallVector<memref::DeallocOp> deallocs;
};

/// Bytes of a buffer of `type` as the LLVM lowering lays it out; nullopt for
/// a dynamic shape, an element kind of unknown size, or a size past 2^63.
std::optional<int64_t> getStaticBytes(MemRefType type) {
  if (!type.hasStaticShape())
    return std::nullopt;
  Type element = type.getElementType();
  int64_t elemBytes;
  if (element.isIndex())
    elemBytes = 8;
  else if (element.isIntOrFloat())
    elemBytes = llvm::divideCeil(element.getIntOrFloatBitWidth(), 8);
  else
    return std::nullopt;
  int64_t bytes = elemBytes;
  for (int64_t dim : type.getShape())
    if (llvm::MulOverflow(bytes, dim, bytes))
      return std::nullopt;
  return bytes;
}

/// Fills `candidate` with the interval of the buffer's liveness over the
/// positions of `block`'s ops; fails when the buffer escapes analysis.
LogicalResult analyzeLiveness(Candidate &candidate, Block &block,
                              const DenseMap<Operation *, int64_t> &positions) {
  int64_t start = positions.lookup(candidate.alloc);
  int64_t end = start;
  SmallVector<Value> worklist = {candidate.alloc.getResult()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
        candidate.deallocs.push_back(dealloc);
        continue;
      }
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (!ancestor || user->hasTrait<OpTrait::IsTerminator>())
        return failure();
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (view && view.getViewSource() == value) {
        for (Value result : user->getResults())
          if (isa<BaseMemRefType>(result.getType()))
            worklist.push_back(result);
      } else if (llvm::any_of(user->getResultTypes(), [](Type type) {
                   return isa<BaseMemRefType>(type);
                 })) {
        // An op that may return the buffer under a new name: unknown alias.
        return failure();
      }
      end = std::max(end, positions.lookup(ancestor));
    }
  }
  candidate.buffer.start = start;
  candidate.buffer.end = end;
  return success();
}

struct PlanMemoryPass
    : public kiln::impl::KilnPlanMemoryBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> entry = kiln::findEntryFunction(module);
    if (failed(entry))
      return signalPassFailure();
    func::FuncOp func = *entry;
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      if (kiln::getEntryArgKind(func, i) == kiln::EntryArgKind::Arena) {
        func.emitError("memory already planned");
        return signalPassFailure();
      }

    // Candidates: static allocations directly in a single-block body.
    SmallVector<Candidate> candidates;
    if (func.getBody().hasOneBlock()) {
      Block &block = func.getBody().front();
      DenseMap<Operation *, int64_t> positions;
      int64_t position = 0;
      for (Operation &op : block)
        positions[&op] = position++;
      for (auto alloc : block.getOps<memref::AllocOp>()) {
        MemRefType type = alloc.getType();
        std::optional<int64_t> bytes = getStaticBytes(type);
        if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
            type.getMemorySpace() || !bytes)
          continue;
        Candidate candidate;
        candidate.alloc = alloc;
        candidate.buffer.size = *bytes;
        candidate.buffer.alignment = std::max<int64_t>(
            kiln::kBufferAlignment, alloc.getAlignment().value_or(1));
        if (succeeded(analyzeLiveness(candidate, block, positions)))
          candidates.push_back(std::move(candidate));
      }
    }

    SmallVector<kiln::ArenaBuffer> buffers;
    for (const Candidate &candidate : candidates)
      buffers.push_back(candidate.buffer);
    kiln::ArenaPlan plan = kiln::planArena(buffers);
    int64_t arenaBytes = llvm::alignTo(plan.totalBytes, kiln::kBufferAlignment);

    // The arena is always the last argument, also when empty, so the kernel
    // ABI does not depend on the model.
    Builder b(&getContext());
    auto arenaType = MemRefType::get({arenaBytes}, b.getI8Type());
    unsigned arenaIndex = func.getNumArguments();
    if (failed(func.insertArgument(
            arenaIndex, arenaType,
            b.getDictionaryAttr(
                b.getNamedAttr(kiln::kArenaArgAttr, b.getUnitAttr())),
            func.getLoc()))) {
      func.emitError("cannot add the arena argument");
      return signalPassFailure();
    }
    Value arena = func.getArgument(arenaIndex);

    for (auto [candidate, offset] : llvm::zip(candidates, plan.offsets)) {
      memref::AllocOp alloc = candidate.alloc;
      OpBuilder builder(alloc);
      Value byteShift =
          arith::ConstantIndexOp::create(builder, alloc.getLoc(), offset);
      Value view = memref::ViewOp::create(builder, alloc.getLoc(),
                                          alloc.getType(), arena, byteShift,
                                          /*sizes=*/ValueRange());
      for (memref::DeallocOp dealloc : candidate.deallocs)
        dealloc.erase();
      alloc.replaceAllUsesWith(view);
      alloc.erase();
    }
    module->setAttr(kiln::kWorkspaceBytesAttr,
                    b.getI64IntegerAttr(arenaBytes));
  }
};

} // namespace
