//===- ReplaceLibdevice.cpp - __nv_* calls to LLVM intrinsics -------------===//
//
// kiln-cuda-replace-libdevice: see Passes.td. Runs on a gpu.module in the
// LLVM dialect (after convert-gpu-to-nvvm).
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDAREPLACELIBDEVICE
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

/// The intrinsic equivalent of libdevice function `name` (f32 names end in
/// `f`), built at `b`; nullptr when there is none.
Value replacement(OpBuilder &b, Location loc, StringRef name,
                  ValueRange args) {
  if (name.ends_with("f"))
    name = name.drop_back();
  Type type = args.empty() ? Type() : args.front().getType();
  auto unary = [&](auto tag) -> Value {
    using OpTy = decltype(tag);
    if (args.size() != 1)
      return nullptr;
    return OpTy::create(b, loc, type, args[0]);
  };
  auto binary = [&](auto tag) -> Value {
    using OpTy = decltype(tag);
    if (args.size() != 2)
      return nullptr;
    return OpTy::create(b, loc, type, args[0], args[1]);
  };
  if (name == "fabs")
    return unary(LLVM::FAbsOp());
  if (name == "sqrt")
    return unary(LLVM::SqrtOp());
  if (name == "floor")
    return unary(LLVM::FFloorOp());
  if (name == "ceil")
    return unary(LLVM::FCeilOp());
  if (name == "trunc")
    return unary(LLVM::FTruncOp());
  if (name == "rint" || name == "nearbyint")
    return unary(LLVM::RintOp());
  if (name == "round")
    return unary(LLVM::RoundOp());
  if (name == "fmin")
    return binary(LLVM::MinNumOp());
  if (name == "fmax")
    return binary(LLVM::MaxNumOp());
  if (name == "copysign")
    return binary(LLVM::CopySignOp());
  // C fmod is LLVM's frem (NVPTX expands it to a - b * trunc(a / b)).
  if (name == "fmod")
    return binary(LLVM::FRemOp());
  if (name == "fma" && args.size() == 3)
    return LLVM::FMAOp::create(b, loc, type, args[0], args[1], args[2]);
  if (name == "rsqrt" && args.size() == 1) {
    Value one = LLVM::ConstantOp::create(b, loc, type,
                                         b.getFloatAttr(type, 1.0));
    Value root = LLVM::SqrtOp::create(b, loc, type, args[0]);
    return LLVM::FDivOp::create(b, loc, type, one, root);
  }
  return nullptr;
}

struct ReplaceLibdevicePass
    : public kiln::cuda::impl::KilnCudaReplaceLibdeviceBase<
          ReplaceLibdevicePass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      std::optional<StringRef> callee = call.getCallee();
      if (callee && callee->starts_with("__nv_"))
        calls.push_back(call);
    });
    for (LLVM::CallOp call : calls) {
      StringRef name = call.getCallee()->drop_front(strlen("__nv_"));
      OpBuilder b(call);
      Value value = replacement(b, call.getLoc(), name, call.getArgOperands());
      if (!value) {
        call.emitError("kiln-cuda-replace-libdevice: '")
            << *call.getCallee()
            << "' needs libdevice (the CUDA toolkit) at run time; no "
               "intrinsic or approximation for it yet";
        return signalPassFailure();
      }
      call.getResult().replaceAllUsesWith(value);
      call.erase();
    }
    // Drop the declarations nothing calls any more.
    for (auto fn : llvm::make_early_inc_range(module.getOps<LLVM::LLVMFuncOp>()))
      if (fn.isExternal() && fn.getName().starts_with("__nv_") &&
          fn.symbolKnownUseEmpty(module))
        fn.erase();
  }
};

} // namespace
