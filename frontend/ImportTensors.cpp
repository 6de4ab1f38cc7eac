//===- ImportTensors.cpp - ONNX TensorProto to ElementsAttr ---------------===//
//
// Every way ONNX stores tensor data (raw_data, the typed repeated fields,
// external files) is first brought to the raw little-endian layout ONNX
// defines for raw_data, its size checked against the shape exactly, and then
// turned into a dense attribute (small tensors, so passes can read them) or
// a resource blob (large ones, so weights never pass through MLIR text).
//
//===----------------------------------------------------------------------===//

#include "frontend/ExternalData.h"
#include "frontend/ImporterImpl.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/StringExtras.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/Endian.h"

#include <cstring>

using namespace mlir;

namespace kiln::detail {
namespace {

/// Bits one element occupies in ONNX's raw layout (0 for strings).
unsigned rawBitsOf(Type type) {
  if (auto complex = dyn_cast<ComplexType>(type))
    return 2 * rawBitsOf(complex.getElementType());
  if (type.isInteger(1))
    return 8;
  if (type.isIntOrFloat())
    return type.getIntOrFloatBitWidth();
  return 0;
}

/// Element count of `dims`, or failure on negative dims or overflow.
FailureOr<int64_t> countElements(ArrayRef<int64_t> dims, Location loc,
                                 StringRef name) {
  int64_t count = 1;
  for (int64_t dim : dims) {
    if (dim < 0) {
      emitError(loc) << "tensor '" << name << "' has negative dimension "
                     << dim;
      return failure();
    }
    if (__builtin_mul_overflow(count, dim, &count)) {
      emitError(loc) << "tensor '" << name
                     << "' has too many elements (overflow)";
      return failure();
    }
  }
  return count;
}

std::string shapeString(ArrayRef<int64_t> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

/// Appends the low `bytes` bytes of `value` in little-endian order.
void appendLE(std::vector<char> &out, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

/// A resource-blob key made of identifier characters.
std::string blobKey(StringRef name) {
  std::string key;
  for (char c : name)
    key += (llvm::isAlnum(c) || c == '_') ? c : '_';
  if (key.empty() || llvm::isDigit(key[0]))
    key.insert(0, "w_");
  return key;
}

/// Decodes `count` sub-byte elements of `bits` bits, packed low bits first.
DenseElementsAttr decodePacked(ShapedType type, ArrayRef<char> raw,
                               int64_t count, unsigned bits) {
  Type elementType = type.getElementType();
  unsigned perByte = 8 / bits;
  auto element = [&](int64_t i) -> uint64_t {
    uint8_t byte = static_cast<uint8_t>(raw[i / perByte]);
    return (byte >> ((i % perByte) * bits)) & ((1u << bits) - 1);
  };
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> values;
    values.reserve(count);
    for (int64_t i = 0; i < count; ++i)
      values.emplace_back(floatType.getFloatSemantics(),
                          APInt(bits, element(i)));
    return DenseElementsAttr::get(type, values);
  }
  SmallVector<APInt> values;
  values.reserve(count);
  for (int64_t i = 0; i < count; ++i)
    values.emplace_back(bits, element(i));
  return DenseElementsAttr::get(type, values);
}
} // namespace

FailureOr<ElementsAttr>
ModelImporter::convertTensor(const pb::TensorProto &tensor, Location loc,
                             StringRef name, bool initializer) {
  if (tensor.has_segment()) {
    emitError(loc) << "tensor '" << name << "' is segmented (unsupported)";
    return failure();
  }
  Type elementType = onnx::getElementTypeForDataType(ctx, tensor.data_type());
  if (!elementType) {
    emitError(loc) << "tensor '" << name << "' has unsupported data type "
                   << tensor.data_type();
    return failure();
  }
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  FailureOr<int64_t> count = countElements(dims, loc, name);
  if (failed(count))
    return failure();
  auto type = RankedTensorType::get(dims, elementType);

  // Strings have no raw layout.
  if (isa<onnx::StringType>(elementType)) {
    if (tensor.has_raw_data() ||
        tensor.data_location() == pb::TensorProto::EXTERNAL) {
      emitError(loc) << "string tensor '" << name
                     << "' must use string_data";
      return failure();
    }
    if (tensor.string_data_size() != *count) {
      emitError(loc) << "tensor '" << name << "' has "
                     << tensor.string_data_size()
                     << " strings, expected " << *count << " for shape "
                     << shapeString(dims);
      return failure();
    }
    SmallVector<StringRef> values(tensor.string_data().begin(),
                                  tensor.string_data().end());
    return ElementsAttr(DenseStringElementsAttr::get(type, values));
  }

  unsigned bits = rawBitsOf(elementType);
  if (bits == 0) {
    emitError(loc) << "tensor '" << name << "' has unsupported data type "
                   << tensor.data_type();
    return failure();
  }
  // Bytes the raw layout takes: sub-byte elements are packed.
  uint64_t expectedBytes;
  {
    unsigned __int128 totalBits = (unsigned __int128)*count * bits;
    unsigned __int128 bytes128 = (totalBits + 7) / 8;
    if (bytes128 > (unsigned __int128)INT64_MAX) {
      emitError(loc) << "tensor '" << name << "' is too large";
      return failure();
    }
    expectedBytes = static_cast<uint64_t>(bytes128);
  }
  if (!llvm::sys::IsLittleEndianHost) {
    emitError(loc) << "kiln reads ONNX tensors on little-endian hosts only";
    return failure();
  }

  // Find the bytes: external file, raw_data, or a typed field.
  std::unique_ptr<llvm::MemoryBuffer> external;
  std::vector<char> converted;
  ArrayRef<char> raw;
  if (tensor.data_location() == pb::TensorProto::EXTERNAL) {
    FailureOr<ExternalDataRef> ref = parseExternalDataRef(tensor, loc);
    if (failed(ref))
      return failure();
    if (options.modelPath.empty()) {
      emitError(loc) << "tensor '" << name
                     << "' uses external data but the model's folder is "
                        "unknown";
      return failure();
    }
    if (ref->length && *ref->length != expectedBytes) {
      emitError(loc) << "tensor '" << name << "' has " << *ref->length
                     << " bytes of external data, expected " << expectedBytes
                     << " for shape " << shapeString(dims);
      return failure();
    }
    FailureOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        loadExternalData(modelDir, *ref, loc);
    if (failed(buffer))
      return failure();
    external = std::move(*buffer);
    raw = ArrayRef<char>(external->getBufferStart(), external->getBufferSize());
  } else if (tensor.has_raw_data()) {
    raw = ArrayRef<char>(tensor.raw_data().data(), tensor.raw_data().size());
  } else {
    // Typed fields. Sub-byte types store one packed byte per int32 entry.
    Type scalar = elementType;
    if (auto complex = dyn_cast<ComplexType>(elementType))
      scalar = complex.getElementType();
    unsigned scalarBytes = std::max(1u, rawBitsOf(scalar) / 8);
    bool packed = bits < 8;
    int64_t expectedValues =
        packed ? static_cast<int64_t>(expectedBytes)
               : *count * (isa<ComplexType>(elementType) ? 2 : 1);
    int64_t have = 0;
    auto checkCount = [&](int64_t n) -> LogicalResult {
      have = n;
      if (n == expectedValues)
        return success();
      emitError(loc) << "tensor '" << name << "' has " << n
                     << " values, expected " << expectedValues
                     << " for shape " << shapeString(dims);
      return failure();
    };
    if (scalar.isF32()) {
      if (failed(checkCount(tensor.float_data_size())))
        return failure();
      converted.resize(have * 4);
      if (have)
        std::memcpy(converted.data(), tensor.float_data().data(), have * 4);
    } else if (scalar.isF64()) {
      if (failed(checkCount(tensor.double_data_size())))
        return failure();
      converted.resize(have * 8);
      if (have)
        std::memcpy(converted.data(), tensor.double_data().data(), have * 8);
    } else if (scalar.isInteger(64) && !scalar.isUnsignedInteger()) {
      if (failed(checkCount(tensor.int64_data_size())))
        return failure();
      converted.resize(have * 8);
      if (have)
        std::memcpy(converted.data(), tensor.int64_data().data(), have * 8);
    } else if (scalar.isUnsignedInteger(32) || scalar.isUnsignedInteger(64)) {
      if (failed(checkCount(tensor.uint64_data_size())))
        return failure();
      converted.reserve(have * scalarBytes);
      for (uint64_t v : tensor.uint64_data())
        appendLE(converted, v, scalarBytes);
    } else {
      // int32, int16, int8, uint16, uint8, bool, float16, bfloat16, the
      // float8 types, and the packed sub-byte types: int32_data.
      if (failed(checkCount(tensor.int32_data_size())))
        return failure();
      converted.reserve(have * scalarBytes);
      bool isBool = scalar.isInteger(1);
      for (int32_t v : tensor.int32_data())
        appendLE(converted, isBool ? (v != 0) : static_cast<uint32_t>(v),
                 packed ? 1 : scalarBytes);
    }
    raw = converted;
  }
  if (raw.size() != expectedBytes) {
    emitError(loc) << "tensor '" << name << "' has " << raw.size()
                   << " bytes of data, expected " << expectedBytes
                   << " for shape " << shapeString(dims);
    return failure();
  }

  // Large byte-addressable tensors: a resource blob (no copy of mmapped
  // external data when it is suitably aligned).
  bool byteSized = bits % 8 == 0 && !elementType.isInteger(1);
  if (byteSized && *count > options.denseElementLimit) {
    size_t align = std::min<size_t>(bits / 8, alignof(std::max_align_t));
    if (!llvm::isPowerOf2_64(align))
      align = 1;
    AsmResourceBlob blob;
    if (external &&
        reinterpret_cast<uintptr_t>(raw.data()) % alignof(uint64_t) == 0) {
      std::shared_ptr<llvm::MemoryBuffer> owner(std::move(external));
      blob = AsmResourceBlob(
          raw, alignof(uint64_t),
          [owner](void *, size_t, size_t) mutable { owner.reset(); },
          /*dataIsMutable=*/false);
    } else if (moveRawData && initializer && tensor.has_raw_data() &&
               reinterpret_cast<uintptr_t>(raw.data()) % alignof(uint64_t) ==
                   0) {
      // The importer owns the model: take the buffer instead of copying it
      // (a moved std::string keeps its heap buffer, so `raw` stays valid).
      auto owner = std::make_shared<std::string>(std::move(
          *const_cast<pb::TensorProto &>(tensor).mutable_raw_data()));
      blob = AsmResourceBlob(
          ArrayRef<char>(owner->data(), owner->size()), alignof(uint64_t),
          [owner](void *, size_t, size_t) mutable { owner.reset(); },
          /*dataIsMutable=*/false);
    } else {
      blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
          raw, std::max<size_t>(align, alignof(uint64_t)));
    }
    return ElementsAttr(
        DenseResourceElementsAttr::get(type, blobKey(name), std::move(blob)));
  }
  if (elementType.isInteger(1)) {
    SmallVector<bool> values;
    values.reserve(*count);
    for (char c : raw)
      values.push_back(c != 0);
    return ElementsAttr(DenseElementsAttr::get(type, values));
  }
  if (bits < 8)
    return ElementsAttr(decodePacked(type, raw, *count, bits));
  return ElementsAttr(DenseElementsAttr::getFromRawBuffer(type, raw));
}

} // namespace kiln::detail
