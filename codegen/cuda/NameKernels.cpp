//===- NameKernels.cpp - kernels named after their ONNX nodes -------------===//
//
// kiln-cuda-name-kernels: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDANAMEKERNELS
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

/// The first ONNX node name in `loc` (the frontend's NameLoc), or "".
std::string nodeName(Location loc) {
  std::string name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

/// `text` as a C identifier fragment: letters, digits and '_'.
std::string sanitize(StringRef text) {
  std::string out;
  for (char c : text)
    out += llvm::isAlnum(c) ? c : '_';
  while (!out.empty() && out.front() == '_')
    out.erase(out.begin());
  if (out.size() > 48)
    out.resize(48);
  return out;
}

struct NameKernelsPass
    : public kiln::cuda::impl::KilnCudaNameKernelsBase<NameKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    unsigned index = 0;
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto gpuModule = module.lookupSymbol<gpu::GPUModuleOp>(
          launch.getKernelModuleName());
      if (!gpuModule)
        return;
      auto kernel =
          gpuModule.lookupSymbol<gpu::GPUFuncOp>(launch.getKernelName());
      if (!kernel || kernel->hasAttr("kiln.named"))
        return;
      std::string node = sanitize(nodeName(launch.getLoc()));
      std::string name = "k" + std::to_string(index++) +
                         (node.empty() ? "" : "_" + node);
      kernel.setName(name);
      kernel->setAttr("kiln.named", UnitAttr::get(&getContext()));
      // Every launch of it (one per kernel after outlining).
      module.walk([&](gpu::LaunchFuncOp other) {
        if (other.getKernelModuleName() == gpuModule.getName() &&
            other.getKernelName() == launch.getKernelName() &&
            other != launch)
          other.setKernelAttr(SymbolRefAttr::get(
              gpuModule.getNameAttr(),
              {FlatSymbolRefAttr::get(&getContext(), name)}));
      });
      launch.setKernelAttr(
          SymbolRefAttr::get(gpuModule.getNameAttr(),
                             {FlatSymbolRefAttr::get(&getContext(), name)}));
    });
    module.walk([](gpu::GPUFuncOp kernel) { kernel->removeAttr("kiln.named"); });
  }
};

} // namespace
