//===- LowerRuntimeChecks.cpp - cf.assert -> kiln_rt_check_failed ---------===//
//
// Every cf.assert becomes a conditional call of the runtime's
// kiln_rt_check_failed(message), which makes m_run return an error instead
// of aborting the host program.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPULOWERRUNTIMECHECKS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kCheckFailed = "kiln_rt_check_failed";

/// `void kiln_rt_check_failed(const char *)`: a weak definition that calls
/// abort(), replaced by the runtime's when codegen/package links it in.
LLVM::LLVMFuncOp getOrCreateCheckFailed(ModuleOp module) {
  if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(kCheckFailed))
    return fn;
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  auto abortFn = module.lookupSymbol<LLVM::LLVMFuncOp>("abort");
  if (!abortFn)
    abortFn = LLVM::LLVMFuncOp::create(b, loc, "abort",
                                       LLVM::LLVMFunctionType::get(voidType, {}));
  auto fn = LLVM::LLVMFuncOp::create(
      b, loc, kCheckFailed, LLVM::LLVMFunctionType::get(voidType, {ptrType}),
      LLVM::Linkage::Weak);
  Block *entry = fn.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  LLVM::CallOp::create(b, loc, abortFn, ValueRange());
  LLVM::UnreachableOp::create(b, loc);
  return fn;
}

/// An internal constant global holding `text` NUL-terminated.
LLVM::GlobalOp getOrCreateMessage(ModuleOp module, StringRef text,
                                  unsigned &counter) {
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  MLIRContext *ctx = module.getContext();
  std::string value = text.str();
  value.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), value.size());
  std::string name = "__kiln_check_message_" + std::to_string(counter++);
  return LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                                LLVM::Linkage::Internal, name,
                                b.getStringAttr(value));
}

struct LowerRuntimeChecksPass
    : public kiln::cpu::impl::KilnCpuLowerRuntimeChecksBase<
          LowerRuntimeChecksPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<cf::AssertOp> asserts;
    module.walk([&](cf::AssertOp op) { asserts.push_back(op); });
    if (asserts.empty())
      return;
    LLVM::LLVMFuncOp checkFailed = getOrCreateCheckFailed(module);
    unsigned counter = 0;
    for (cf::AssertOp op : asserts) {
      LLVM::GlobalOp message = getOrCreateMessage(module, op.getMsg(), counter);
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value failed = arith::XOrIOp::create(
          b, loc, op.getArg(), arith::ConstantIntOp::create(b, loc, 1, 1));
      auto ifOp = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value addr = LLVM::AddressOfOp::create(b, loc, message);
      LLVM::CallOp::create(b, loc, checkFailed, ValueRange{addr});
      op.erase();
    }
  }
};

} // namespace
