//===- EntryAbi.cpp - lookup of the entry function ------------------------===//

#include "lowering/bufferize/EntryAbi.h"

using namespace mlir;

namespace kiln {

FailureOr<func::FuncOp> findEntryFunction(ModuleOp module) {
  func::FuncOp tagged, named, onlyPublic;
  unsigned numPublic = 0;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    if (func->hasAttr(kEntryFuncAttr)) {
      if (tagged)
        return module.emitError("more than one function tagged ")
               << kEntryFuncAttr;
      tagged = func;
    }
    if (func.getSymName() == "main_graph")
      named = func;
    if (func.isPublic()) {
      ++numPublic;
      onlyPublic = func;
    }
  }
  if (tagged)
    return tagged;
  if (named)
    return named;
  if (numPublic == 1)
    return onlyPublic;
  return module.emitError("cannot find the entry function: expected one "
                          "tagged '")
         << kEntryFuncAttr << "', '@main_graph' or a single public function";
}

EntryArgKind getEntryArgKind(func::FuncOp entry, unsigned index) {
  if (entry.getArgAttr(index, kWeightsArgAttr))
    return EntryArgKind::Weights;
  if (entry.getArgAttr(index, kArenaArgAttr))
    return EntryArgKind::Arena;
  if (entry.getArgAttr(index, kResultArgAttr))
    return EntryArgKind::Output;
  return EntryArgKind::Input;
}

} // namespace kiln
