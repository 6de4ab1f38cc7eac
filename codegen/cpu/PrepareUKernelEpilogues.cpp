//===- PrepareUKernelEpilogues.cpp - Convolutions write their consumers' buffers ===//
//
// Runs between bufferization and memory planning. A convolution whose
// output feeds a residual add and/or a Relu/Clip is made to write the
// consumer's buffer, and the consumer to work in place on it, so that after
// planning kiln-cpu-lower-to-ukernels finds [bias init, conv, in-place
// consumers] on one buffer and folds the consumers into the microkernel's
// epilogue. Before planning every allocation is a distinct buffer, so
// redirecting a write cannot clobber a buffer that the arena would have
// reused.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/UKernelEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPUPREPAREUKERNELEPILOGUES
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// A fresh static allocation: the only kind of output that may be replaced.
bool isStaticAlloc(Value v) {
  auto alloc = v.getDefiningOp<memref::AllocOp>();
  return alloc && alloc->getNumOperands() == 0;
}

/// `linalg.fill` of a constant into `out`.
bool isFillOf(Operation *op, Value out) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op);
  return fill && fill.getOutputs().front() == out &&
         matchPattern(fill.getInputs().front(), m_Constant());
}

void prepare(linalg::Conv2DNchwFchwOp conv) {
  Value y = conv.getOutputs()[0], x = conv.getInputs()[0];
  if (!cast<MemRefType>(y.getType()).getElementType().isF32())
    return;
  SmallVector<Operation *> group = {conv};
  Operation *init = kiln::cpu::previousWithMemoryEffects(conv);
  if (kiln::cpu::matchChannelBiasInit(init, y) || isFillOf(init, y))
    group.insert(group.begin(), init);
  Operation *last = conv;
  while (isStaticAlloc(y)) {
    Operation *next = kiln::cpu::nextWithMemoryEffects(last);
    FailureOr<kiln::cpu::ElementwiseEpilogue> epilogue =
        kiln::cpu::matchElementwiseEpilogue(next, y);
    if (failed(epilogue))
      return;
    Value z = epilogue->output;
    if (z != y) {
      // y is read by nothing else; z is a distinct buffer the group may
      // write early (nothing touches memory between the group and next).
      bool onlyUsers = llvm::all_of(y.getUsers(), [&](Operation *user) {
        return user == next || isa<memref::DeallocOp>(user) ||
               llvm::is_contained(group, user);
      });
      bool distinct = (isStaticAlloc(z) || isa<BlockArgument>(z)) &&
                      z != x && z != epilogue->residual;
      if (!onlyUsers || !distinct)
        return;
      if (Operation *alloc = z.getDefiningOp();
          alloc && !alloc->isBeforeInBlock(group.front()))
        alloc->moveBefore(group.front());
      for (Operation *op : group)
        op->replaceUsesOfWith(y, z);
      next->replaceUsesOfWith(y, z);
      Operation *oldAlloc = y.getDefiningOp();
      for (Operation *user : llvm::make_early_inc_range(y.getUsers()))
        user->erase(); // deallocs only
      oldAlloc->erase();
      y = z;
    }
    group.push_back(next);
    last = next;
    if (epilogue->clamp)
      return;
  }
}

class PrepareUKernelEpilogues
    : public kiln::cpu::impl::KilnCpuPrepareUKernelEpiloguesBase<
          PrepareUKernelEpilogues> {
public:
  void runOnOperation() override {
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    getOperation()->walk([&](linalg::Conv2DNchwFchwOp conv) {
      if (conv.hasPureBufferSemantics() &&
          conv->getBlock() == &getOperation().getBody().front())
        convs.push_back(conv);
    });
    for (linalg::Conv2DNchwFchwOp conv : convs)
      prepare(conv);
  }
};

} // namespace
