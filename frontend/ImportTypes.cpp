//===- ImportTypes.cpp - ONNX TypeProto to MLIR types ---------------------===//
//
// Tensors become builtin tensor types; a dim_param becomes a dynamic
// dimension named in the #onnx.dims encoding (or a static size when
// `--dim NAME=VALUE` overrides it); sequences and optionals become
// !onnx.seq / !onnx.opt.
//
//===----------------------------------------------------------------------===//

#include "frontend/ImporterImpl.h"

#include "dialect/OnnxDialect.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;

namespace kiln::detail {

Type ModelImporter::makeTensorType(ArrayRef<int64_t> shape,
                                   ArrayRef<std::string> symbols,
                                   Type elementType) {
  bool anySymbol = llvm::any_of(symbols, [](const std::string &s) {
    return !s.empty();
  });
  if (!anySymbol)
    return RankedTensorType::get(shape, elementType);
  SmallVector<Attribute> names;
  for (const std::string &symbol : symbols)
    names.push_back(StringAttr::get(ctx, symbol));
  auto dims = onnx::DimsAttr::get(ctx, ArrayAttr::get(ctx, names));
  return RankedTensorType::get(shape, elementType, dims);
}

FailureOr<Type> ModelImporter::convertType(const pb::TypeProto &type,
                                           Location loc) {
  switch (type.value_case()) {
  case pb::TypeProto::kTensorType: {
    const pb::TypeProto::Tensor &tensor = type.tensor_type();
    if (!tensor.has_elem_type() || tensor.elem_type() == 0)
      return Type();
    Type elementType = onnx::getElementTypeForDataType(ctx, tensor.elem_type());
    if (!elementType) {
      emitError(loc) << "unsupported tensor element type "
                     << tensor.elem_type();
      return failure();
    }
    if (!tensor.has_shape())
      return Type(UnrankedTensorType::get(elementType));
    SmallVector<int64_t> shape;
    SmallVector<std::string> symbols;
    for (const pb::TensorShapeProto::Dimension &dim : tensor.shape().dim()) {
      if (dim.has_dim_value()) {
        if (dim.dim_value() < 0) {
          emitError(loc) << "negative dimension " << dim.dim_value()
                         << " in a tensor type";
          return failure();
        }
        shape.push_back(dim.dim_value());
        symbols.emplace_back();
      } else if (dim.has_dim_param() && !dim.dim_param().empty()) {
        auto it = options.dimOverrides.find(dim.dim_param());
        if (it != options.dimOverrides.end()) {
          shape.push_back(it->second);
          symbols.emplace_back();
        } else {
          shape.push_back(ShapedType::kDynamic);
          symbols.push_back(dim.dim_param());
        }
      } else {
        shape.push_back(ShapedType::kDynamic);
        symbols.emplace_back();
      }
    }
    // Sizes are int64 byte counts everywhere downstream: a static shape
    // whose byte size overflows int64 can never be allocated or indexed.
    int64_t bytes = elementType.isIntOrFloat()
                        ? std::max<int64_t>(1, elementType.getIntOrFloatBitWidth() / 8)
                        : 8;
    for (int64_t d : shape) {
      if (d == ShapedType::kDynamic)
        continue;
      if (llvm::MulOverflow(bytes, d, bytes)) {
        emitError(loc) << "tensor type has more than 2^63 bytes";
        return failure();
      }
    }
    return makeTensorType(shape, symbols, elementType);
  }
  case pb::TypeProto::kSequenceType: {
    if (!type.sequence_type().has_elem_type())
      return Type();
    FailureOr<Type> element = convertType(type.sequence_type().elem_type(), loc);
    if (failed(element) || !*element)
      return element;
    return Type(onnx::SeqType::get(ctx, *element));
  }
  case pb::TypeProto::kOptionalType: {
    if (!type.optional_type().has_elem_type())
      return Type();
    FailureOr<Type> element = convertType(type.optional_type().elem_type(), loc);
    if (failed(element) || !*element)
      return element;
    return Type(onnx::OptType::get(ctx, *element));
  }
  case pb::TypeProto::kMapType:
    emitError(loc) << "map types are not supported";
    return failure();
  case pb::TypeProto::kSparseTensorType:
    emitError(loc) << "sparse tensor types are not supported";
    return failure();
  case pb::TypeProto::VALUE_NOT_SET:
    return Type();
  }
  return Type();
}

} // namespace kiln::detail
