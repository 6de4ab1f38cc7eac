//===- UKernelWeights.cpp - Constant operands packed into the blob --------===//

#include "codegen/cpu/UKernelWeights.h"

#include "lowering/bufferize/EntryAbi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

#include <cstring>

using namespace mlir;

namespace kiln::cpu {

namespace {

/// The constant byte offset of a view of the weights argument.
std::optional<int64_t> viewOffset(memref::ViewOp view) {
  APInt offset;
  if (!matchPattern(view.getByteShift(), m_ConstantInt(&offset)))
    return std::nullopt;
  return offset.getSExtValue();
}

} // namespace

bool WeightsBlobEditor::load(Value blobArg) {
  auto arg = dyn_cast<BlockArgument>(blobArg);
  auto fn = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                : nullptr;
  if (!fn || !fn.getArgAttr(arg.getArgNumber(), kWeightsArgAttr))
    return false;
  if (loaded)
    return arg == blob;
  auto bytes = module->getAttrOfType<IntegerAttr>(kWeightsBytesAttr);
  FailureOr<SmallVector<WeightsLayoutEntry>> layout = readWeightsLayout(module);
  if (!module->hasAttr(kWeightsLayoutAttr) || !bytes || failed(layout))
    return false;
  entries.assign(layout->begin(), layout->end());
  blob = arg;
  totalBytes = bytes.getInt();
  loaded = true;
  return true;
}

std::optional<std::vector<float>> WeightsBlobEditor::readF32(Value memref) {
  auto view = memref.getDefiningOp<memref::ViewOp>();
  if (!view || !load(view.getSource()))
    return std::nullopt;
  auto type = cast<MemRefType>(view.getType());
  std::optional<int64_t> offset = viewOffset(view);
  if (!offset || !type.hasStaticShape() || !type.getElementType().isF32())
    return std::nullopt;
  int64_t count = type.getNumElements();
  const WeightsLayoutEntry *entry = nullptr;
  for (const WeightsLayoutEntry &e : entries)
    if (e.offset == *offset && e.size == count * 4)
      entry = &e;
  if (!entry || !entry->value.getElementType().isF32())
    return std::nullopt;
  std::vector<float> data(count);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(entry->value)) {
    AsmResourceBlob *raw = resource.getRawHandle().getBlob();
    if (!raw || static_cast<int64_t>(raw->getData().size()) != count * 4)
      return std::nullopt;
    std::memcpy(data.data(), raw->getData().data(), count * 4);
  } else if (auto dense = dyn_cast<DenseElementsAttr>(entry->value)) {
    llvm::copy(dense.getValues<float>(), data.begin());
  } else {
    return std::nullopt;
  }
  return data;
}

bool WeightsBlobEditor::contains(StringRef key) const {
  return added.contains(key);
}

Value WeightsBlobEditor::add(OpBuilder &b, Location loc, StringRef key,
                             ArrayRef<float> data) {
  auto it = added.find(key);
  if (it == added.end()) {
    auto type = RankedTensorType::get({static_cast<int64_t>(data.size())},
                                      b.getF32Type());
    auto value = DenseResourceElementsAttr::get(
        type, key, HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
    int64_t offset = llvm::alignTo(totalBytes, kBufferAlignment);
    int64_t size = static_cast<int64_t>(data.size()) * 4;
    totalBytes = llvm::alignTo(offset + size, kBufferAlignment);
    entries.push_back({b.getStringAttr(key), offset, size, value});
    it = added.try_emplace(key, entries.size() - 1).first;
  }
  const WeightsLayoutEntry &entry = entries[it->second];
  Value offset = arith::ConstantIndexOp::create(b, loc, entry.offset);
  auto type = MemRefType::get({entry.size / 4}, b.getF32Type());
  return memref::ViewOp::create(b, loc, type, blob, offset, ValueRange());
}

void WeightsBlobEditor::finalize() {
  if (!loaded || added.empty())
    return;
  // Views by entry; any other use of the blob keeps every offset.
  bool compact = true;
  llvm::DenseMap<int64_t, SmallVector<memref::ViewOp>> viewsAt;
  for (Operation *user : llvm::make_early_inc_range(blob.getUsers())) {
    auto view = dyn_cast<memref::ViewOp>(user);
    if (view && view.use_empty()) {
      view.erase();
      continue;
    }
    std::optional<int64_t> offset = view ? viewOffset(view) : std::nullopt;
    if (!offset) {
      compact = false;
      continue;
    }
    viewsAt[*offset].push_back(view);
  }
  if (compact) {
    for (auto &[offset, views] : viewsAt)
      if (llvm::none_of(entries, [&](const WeightsLayoutEntry &e) {
            return e.offset == offset;
          }))
        compact = false;
  }
  if (compact) {
    std::vector<WeightsLayoutEntry> kept;
    int64_t next = 0;
    for (WeightsLayoutEntry &entry : entries) {
      auto views = viewsAt.find(entry.offset);
      if (views == viewsAt.end())
        continue;
      int64_t offset = llvm::alignTo(next, kBufferAlignment);
      next = offset + entry.size;
      if (offset != entry.offset) {
        for (memref::ViewOp view : views->second) {
          OpBuilder b(view);
          view.getByteShiftMutable().assign(
              arith::ConstantIndexOp::create(b, view.getLoc(), offset));
        }
      }
      entry.offset = offset;
      kept.push_back(entry);
    }
    entries = std::move(kept);
    totalBytes = llvm::alignTo(next, kBufferAlignment);
  }

  Builder b(module.getContext());
  writeWeightsLayout(module, entries, totalBytes);
  blob.setType(MemRefType::get({totalBytes}, b.getI8Type()));
  auto fn = cast<func::FuncOp>(blob.getOwner()->getParentOp());
  fn.setType(FunctionType::get(module.getContext(),
                               fn.getBody().getArgumentTypes(),
                               fn.getResultTypes()));
}

} // namespace kiln::cpu
