//===- RuntimeLinking.cpp - Linking the runtime bitcode into a model ------===//
//
// The runtime (runtime/*.c) is embedded in the compiler as LLVM bitcode. It
// is parsed into the model's context, retargeted to the model's triple and
// data layout, linked in, and then everything except the model's exported
// API is internalized: runtime and kernel symbols become local to the model's
// object, so any number of models can be linked into one executable.
//
//===----------------------------------------------------------------------===//

#include "codegen/package/Package.h"

#include "runtime/kiln_runtime_bitcode.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Transforms/IPO/Internalize.h"

#include <set>

using namespace llvm;

namespace kiln::package {

bool runtimeIsSanitized() { return kiln_runtime_bitcode_sanitizers[0] != 0; }

Error linkRuntime(Module &module, ArrayRef<std::string> exported) {
  StringRef bytes(reinterpret_cast<const char *>(kiln_runtime_bitcode),
                  kiln_runtime_bitcode_size);
  Expected<std::unique_ptr<Module>> runtime = parseBitcodeFile(
      MemoryBufferRef(bytes, "kiln_runtime.bc"), module.getContext());
  if (!runtime)
    return createStringError("cannot read the embedded runtime bitcode: " +
                             toString(runtime.takeError()));
  if (!module.getTargetTriple().empty())
    (*runtime)->setTargetTriple(module.getTargetTriple());
  if (!module.getDataLayout().isDefault())
    (*runtime)->setDataLayout(module.getDataLayout());
  // A weak kernel-side definition (the serial kiln_rt_parallel_for of
  // kiln-cpu-parallelize-loops) is a fallback the runtime's replaces.
  for (Function &f : **runtime)
    if (Function *own = module.getFunction(f.getName());
        own && !f.isDeclaration() && !own->isDeclaration() &&
        !own->hasWeakLinkage())
      return createStringError("the kernel module already defines runtime "
                               "function '" + f.getName().str() + "'");
  if (Linker::linkModules(module, std::move(*runtime)))
    return createStringError("linking the runtime into the model failed");

  // Keep exactly the API; `<m>_kernel` and the runtime become internal.
  std::set<std::string> keep(exported.begin(), exported.end());
  internalizeModule(module, [&](const GlobalValue &gv) {
    return keep.count(gv.getName().str()) > 0;
  });
  for (Function &f : module)
    if (keep.count(f.getName().str()))
      f.setVisibility(GlobalValue::DefaultVisibility);
  return Error::success();
}

} // namespace kiln::package
