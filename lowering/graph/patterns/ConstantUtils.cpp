//===- ConstantUtils.cpp - Constants for the graph rewrites ---------------===//
//
// Reads constants whether they are dense attrs or resource blobs (weights
// are imported as resources) and builds new ones. Large results become new
// resource blobs, never dense attrs of millions of elements (DESIGN.md:
// weights never pass through MLIR text).
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace kiln::graph {

/// Constants with more elements than this become resource blobs (the
/// importer's dense limit).
static constexpr int64_t kDenseElementLimit = 64;

ElementsAttr getConstElements(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return nullptr;
  return dyn_cast<ElementsAttr>(attr);
}

std::optional<double> getSplatFloat(Value v) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(getConstElements(v));
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

bool isSplatFloat(Value v, double want) {
  std::optional<double> got = getSplatFloat(v);
  return got && std::fabs(*got - want) <= 1e-4 * std::fabs(want);
}

std::optional<ArrayRef<char>> viewRawBytes(Value v,
                                           std::vector<char> &storage) {
  ElementsAttr attr = getConstElements(v);
  if (!attr)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Type elt = type.getElementType();
  if (!elt.isIntOrFloat() || elt.getIntOrFloatBitWidth() % 8 != 0 ||
      elt.isInteger(1))
    return std::nullopt;
  size_t eltBytes = elt.getIntOrFloatBitWidth() / 8;
  size_t total = eltBytes * type.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != total)
      return std::nullopt;
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat())
    return raw.size() == total ? std::optional<ArrayRef<char>>(raw)
                               : std::nullopt;
  if (raw.size() < eltBytes)
    return std::nullopt;
  storage.resize(total);
  for (size_t i = 0; i < total; i += eltBytes)
    std::memcpy(storage.data() + i, raw.data(), eltBytes);
  return ArrayRef<char>(storage);
}

std::optional<std::vector<char>> readRawBytes(Value v) {
  std::vector<char> storage;
  std::optional<ArrayRef<char>> view = viewRawBytes(v, storage);
  if (!view)
    return std::nullopt;
  if (view->data() == storage.data())
    return storage;
  return std::vector<char>(view->begin(), view->end());
}

template <typename T>
static std::optional<std::vector<T>> readTyped(Value v, Type want) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getElementType() != want)
    return std::nullopt;
  std::optional<std::vector<char>> raw = readRawBytes(v);
  if (!raw)
    return std::nullopt;
  std::vector<T> out(raw->size() / sizeof(T));
  std::memcpy(out.data(), raw->data(), out.size() * sizeof(T));
  return out;
}

std::optional<std::vector<float>> readF32(Value v) {
  return readTyped<float>(v, Float32Type::get(v.getContext()));
}

std::optional<std::vector<int64_t>> readI64(Value v) {
  return readTyped<int64_t>(v, IntegerType::get(v.getContext(), 64));
}

Value makeConstant(RewriterBase &rewriter, Location loc, RankedTensorType type,
                   ArrayRef<char> bytes, StringRef hint) {
  ElementsAttr attr;
  if (type.getNumElements() > kDenseElementLimit) {
    size_t eltBytes = type.getElementTypeBitWidth() / 8;
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        bytes, std::max<size_t>(eltBytes, alignof(uint64_t)));
    attr = DenseResourceElementsAttr::get(type, hint, std::move(blob));
  } else {
    attr = DenseElementsAttr::getFromRawBuffer(type, bytes);
  }
  return onnx::ConstantOp::create(rewriter, loc, attr);
}

Value makeF32Constant(RewriterBase &rewriter, Location loc,
                      RankedTensorType type, ArrayRef<float> values,
                      StringRef hint) {
  ArrayRef<char> bytes(reinterpret_cast<const char *>(values.data()),
                       values.size() * sizeof(float));
  return makeConstant(rewriter, loc, type, bytes, hint);
}

Value makeI64Constant(RewriterBase &rewriter, Location loc,
                      ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    rewriter.getI64Type());
  ArrayRef<char> bytes(reinterpret_cast<const char *>(values.data()),
                       values.size() * sizeof(int64_t));
  return makeConstant(rewriter, loc, type, bytes, "folded");
}

} // namespace kiln::graph
