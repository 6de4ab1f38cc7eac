//===- OnnxSchema.h - ONNX operator schema tables --------------*- C++ -*-===//
//
// Read-only facts about every op of the default ONNX domain, generated from
// the pinned onnx package (OnnxSchemas.inc): the opset versions in which the
// op changed, its formal inputs and outputs with their type constraints, and
// the kind of each attribute. The frontend drives node import from these.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECT_ONNXSCHEMA_H
#define KILN_DIALECT_ONNXSCHEMA_H

#include "mlir/IR/Types.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace kiln::onnx {

enum class ParamOption { Single, Optional, Variadic };

/// Kinds of ONNX attributes (AttributeProto::AttributeType).
enum class AttrKind {
  Float, Int, String, Tensor, SparseTensor, TypeProto, Floats, Ints, Strings,
  Tensors, TypeProtos, Graph, Graphs
};

/// One formal input or output of an op.
struct ParamInfo {
  const char *name;
  ParamOption option;
  /// The type parameter (e.g. "T") or a literal type (e.g. "tensor(int64)").
  const char *typeStr;
  /// Allowed ONNX types joined by '|', e.g. "tensor(float)|tensor(double)".
  const char *allowedTypes;
};

struct AttrInfo {
  const char *name;
  AttrKind kind;
  bool required;
};

struct OpSchemaInfo {
  const char *name;
  /// Opset versions that introduced a new version of the op, ascending.
  llvm::ArrayRef<int64_t> sinceVersions;
  llvm::ArrayRef<ParamInfo> inputs;
  llvm::ArrayRef<ParamInfo> outputs;
  llvm::ArrayRef<AttrInfo> attributes;
  int minInputs;
  int minOutputs;
  bool deprecated;

  /// The version of the op that a model importing `opset` uses, i.e. the
  /// largest since-version not above it; std::nullopt if the op did not
  /// exist yet at that opset.
  std::optional<int64_t> resolveVersion(int64_t opset) const;
  const AttrInfo *findAttribute(llvm::StringRef attrName) const;
};

/// Returns the schema of `opName` in the default domain, or null.
const OpSchemaInfo *lookupOpSchema(llvm::StringRef opName);

/// All schemas, sorted by name.
llvm::ArrayRef<OpSchemaInfo> getAllOpSchemas();

/// The newest opset and IR version the dialect was generated from.
int64_t getPinnedOpsetVersion();
int64_t getPinnedIRVersion();

/// The name of an attribute kind as ONNX spells it ("INT", "FLOATS", ...).
llvm::StringRef stringifyAttrKind(AttrKind kind);

/// Maps an ONNX TensorProto data type code to an MLIR element type
/// (signed ints signless, unsigned ints `ui`, bool `i1`, string
/// `!onnx.string`); null for codes kiln does not know.
mlir::Type getElementTypeForDataType(mlir::MLIRContext *context,
                                     int32_t dataType);

/// The TensorProto data type code of an MLIR element type; 0 (UNDEFINED)
/// when it has none.
int32_t getDataTypeForElementType(mlir::Type elementType);

/// Parses an ONNX type string of a schema ("tensor(float)") to the MLIR
/// element type of the tensor; null for sequence/optional types.
mlir::Type parseTensorTypeString(mlir::MLIRContext *context,
                                 llvm::StringRef typeStr);

} // namespace kiln::onnx

#endif // KILN_DIALECT_ONNXSCHEMA_H
