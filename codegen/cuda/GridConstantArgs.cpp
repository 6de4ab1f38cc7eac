//===- GridConstantArgs.cpp - by-value tensor maps as grid constants ------===//
//
// kiln-cuda-grid-constant-args: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDAGRIDCONSTANTARGS
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

/// The casts of `arg` to !llvm.ptr when those are its only uses.
SmallVector<UnrealizedConversionCastOp> addressCasts(BlockArgument arg) {
  SmallVector<UnrealizedConversionCastOp> casts;
  for (Operation *user : arg.getUsers()) {
    auto cast = dyn_cast<UnrealizedConversionCastOp>(user);
    if (!cast || cast.getNumOperands() != 1 || cast.getNumResults() != 1 ||
        !isa<LLVM::LLVMPointerType>(cast.getResult(0).getType()))
      return {};
    casts.push_back(cast);
  }
  return casts;
}

struct GridConstantArgsPass
    : public kiln::cuda::impl::KilnCudaGridConstantArgsBase<
          GridConstantArgsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<LLVM::LLVMFuncOp>()) {
      if (func.isExternal() ||
          !func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()))
        continue;
      Block &entry = func.getBody().front();
      SmallVector<Type> inputs(func.getFunctionType().getParams());
      bool changed = false;
      for (BlockArgument arg : entry.getArguments()) {
        auto array = dyn_cast<LLVM::LLVMArrayType>(arg.getType());
        if (!array)
          continue;
        SmallVector<UnrealizedConversionCastOp> casts = addressCasts(arg);
        if (casts.empty())
          continue;
        auto ptr = LLVM::LLVMPointerType::get(&getContext());
        arg.setType(ptr);
        for (UnrealizedConversionCastOp cast : casts) {
          cast.getResult(0).replaceAllUsesWith(arg);
          cast.erase();
        }
        unsigned i = arg.getArgNumber();
        inputs[i] = ptr;
        OpBuilder b(&getContext());
        func.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(),
                        TypeAttr::get(array));
        func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                        b.getI64IntegerAttr(64));
        func.setArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName(),
                        b.getUnitAttr());
        changed = true;
      }
      if (changed)
        func.setFunctionType(LLVM::LLVMFunctionType::get(
            func.getFunctionType().getReturnType(), inputs,
            func.getFunctionType().isVarArg()));
    }
  }
};

} // namespace
