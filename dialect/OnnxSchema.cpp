//===- OnnxSchema.cpp - ONNX operator schema tables -----------------------===//

#include "dialect/OnnxSchema.h"

#include "dialect/OnnxDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cstring>
#include <functional>

using namespace mlir;

namespace kiln::onnx {
namespace {
#include "dialect/OnnxSchemas.inc"
} // namespace

std::optional<int64_t> OpSchemaInfo::resolveVersion(int64_t opset) const {
  std::optional<int64_t> result;
  for (int64_t since : sinceVersions)
    if (since <= opset)
      result = since;
  return result;
}

const AttrInfo *OpSchemaInfo::findAttribute(llvm::StringRef attrName) const {
  for (const AttrInfo &attr : attributes)
    if (attrName == attr.name)
      return &attr;
  return nullptr;
}

const OpSchemaInfo *lookupOpSchema(llvm::StringRef opName) {
  auto *it = std::lower_bound(
      std::begin(kOpSchemas), std::end(kOpSchemas), opName,
      [](const OpSchemaInfo &s, llvm::StringRef n) { return n.compare(s.name) > 0; });
  if (it == std::end(kOpSchemas) || opName != it->name)
    return nullptr;
  return it;
}

llvm::ArrayRef<OpSchemaInfo> getAllOpSchemas() { return kOpSchemas; }
int64_t getPinnedOpsetVersion() { return kPinnedOpsetVersion; }
int64_t getPinnedIRVersion() { return kPinnedIRVersion; }

llvm::StringRef stringifyAttrKind(AttrKind kind) {
  switch (kind) {
  case AttrKind::Float: return "FLOAT";
  case AttrKind::Int: return "INT";
  case AttrKind::String: return "STRING";
  case AttrKind::Tensor: return "TENSOR";
  case AttrKind::SparseTensor: return "SPARSE_TENSOR";
  case AttrKind::TypeProto: return "TYPE_PROTO";
  case AttrKind::Floats: return "FLOATS";
  case AttrKind::Ints: return "INTS";
  case AttrKind::Strings: return "STRINGS";
  case AttrKind::Tensors: return "TENSORS";
  case AttrKind::TypeProtos: return "TYPE_PROTOS";
  case AttrKind::Graph: return "GRAPH";
  case AttrKind::Graphs: return "GRAPHS";
  }
  return "UNDEFINED";
}

namespace {
/// TensorProto::DataType codes (onnx.proto) with their schema spelling.
struct DataTypeEntry {
  int32_t code;
  const char *name;
};
constexpr DataTypeEntry kDataTypes[] = {
    {1, "float"},         {2, "uint8"},          {3, "int8"},
    {4, "uint16"},        {5, "int16"},          {6, "int32"},
    {7, "int64"},         {8, "string"},         {9, "bool"},
    {10, "float16"},      {11, "double"},        {12, "uint32"},
    {13, "uint64"},       {14, "complex64"},     {15, "complex128"},
    {16, "bfloat16"},     {17, "float8e4m3fn"},  {18, "float8e4m3fnuz"},
    {19, "float8e5m2"},   {20, "float8e5m2fnuz"}, {21, "uint4"},
    {22, "int4"},         {23, "float4e2m1"},    {24, "float8e8m0"},
    {25, "uint2"},        {26, "int2"},
};

Type typeForName(MLIRContext *ctx, llvm::StringRef name) {
  Builder b(ctx);
  auto ui = [&](unsigned w) {
    return IntegerType::get(ctx, w, IntegerType::Unsigned);
  };
  return llvm::StringSwitch<std::function<Type()>>(name)
      .Case("float", [&] { return b.getF32Type(); })
      .Case("double", [&] { return b.getF64Type(); })
      .Case("float16", [&] { return b.getF16Type(); })
      .Case("bfloat16", [&] { return b.getBF16Type(); })
      .Case("int8", [&] { return b.getIntegerType(8); })
      .Case("int16", [&] { return b.getIntegerType(16); })
      .Case("int32", [&] { return b.getIntegerType(32); })
      .Case("int64", [&] { return b.getIntegerType(64); })
      .Case("int4", [&] { return b.getIntegerType(4); })
      .Case("int2", [&] { return b.getIntegerType(2); })
      .Case("uint8", [&] { return ui(8); })
      .Case("uint16", [&] { return ui(16); })
      .Case("uint32", [&] { return ui(32); })
      .Case("uint64", [&] { return ui(64); })
      .Case("uint4", [&] { return ui(4); })
      .Case("uint2", [&] { return ui(2); })
      .Case("bool", [&] { return b.getI1Type(); })
      .Case("string", [&] { return StringType::get(ctx); })
      .Case("complex64", [&] { return ComplexType::get(b.getF32Type()); })
      .Case("complex128", [&] { return ComplexType::get(b.getF64Type()); })
      .Case("float8e4m3fn", [&] { return b.getType<Float8E4M3FNType>(); })
      .Case("float8e4m3fnuz", [&] { return b.getType<Float8E4M3FNUZType>(); })
      .Case("float8e5m2", [&] { return b.getType<Float8E5M2Type>(); })
      .Case("float8e5m2fnuz", [&] { return b.getType<Float8E5M2FNUZType>(); })
      .Case("float8e8m0", [&] { return b.getType<Float8E8M0FNUType>(); })
      .Case("float4e2m1", [&] { return b.getType<Float4E2M1FNType>(); })
      .Default([] { return Type(); })();
}
} // namespace

Type getElementTypeForDataType(MLIRContext *context, int32_t dataType) {
  for (const DataTypeEntry &entry : kDataTypes)
    if (entry.code == dataType)
      return typeForName(context, entry.name);
  return {};
}

int32_t getDataTypeForElementType(Type elementType) {
  if (!elementType)
    return 0;
  for (const DataTypeEntry &entry : kDataTypes)
    if (typeForName(elementType.getContext(), entry.name) == elementType)
      return entry.code;
  return 0;
}

Type parseTensorTypeString(MLIRContext *context, llvm::StringRef typeStr) {
  if (!typeStr.consume_front("tensor(") || !typeStr.consume_back(")"))
    return {};
  return typeForName(context, typeStr);
}

} // namespace kiln::onnx
