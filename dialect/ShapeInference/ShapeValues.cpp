//===- ShapeValues.cpp - Constant inputs and shape-value propagation ------===//
//
// Reads the integer and float elements of `onnx.Constant` values (dense or
// resource blobs), and tracks the values of small integer tensors computed
// from shapes, as torch exports build Reshape/Expand targets:
//   Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))
// keeps the batch symbol of `x` because the first target element is known to
// equal x's dim 0.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace kiln::onnx {

namespace {

/// Shape values longer than this are not tracked (they are not shapes).
constexpr int64_t kMaxShapeValueLength = 64;
/// How far back through producers getShapeValue() looks.
constexpr unsigned kMaxShapeValueDepth = 24;

ElementsAttr getConstantElements(Value value) {
  auto constant = value ? value.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!constant)
    return {};
  return constant.getValueAttr();
}

/// Reads the raw bytes of a resource-backed constant; empty when missing or
/// too short for the type.
std::optional<ArrayRef<char>> getResourceBytes(DenseResourceElementsAttr attr,
                                               unsigned elementBytes) {
  AsmResourceBlob *blob = attr.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  ArrayRef<char> data = blob->getData();
  int64_t count = attr.getType().getNumElements();
  if (static_cast<int64_t>(data.size()) < count * elementBytes)
    return std::nullopt;
  return data;
}

template <typename T>
T readUnaligned(const char *bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

} // namespace

std::optional<SmallVector<int64_t>> getConstantInts(Value value) {
  ElementsAttr elements = getConstantElements(value);
  if (!elements)
    return std::nullopt;
  auto intType = dyn_cast<IntegerType>(elements.getElementType());
  if (!intType || elements.getNumElements() > (1 << 20))
    return std::nullopt;
  bool isUnsigned = intType.isUnsigned();
  SmallVector<int64_t> result;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(elements)) {
    for (const APInt &element : dense.getValues<APInt>())
      result.push_back(isUnsigned ? static_cast<int64_t>(element.getZExtValue())
                                  : element.getSExtValue());
    return result;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(elements);
  unsigned width = intType.getWidth();
  if (!resource || (width != 8 && width != 16 && width != 32 && width != 64))
    return std::nullopt;
  std::optional<ArrayRef<char>> bytes = getResourceBytes(resource, width / 8);
  if (!bytes)
    return std::nullopt;
  int64_t count = resource.getType().getNumElements();
  for (int64_t i = 0; i < count; ++i) {
    const char *at = bytes->data() + i * (width / 8);
    int64_t element = 0;
    switch (width) {
    case 8:
      element = isUnsigned ? readUnaligned<uint8_t>(at) : readUnaligned<int8_t>(at);
      break;
    case 16:
      element =
          isUnsigned ? readUnaligned<uint16_t>(at) : readUnaligned<int16_t>(at);
      break;
    case 32:
      element =
          isUnsigned ? readUnaligned<uint32_t>(at) : readUnaligned<int32_t>(at);
      break;
    default:
      element = readUnaligned<int64_t>(at);
      break;
    }
    result.push_back(element);
  }
  return result;
}

std::optional<SmallVector<double>> getConstantFloats(Value value) {
  ElementsAttr elements = getConstantElements(value);
  if (!elements)
    return std::nullopt;
  auto floatType = dyn_cast<FloatType>(elements.getElementType());
  if (!floatType || elements.getNumElements() > (1 << 20))
    return std::nullopt;
  SmallVector<double> result;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(elements)) {
    for (const APFloat &element : dense.getValues<APFloat>())
      result.push_back(element.convertToDouble());
    return result;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(elements);
  unsigned width = floatType.getWidth();
  if (!resource || (!floatType.isF32() && !floatType.isF64()))
    return std::nullopt;
  std::optional<ArrayRef<char>> bytes = getResourceBytes(resource, width / 8);
  if (!bytes)
    return std::nullopt;
  int64_t count = resource.getType().getNumElements();
  for (int64_t i = 0; i < count; ++i) {
    const char *at = bytes->data() + i * (width / 8);
    result.push_back(floatType.isF32() ? readUnaligned<float>(at)
                                       : readUnaligned<double>(at));
  }
  return result;
}

namespace {

std::optional<DimList> getShapeValueImpl(Value value, unsigned depth);

/// An elementwise integer op on two shape values (numpy broadcasting of a
/// length-1 side). Symbols survive only the identities x*1, x+0, x-0, x/1.
std::optional<DimList> combineShapeValues(Operation *op, unsigned depth) {
  std::optional<DimList> lhs = getShapeValueImpl(op->getOperand(0), depth + 1);
  std::optional<DimList> rhs = getShapeValueImpl(op->getOperand(1), depth + 1);
  if (!lhs || !rhs)
    return std::nullopt;
  size_t length = std::max(lhs->size(), rhs->size());
  if ((lhs->size() != length && lhs->size() != 1) ||
      (rhs->size() != length && rhs->size() != 1))
    return std::nullopt;
  StringRef name = op->getName().getStringRef();
  DimList result;
  for (size_t i = 0; i < length; ++i) {
    Dim a = (*lhs)[lhs->size() == 1 ? 0 : i];
    Dim b = (*rhs)[rhs->size() == 1 ? 0 : i];
    if (a.isStatic() && b.isStatic()) {
      int64_t x = a.getSize(), y = b.getSize();
      if (name == AddOp::getOperationName())
        result.push_back(Dim::get(x + y));
      else if (name == SubOp::getOperationName())
        result.push_back(Dim::get(x - y));
      else if (name == MulOp::getOperationName())
        result.push_back(Dim::get(x * y));
      else if (y != 0) // Integer Div truncates toward zero, as C++ does.
        result.push_back(Dim::get(x / y));
      else
        result.push_back(Dim::unknown());
      continue;
    }
    bool isMul = name == MulOp::getOperationName();
    bool isAdd = name == AddOp::getOperationName();
    if ((isMul && b.is(1)) || (isAdd && b.is(0)) ||
        (name == SubOp::getOperationName() && b.is(0)) ||
        (name == DivOp::getOperationName() && b.is(1)))
      result.push_back(a);
    else if ((isMul && a.is(1)) || (isAdd && a.is(0)))
      result.push_back(b);
    else
      result.push_back(Dim::unknown());
  }
  return result;
}

std::optional<DimList> getShapeValueImpl(Value value, unsigned depth) {
  if (!value || depth > kMaxShapeValueDepth)
    return std::nullopt;
  ShapeInfo info = getShapeInfo(value);
  if (!isa_and_nonnull<IntegerType>(info.elementType))
    return std::nullopt;
  // Whatever the producer, a value of static length has that many elements.
  std::optional<DimList> fallback;
  if (info.dims && info.dims->size() <= 1) {
    int64_t length = info.dims->empty() ? 1 : (*info.dims)[0].getSize();
    if (length >= 0 && length <= kMaxShapeValueLength)
      fallback = DimList(length, Dim::unknown());
  }
  Operation *def = value.getDefiningOp();
  if (!def)
    return fallback;

  auto fromInts = [](ArrayRef<int64_t> ints) {
    DimList dims;
    for (int64_t element : ints)
      dims.push_back(Dim::get(element));
    return dims;
  };

  if (auto constant = dyn_cast<ConstantOp>(def)) {
    std::optional<SmallVector<int64_t>> ints = getConstantInts(value);
    if (ints && static_cast<int64_t>(ints->size()) <= kMaxShapeValueLength)
      return fromInts(*ints);
    return fallback;
  }
  if (auto shape = dyn_cast<ShapeOp>(def)) {
    std::optional<DimList> dims = getDims(shape.getData());
    if (!dims)
      return fallback;
    int64_t rank = dims->size();
    int64_t start = static_cast<int64_t>(shape.getStart());
    int64_t end = shape.getEnd() ? static_cast<int64_t>(*shape.getEnd()) : rank;
    start = std::clamp(start < 0 ? start + rank : start, int64_t(0), rank);
    end = std::clamp(end < 0 ? end + rank : end, int64_t(0), rank);
    if (end <= start)
      return DimList();
    return DimList(dims->begin() + start, dims->begin() + end);
  }
  if (auto size = dyn_cast<SizeOp>(def)) {
    std::optional<DimList> dims = getDims(size.getData());
    if (std::optional<int64_t> product =
            dims ? getStaticProduct(*dims) : std::nullopt)
      return DimList{Dim::get(*product)};
    if (dims && dims->size() == 1)
      return DimList{(*dims)[0]};
    return fallback;
  }
  // Ops that keep the elements of a 0-D/1-D value in order.
  if (isa<CastOp, IdentityOp, UnsqueezeOp, SqueezeOp, ReshapeOp, FlattenOp>(
          def)) {
    if (auto result = getShapeValueImpl(def->getOperand(0), depth + 1))
      return result;
    return fallback;
  }
  if (auto gather = dyn_cast<GatherOp>(def)) {
    std::optional<DimList> data = getShapeValueImpl(gather.getData(), depth + 1);
    std::optional<SmallVector<int64_t>> indices =
        getConstantInts(gather.getIndices());
    if (!data || !indices)
      return fallback;
    DimList result;
    for (int64_t index : *indices) {
      std::optional<int64_t> at = normalizeAxis(index, data->size());
      if (!at)
        return fallback;
      result.push_back((*data)[*at]);
    }
    return result;
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    std::optional<DimList> data = getShapeValueImpl(slice.getData(), depth + 1);
    auto starts = getConstantInts(slice.getStarts());
    auto ends = getConstantInts(slice.getEnds());
    if (!data || !starts || !ends || starts->size() != 1 || ends->size() != 1)
      return fallback;
    int64_t step = 1;
    if (!isa<NoneType>(slice.getSteps().getType())) {
      auto steps = getConstantInts(slice.getSteps());
      if (!steps || steps->size() != 1 || (*steps)[0] == 0)
        return fallback;
      step = (*steps)[0];
    }
    int64_t length = data->size();
    int64_t start = (*starts)[0], end = (*ends)[0];
    if (start < 0)
      start += length;
    if (end < 0)
      end += length;
    DimList result;
    if (step > 0) {
      start = std::clamp(start, int64_t(0), length);
      end = std::clamp(end, int64_t(0), length);
      for (int64_t i = start; i < end; i += step)
        result.push_back((*data)[i]);
    } else {
      start = std::clamp(start, int64_t(-1), length - 1);
      end = std::clamp(end, int64_t(-1), length - 1);
      for (int64_t i = start; i > end; i += step)
        result.push_back((*data)[i]);
    }
    return result;
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    DimList result;
    for (Value input : concat.getInputs()) {
      std::optional<DimList> part = getShapeValueImpl(input, depth + 1);
      if (!part)
        return fallback;
      result.append(part->begin(), part->end());
    }
    return result;
  }
  if (isa<AddOp, SubOp, MulOp, DivOp>(def)) {
    if (auto result = combineShapeValues(def, depth))
      return result;
    return fallback;
  }
  if (auto fill = dyn_cast<ConstantOfShapeOp>(def)) {
    std::optional<DimList> shape = getShapeValueImpl(fill.getInput(), depth + 1);
    if (!shape || shape->size() > 1)
      return fallback;
    int64_t fillValue = 0;
    if (auto attr = fill.getValueAttr()) {
      auto dense = dyn_cast<DenseIntElementsAttr>(attr);
      if (!dense || dense.getNumElements() != 1)
        return fallback;
      fillValue = (*dense.getValues<APInt>().begin()).getSExtValue();
    }
    int64_t length = shape->empty() ? 1 : (*shape)[0].getSize();
    if (length < 0 || length > kMaxShapeValueLength)
      return fallback;
    return DimList(length, Dim::get(fillValue));
  }
  return fallback;
}

} // namespace

std::optional<DimList> getShapeValue(Value value) {
  return getShapeValueImpl(value, 0);
}

} // namespace kiln::onnx
