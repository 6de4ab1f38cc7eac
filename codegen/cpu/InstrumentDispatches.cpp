//===- InstrumentDispatches.cpp - Timers around every dispatch ------------===//
//
// `kiln compile --profile`: every top-level op of the entry function that
// does work is timed with two runtime calls, and the module gets the
// exported counters and the table naming each dispatch after the ONNX nodes
// and op kinds found in its locations. Nothing runs when the pass is not in
// the pipeline, so unprofiled models pay nothing.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "lowering/bufferize/EntryAbi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/SetVector.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPUINSTRUMENTDISPATCHES
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kNow = "kiln_rt_prof_now";
constexpr llvm::StringLiteral kAdd = "kiln_rt_prof_add";

/// True for ops that do work worth timing: loop nests and other ops with
/// regions, calls, and ops that write memory (copies). Views, casts,
/// allocations and pure ops are not dispatches.
bool isDispatch(Operation *op) {
  if (op->hasTrait<OpTrait::IsTerminator>())
    return false;
  if (op->getNumRegions() > 0 || isa<CallOpInterface>(op))
    return true;
  if (isa<ViewLikeOpInterface, memref::AllocOp, memref::AllocaOp,
          memref::DeallocOp>(op) ||
      isPure(op))
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  return !effects || effects.hasEffect<MemoryEffects::Write>();
}

/// Node names and op kinds in the locations of `op` and everything in it.
struct DispatchLabel {
  llvm::SetVector<StringRef> names, kinds;

  void add(Location loc) {
    loc->walk([&](Location sub) {
      if (auto name = dyn_cast<NameLoc>(sub))
        names.insert(name.getName().getValue());
      if (auto fused = dyn_cast<FusedLoc>(sub))
        if (auto tag = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
          if (!tag.getValue().starts_with("kind:"))
            kinds.insert(tag.getValue());
      return WalkResult::advance();
    });
  }

  /// `a+b+c`, at most `max` items then `+N more`; `fallback` when empty.
  static std::string join(const llvm::SetVector<StringRef> &items,
                          StringRef fallback, size_t max = 3) {
    if (items.empty())
      return fallback.str();
    std::string out;
    for (size_t i = 0; i < items.size() && i < max; ++i) {
      if (i)
        out += "+";
      out += items[i];
    }
    if (items.size() > max)
      out += "+" + std::to_string(items.size() - max) + " more";
    // The table is tab- and newline-separated.
    for (char &c : out)
      if (c == '\t' || c == '\n')
        c = ' ';
    return out;
  }
};

struct InstrumentDispatchesPass
    : public kiln::cpu::impl::KilnCpuInstrumentDispatchesBase<
          InstrumentDispatchesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> entry = kiln::findEntryFunction(module);
    if (failed(entry))
      return signalPassFailure();
    if (entry->isExternal())
      return;
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Location loc = module.getLoc();
    auto i64 = b.getI64Type();
    auto ptr = LLVM::LLVMPointerType::get(ctx);

    // The runtime's timer functions (runtime/kiln_profile.c).
    b.setInsertionPointToEnd(module.getBody());
    auto declare = [&](StringRef name, FunctionType type) {
      if (auto fn = module.lookupSymbol<func::FuncOp>(name))
        return fn;
      auto fn = func::FuncOp::create(b, loc, name, type);
      fn.setPrivate();
      return fn;
    };
    func::FuncOp now = declare(kNow, b.getFunctionType({}, {i64}));
    func::FuncOp add = declare(kAdd, b.getFunctionType({ptr, i64}, {}));

    SmallVector<Operation *> dispatches;
    for (Block &block : entry->getBody())
      for (Operation &op : block)
        if (isDispatch(&op))
          dispatches.push_back(&op);

    std::string table;
    std::string countersName = symbol + "_profile_counters";
    for (auto [id, op] : llvm::enumerate(dispatches)) {
      DispatchLabel label;
      op->walk([&](Operation *nested) { label.add(nested->getLoc()); });
      table += DispatchLabel::join(label.names, "dispatch" + std::to_string(id));
      table += "\t";
      table += DispatchLabel::join(label.kinds, op->getName().getStringRef(),
                                   /*max=*/8);
      table += "\n";

      Location opLoc = op->getLoc();
      b.setInsertionPoint(op);
      Value start = func::CallOp::create(b, opLoc, now).getResult(0);
      b.setInsertionPointAfter(op);
      Value base = LLVM::AddressOfOp::create(b, opLoc, ptr, countersName);
      Value slot = LLVM::GEPOp::create(
          b, opLoc, ptr, i64, base,
          ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(2 * id)});
      func::CallOp::create(b, opLoc, add, ValueRange{slot, start});
    }

    // The exported counters (zero) and table; codegen keeps them external.
    b.setInsertionPointToEnd(module.getBody());
    int64_t slots = std::max<int64_t>(2 * dispatches.size(), 2);
    auto countersType = LLVM::LLVMArrayType::get(i64, slots);
    LLVM::GlobalOp::create(b, loc, countersType, /*isConstant=*/false,
                           LLVM::Linkage::External, countersName,
                           b.getZeroAttr(RankedTensorType::get({slots}, i64)));
    table.push_back('\0');
    auto tableType = LLVM::LLVMArrayType::get(b.getI8Type(), table.size());
    LLVM::GlobalOp::create(b, loc, tableType, /*isConstant=*/true,
                           LLVM::Linkage::External, symbol + "_profile_table",
                           b.getStringAttr(table));
  }
};

} // namespace
