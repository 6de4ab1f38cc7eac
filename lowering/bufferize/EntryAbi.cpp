//===- EntryAbi.cpp - lookup of the entry function ------------------------===//

#include "lowering/bufferize/EntryAbi.h"

using namespace mlir;

namespace kiln {

FailureOr<SmallVector<WeightsLayoutEntry>> readWeightsLayout(ModuleOp module) {
  SmallVector<WeightsLayoutEntry> entries;
  auto layout = module->getAttrOfType<ArrayAttr>(kWeightsLayoutAttr);
  if (!layout)
    return entries;
  for (Attribute attr : layout) {
    auto dict = dyn_cast<DictionaryAttr>(attr);
    auto name = dict ? dict.getAs<StringAttr>("name") : nullptr;
    auto offset = dict ? dict.getAs<IntegerAttr>("offset") : nullptr;
    auto size = dict ? dict.getAs<IntegerAttr>("size") : nullptr;
    auto value = dict ? dict.getAs<ElementsAttr>("value") : nullptr;
    if (!name || !offset || !size || !value)
      return failure();
    entries.push_back({name, offset.getInt(), size.getInt(), value});
  }
  return entries;
}

void writeWeightsLayout(ModuleOp module, ArrayRef<WeightsLayoutEntry> entries,
                        int64_t totalBytes) {
  Builder b(module.getContext());
  SmallVector<Attribute> layout;
  for (const WeightsLayoutEntry &entry : entries)
    layout.push_back(b.getDictionaryAttr({
        b.getNamedAttr("name", entry.name),
        b.getNamedAttr("offset", b.getI64IntegerAttr(entry.offset)),
        b.getNamedAttr("size", b.getI64IntegerAttr(entry.size)),
        b.getNamedAttr("value", entry.value),
    }));
  module->setAttr(kWeightsLayoutAttr, b.getArrayAttr(layout));
  module->setAttr(kWeightsBytesAttr, b.getI64IntegerAttr(totalBytes));
}

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
