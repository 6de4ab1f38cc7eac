//===- ParallelLoops.cpp - Outer parallel loops on the runtime's pool -----===//
//
// Runs the outermost parallel loop of every loop nest on the session's
// thread pool: the loop body is outlined into a function
// `(ctx, begin, end)` over a linearized range of its leading parallel
// dimensions, and the loop is replaced by a call to
// `kiln_rt_parallel_for(runtime, n, fn, ctx)` (runtime/kiln_runtime.h),
// which splits [0, n) statically into contiguous chunks.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPUPARALLELIZELOOPS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kParallelFor = "kiln_rt_parallel_for";

/// A value the outlined body needs from the enclosing function.
struct Capture {
  Value value;
  Type storedType; // its LLVM type in the context struct
};

class LoopOutliner {
public:
  LoopOutliner(ModuleOp module, int64_t minChunks)
      : module(module), minChunks(minChunks), converter(module.getContext()),
        ptrType(LLVM::LLVMPointerType::get(module.getContext())) {}

  /// Outlines `loop`; fails (leaving it serial) where it cannot.
  LogicalResult outline(scf::ParallelOp loop);

private:
  /// The LLVM type a captured value is stored as, or null if none.
  Type storedType(Type type) {
    if (isa<IndexType>(type))
      return IntegerType::get(type.getContext(), 64);
    if (isa<MemRefType>(type))
      return converter.convertType(type);
    if (LLVM::isCompatibleType(type))
      return type;
    return {};
  }
  /// Values defined by operand-less pure ops are cloned, not captured.
  static bool isCloneable(Value value) {
    Operation *def = value.getDefiningOp();
    return def && def->getNumOperands() == 0 && def->getNumRegions() == 0 &&
           isPure(def);
  }
  /// ceil((ub - lb) / step), at least 0, for a positive step.
  static Value tripCount(OpBuilder &b, Location loc, Value lb, Value ub,
                         Value step) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    span = arith::MaxSIOp::create(b, loc, span, zero);
    Value bumped = arith::AddIOp::create(
        b, loc, span, arith::SubIOp::create(b, loc, step, one));
    return arith::DivUIOp::create(b, loc, bumped, step);
  }
  LLVM::LLVMFuncOp getOrCreateParallelFor();
  LLVM::GlobalOp getOrCreateRuntimeGlobal();

  ModuleOp module;
  int64_t minChunks;
  LLVMTypeConverter converter;
  Type ptrType;
  unsigned counter = 0;
};

/// A weak serial `kiln_rt_parallel_for` (fn(ctx, 0, n) if n > 0): a kernel
/// object linked without the runtime still works; the runtime's strong
/// definition replaces it when codegen/package links the runtime in.
LLVM::LLVMFuncOp LoopOutliner::getOrCreateParallelFor() {
  if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(kParallelFor))
    return fn;
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  auto i64 = b.getI64Type();
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  auto type = LLVM::LLVMFunctionType::get(voidType,
                                          {ptrType, i64, ptrType, ptrType});
  auto fn = LLVM::LLVMFuncOp::create(b, loc, kParallelFor, type,
                                     LLVM::Linkage::Weak);
  Block *entry = fn.addEntryBlock(b);
  Block *run = b.createBlock(&fn.getBody());
  Block *done = b.createBlock(&fn.getBody());
  b.setInsertionPointToStart(entry);
  Value zero = LLVM::ConstantOp::create(b, loc, i64, 0);
  Value n = entry->getArgument(1);
  Value positive =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::sgt, n, zero);
  LLVM::CondBrOp::create(b, loc, positive, run, done);
  b.setInsertionPointToStart(run);
  auto bodyType = LLVM::LLVMFunctionType::get(voidType, {ptrType, i64, i64});
  SmallVector<Value> operands = {entry->getArgument(2), entry->getArgument(3),
                                 zero, n};
  LLVM::CallOp::create(b, loc, bodyType, operands);
  LLVM::BrOp::create(b, loc, done);
  b.setInsertionPointToStart(done);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  return fn;
}

LLVM::GlobalOp LoopOutliner::getOrCreateRuntimeGlobal() {
  StringRef name = kiln::cpu::kRuntimeGlobalName;
  if (auto global = module.lookupSymbol<LLVM::GlobalOp>(name))
    return global;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Location loc = module.getLoc();
  auto global = LLVM::GlobalOp::create(
      b, loc, ptrType, /*isConstant=*/false, LLVM::Linkage::Internal, name,
      Attribute(), /*alignment=*/8, /*addrSpace=*/0, /*dsoLocal=*/false,
      /*thread_local_=*/true);
  Block *init = b.createBlock(&global.getInitializerRegion());
  b.setInsertionPointToStart(init);
  LLVM::ReturnOp::create(b, loc, LLVM::ZeroOp::create(b, loc, ptrType));
  return global;
}

LogicalResult LoopOutliner::outline(scf::ParallelOp loop) {
  if (loop.getNumResults() != 0)
    return failure(); // a reduction across iterations stays serial
  auto parent = loop->getParentOfType<func::FuncOp>();
  if (!parent)
    return failure();
  Location loc = loop.getLoc();
  unsigned rank = loop.getNumLoops();

  // Distribute the leading dims until there are at least minChunks
  // iterations to split; the rest stay an (inner, serial) scf.parallel.
  unsigned numOuter = 0;
  int64_t product = 1;
  bool dynamic = false;
  while (numOuter < rank && (numOuter == 0 || product < minChunks)) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[numOuter]);
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[numOuter]);
    std::optional<int64_t> step = getConstantIntValue(loop.getStep()[numOuter]);
    ++numOuter;
    if (!lb || !ub || !step || *step <= 0) {
      dynamic = true;
      break;
    }
    product *= std::max<int64_t>(0, (*ub - *lb + *step - 1) / *step);
  }
  if (!dynamic && product <= 1)
    return failure(); // nothing to split

  // Values from above: cloned if trivially rematerializable, else stored
  // in a context struct.
  llvm::SetVector<Value> used;
  getUsedValuesDefinedAbove(loop.getRegion(), used);
  used.insert(loop->getOperands().begin(), loop->getOperands().end());
  SmallVector<Value> cloned;
  SmallVector<Capture> captures;
  for (Value value : used) {
    if (isCloneable(value)) {
      cloned.push_back(value);
      continue;
    }
    Type type = storedType(value.getType());
    if (!type)
      return failure();
    captures.push_back({value, type});
  }
  SmallVector<Type> fieldTypes;
  for (const Capture &c : captures)
    fieldTypes.push_back(c.storedType);
  auto ctxType =
      LLVM::LLVMStructType::getLiteral(module.getContext(), fieldTypes);

  // The body function.
  OpBuilder b(parent);
  b.setInsertionPointAfter(parent);
  auto i64 = b.getI64Type();
  std::string name =
      (parent.getSymName() + "_par" + Twine(counter++)).str();
  while (module.lookupSymbol(name))
    name = (parent.getSymName() + "_par" + Twine(counter++)).str();
  auto body = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType({ptrType, i64, i64}, {}));
  body.setPrivate();
  body->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
  Block *entry = body.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping map;
  for (Value value : cloned)
    map.map(value, b.clone(*value.getDefiningOp())->getResult(0));
  Value ctx = entry->getArgument(0);
  for (auto [index, c] : llvm::enumerate(captures)) {
    Value addr = LLVM::GEPOp::create(
        b, loc, ptrType, ctxType, ctx,
        ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(index)});
    Value loaded = LLVM::LoadOp::create(b, loc, c.storedType, addr);
    Type type = c.value.getType();
    if (isa<IndexType>(type))
      loaded = arith::IndexCastOp::create(b, loc, type, loaded);
    else if (isa<MemRefType>(type))
      loaded = UnrealizedConversionCastOp::create(b, loc, type, loaded)
                   .getResult(0);
    map.map(c.value, loaded);
  }
  auto mapped = [&](ValueRange values) {
    return llvm::map_to_vector(
        values, [&](Value v) { return map.lookupOrDefault(v); });
  };
  SmallVector<Value> lbs = mapped(loop.getLowerBound());
  SmallVector<Value> ubs = mapped(loop.getUpperBound());
  SmallVector<Value> steps = mapped(loop.getStep());
  SmallVector<Value> trips;
  for (unsigned d = 0; d < numOuter; ++d)
    trips.push_back(tripCount(b, loc, lbs[d], ubs[d], steps[d]));
  Value begin = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                           entry->getArgument(1));
  Value end = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                         entry->getArgument(2));
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto linear = scf::ForOp::create(b, loc, begin, end, one);
  func::ReturnOp::create(b, loc);

  // Delinearize the outer dims (innermost fastest), then the original body.
  b.setInsertionPoint(linear.getBody()->getTerminator());
  Block &original = loop.getRegion().front();
  Value rest = linear.getInductionVar();
  for (int64_t d = numOuter - 1; d >= 0; --d) {
    Value idx = rest;
    if (d > 0) {
      idx = arith::RemUIOp::create(b, loc, rest, trips[d]);
      rest = arith::DivUIOp::create(b, loc, rest, trips[d]);
    }
    Value iv = arith::AddIOp::create(
        b, loc, lbs[d], arith::MulIOp::create(b, loc, idx, steps[d]));
    map.map(original.getArgument(d), iv);
  }
  if (numOuter < rank) {
    auto inner = scf::ParallelOp::create(
        b, loc, ArrayRef(lbs).drop_front(numOuter),
        ArrayRef(ubs).drop_front(numOuter),
        ArrayRef(steps).drop_front(numOuter));
    for (unsigned d = numOuter; d < rank; ++d)
      map.map(original.getArgument(d), inner.getInductionVars()[d - numOuter]);
    b.setInsertionPoint(inner.getBody()->getTerminator());
  }
  for (Operation &op : original.without_terminator())
    b.clone(op, map);

  // The call site: context struct on the stack, runtime handle from the
  // kernel's thread-local, then parallel_for.
  b.setInsertionPoint(loop);
  Value ctxPtr;
  if (captures.empty()) {
    ctxPtr = LLVM::ZeroOp::create(b, loc, ptrType);
  } else {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&parent.getBody().front());
    Value count = LLVM::ConstantOp::create(b, loc, i64, 1);
    ctxPtr = LLVM::AllocaOp::create(b, loc, ptrType, ctxType, count);
  }
  for (auto [index, c] : llvm::enumerate(captures)) {
    Value value = c.value;
    if (isa<IndexType>(value.getType()))
      value = arith::IndexCastOp::create(b, loc, i64, value);
    else if (isa<MemRefType>(value.getType()))
      value = UnrealizedConversionCastOp::create(b, loc, c.storedType, value)
                  .getResult(0);
    Value addr = LLVM::GEPOp::create(
        b, loc, ptrType, ctxType, ctxPtr,
        ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(index)});
    LLVM::StoreOp::create(b, loc, value, addr);
  }
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned d = 0; d < numOuter; ++d)
    total = arith::MulIOp::create(
        b, loc, total,
        tripCount(b, loc, loop.getLowerBound()[d], loop.getUpperBound()[d],
                  loop.getStep()[d]));
  total = arith::IndexCastOp::create(b, loc, i64, total);
  Value runtimeAddr =
      LLVM::AddressOfOp::create(b, loc, getOrCreateRuntimeGlobal());
  Value runtime = LLVM::LoadOp::create(b, loc, ptrType, runtimeAddr);
  Value fn = func::ConstantOp::create(b, loc, body.getFunctionType(),
                                      SymbolRefAttr::get(body));
  Value fnPtr =
      UnrealizedConversionCastOp::create(b, loc, ptrType, fn).getResult(0);
  LLVM::CallOp::create(b, loc, getOrCreateParallelFor(),
                       ValueRange{runtime, total, fnPtr, ctxPtr});
  loop.erase();
  return success();
}

struct ParallelizeLoopsPass
    : public kiln::cpu::impl::KilnCpuParallelizeLoopsBase<
          ParallelizeLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // scf.forall without results is an scf.parallel.
    SmallVector<scf::ForallOp> foralls;
    module.walk([&](scf::ForallOp op) { foralls.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (scf::ForallOp op : foralls) {
      if (op.getNumResults() != 0 || op.getMapping())
        continue;
      rewriter.setInsertionPoint(op);
      (void)scf::forallToParallelLoop(rewriter, op);
    }

    // Outermost parallel loops of functions with bodies.
    SmallVector<scf::ParallelOp> loops;
    module.walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() &&
          op->getParentOfType<func::FuncOp>())
        loops.push_back(op);
    });
    LoopOutliner outliner(module, minChunks);
    for (scf::ParallelOp loop : loops)
      (void)outliner.outline(loop);
  }
};

} // namespace
