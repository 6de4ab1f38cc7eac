//===- ImporterImpl.h - Shared internals of the ONNX importer ---*- C++ -*-===//
//
// The importer's state (ModelImporter) and the node on its way to becoming
// an op (NodeState), shared by the files that import graphs, nodes, types,
// tensors, result types and old op versions. Not a public header.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_IMPORTERIMPL_H
#define KILN_FRONTEND_IMPORTERIMPL_H

#include "frontend/Importer.h"
#include "frontend/ModelReader.h"

#include "dialect/OnnxSchema.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Region.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <deque>
#include <memory>

namespace kiln::detail {

/// One ONNX node being imported. Version converters rewrite it (move
/// attributes to inputs, rename the op) before the generic builder runs.
struct NodeState {
  std::string opType;
  /// The node's name, or "<OpType>_<index>" when it has none.
  std::string name;
  /// The location of the op(s) made from the node.
  mlir::Location loc;
  /// The since-version the model's opset resolves to.
  int64_t version = 0;
  /// Operands in ONNX order; a null Value is an omitted optional input.
  llvm::SmallVector<mlir::Value> inputs;
  /// Attributes still to convert, in node order.
  llvm::SmallVector<const pb::AttributeProto *> attributes;
  /// Storage for attributes converters make.
  std::deque<pb::AttributeProto> ownedAttributes;
  /// Output names ("" = omitted optional output).
  llvm::SmallVector<std::string> outputNames;
  /// Output types declared by value_info/graph outputs (null if none).
  llvm::SmallVector<mlir::Type> outputHints;

  NodeState(mlir::Location loc) : loc(loc) {}

  const pb::AttributeProto *findAttr(llvm::StringRef attrName) const;
  /// Removes the attribute `attrName` and returns it (null if absent).
  const pb::AttributeProto *takeAttr(llvm::StringRef attrName);
  /// Adds (or replaces) an attribute the node did not carry.
  pb::AttributeProto &setAttr(llvm::StringRef attrName);
  /// An error located at the node, naming its op type.
  mlir::InFlightDiagnostic emitError() const;
};

/// The AttributeProto type of `attr`; infers it from the set field for
/// old models that leave `type` UNDEFINED. std::nullopt if unknowable.
std::optional<onnx::AttrKind> getAttrKind(const pb::AttributeProto &attr);

/// Converts a node of an old op version to the newest form, building the
/// op(s) it becomes; returns the values of the node's outputs.
using VersionConverter = mlir::FailureOr<llvm::SmallVector<mlir::Value>> (*)(
    class ModelImporter &, NodeState &);

/// The converter registered for (opType, sinceVersion), or null when the
/// version imports as-is.
VersionConverter findVersionConverter(llvm::StringRef opType,
                                      int64_t sinceVersion);

class ModelImporter {
public:
  ModelImporter(mlir::MLIRContext &ctx, const ImportOptions &options,
                const ModelHeader &header);

  mlir::MLIRContext *ctx;
  const ImportOptions &options;
  ModelHeader header;
  std::string modelDir;
  mlir::OpBuilder builder;
  /// The model is owned by the import (importModel(unique_ptr)): large
  /// initializers' raw_data buffers move into their resource blobs.
  bool moveRawData = false;

  //===--- Graphs (GraphImporter.cpp) -------------------------------------===//

  /// Imports the main graph as `func.func @main_graph` into `module`.
  mlir::LogicalResult importMainGraph(const pb::GraphProto &graph,
                                      mlir::ModuleOp module);
  /// Imports a subgraph (If/Loop/Scan body) into a new one-block region.
  /// Block argument types come from the subgraph's inputs, or from
  /// `fallbackArgTypes` (derived from the op's operands) where missing.
  mlir::FailureOr<std::unique_ptr<mlir::Region>>
  importSubgraph(const pb::GraphProto &graph,
                 llvm::ArrayRef<mlir::Type> fallbackArgTypes,
                 const NodeState &owner, llvm::StringRef attrName);
  /// The value named `name` in the innermost scope defining it, or null.
  mlir::Value lookup(llvm::StringRef name) const;
  /// The type declared for `name` by a value_info/output in scope, or null.
  mlir::Type lookupHint(llvm::StringRef name) const;

  //===--- Nodes (ImportNode.cpp) -----------------------------------------===//

  /// Imports one node; defines its outputs in the current scope.
  mlir::LogicalResult importNode(const pb::NodeProto &node, unsigned index);
  /// Builds `node` as the newest form of its op: checks inputs and
  /// attributes against the schema, converts attributes, imports
  /// subgraphs, and determines the result types.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  buildFromNode(NodeState &node);
  /// Builds the newest form of `opType` from already-converted parts
  /// (used by version converters for the extra ops they need). A null
  /// input is an omitted optional input.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  createOp(const NodeState &node, llvm::StringRef opType,
           llvm::ArrayRef<mlir::Value> inputs,
           llvm::ArrayRef<mlir::NamedAttribute> attrs,
           llvm::MutableArrayRef<std::unique_ptr<mlir::Region>> regions,
           unsigned numOutputs, llvm::ArrayRef<mlir::Type> resultHints = {});
  /// A one-result convenience form of createOp.
  mlir::FailureOr<mlir::Value>
  createOp1(const NodeState &node, llvm::StringRef opType,
            llvm::ArrayRef<mlir::Value> inputs,
            llvm::ArrayRef<mlir::NamedAttribute> attrs = {},
            mlir::Type resultHint = {});
  /// An `onnx.Constant` holding the i64 values (1-D, or a scalar).
  mlir::Value constI64(mlir::Location loc, llvm::ArrayRef<int64_t> values,
                       bool scalar = false);
  /// An `onnx.Constant` scalar of floating-point `elementType`.
  mlir::Value constFloat(mlir::Location loc, mlir::Type elementType,
                         double value);
  /// Converts a non-graph attribute to its MLIR attribute.
  mlir::FailureOr<mlir::Attribute>
  convertAttribute(const pb::AttributeProto &attr, onnx::AttrKind kind,
                   const NodeState &node);

  //===--- Result types (ResultTypes.cpp) ---------------------------------===//

  /// The type of result #`index` of `opType` (formal output `param`) when
  /// no value_info declares it, from the schema's type constraints, the
  /// attributes, operands and regions. Null when it cannot be determined.
  mlir::Type inferResultType(const onnx::OpSchemaInfo &schema,
                             unsigned paramIndex, unsigned resultIndex,
                             llvm::ArrayRef<mlir::Value> operands,
                             llvm::ArrayRef<mlir::NamedAttribute> attrs,
                             llvm::ArrayRef<std::unique_ptr<mlir::Region>> regions);
  /// The block argument types a subgraph of `node` gets when its inputs
  /// carry no types (ONNX derives them from the op's inputs).
  llvm::SmallVector<mlir::Type>
  deriveSubgraphArgTypes(const NodeState &node, llvm::StringRef attrName,
                         llvm::ArrayRef<mlir::Value> operands);

  //===--- Types and tensors (ImportTypes.cpp, ImportTensors.cpp) ---------===//

  /// Converts a TypeProto. Returns a null Type when it is incomplete (no
  /// element type), failure (with an error at `loc`) when unsupported.
  mlir::FailureOr<mlir::Type> convertType(const pb::TypeProto &type,
                                          mlir::Location loc);
  /// A tensor type of `shape` (dynamic dims with the symbols in `symbols`,
  /// "" for none), with a #onnx.dims encoding when any symbol is set.
  mlir::Type makeTensorType(llvm::ArrayRef<int64_t> shape,
                            llvm::ArrayRef<std::string> symbols,
                            mlir::Type elementType);
  /// Converts a TensorProto's value (inline, raw or external data) to an
  /// ElementsAttr: dense for small tensors, dense_resource for large ones.
  /// `initializer`: the tensor is a graph initializer, imported once, whose
  /// raw_data may move into the blob when moveRawData is set.
  mlir::FailureOr<mlir::ElementsAttr>
  convertTensor(const pb::TensorProto &tensor, mlir::Location loc,
                llvm::StringRef name, bool initializer = false);

private:
  struct Scope {
    llvm::StringMap<mlir::Value> values;
    llvm::StringMap<mlir::Type> hints;
  };
  std::vector<Scope> scopes;

  mlir::LogicalResult collectHints(const pb::GraphProto &graph, Scope &scope);
  mlir::LogicalResult importGraphNodes(const pb::GraphProto &graph);
  mlir::LogicalResult importInitializers(const pb::GraphProto &graph,
                                         llvm::StringRef what);
  mlir::LogicalResult defineValue(llvm::StringRef name, mlir::Value value,
                                  mlir::Location loc);
  mlir::LogicalResult importConstantNode(const pb::NodeProto &node,
                                         NodeState &state);
  friend struct GraphImportScope;
};

/// Pushes a name scope for the duration of a (sub)graph import.
struct GraphImportScope {
  GraphImportScope(ModelImporter &importer) : importer(importer) {
    importer.scopes.emplace_back();
  }
  ~GraphImportScope() { importer.scopes.pop_back(); }
  ModelImporter &importer;
};

} // namespace kiln::detail

#endif // KILN_FRONTEND_IMPORTERIMPL_H
