//===- ModelPrinter.cpp - A readable listing of an ONNX model -------------===//
//
// Prints straight from the protobuf (no import), so `kiln inspect` works on
// models the importer rejects too. Tensor values are never printed.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelPrinter.h"

#include "dialect/OnnxSchema.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"

namespace kiln {
namespace {

std::string dataTypeName(int32_t code) {
  static const char *names[] = {
      "undefined",     "float",          "uint8",      "int8",
      "uint16",        "int16",          "int32",      "int64",
      "string",        "bool",           "float16",    "double",
      "uint32",        "uint64",         "complex64",  "complex128",
      "bfloat16",      "float8e4m3fn",   "float8e4m3fnuz", "float8e5m2",
      "float8e5m2fnuz", "uint4",         "int4",       "float4e2m1",
      "float8e8m0",    "uint2",          "int2"};
  if (code >= 0 && code < static_cast<int32_t>(std::size(names)))
    return names[code];
  return "dtype" + std::to_string(code);
}

void printShape(const pb::TensorShapeProto &shape, llvm::raw_ostream &os) {
  os << "[";
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (i)
      os << ", ";
    const pb::TensorShapeProto::Dimension &dim = shape.dim(i);
    if (dim.has_dim_value())
      os << dim.dim_value();
    else if (dim.has_dim_param() && !dim.dim_param().empty())
      os << dim.dim_param();
    else
      os << "?";
  }
  os << "]";
}

void printType(const pb::TypeProto &type, llvm::raw_ostream &os,
               int depth = 0) {
  if (depth > 32) {
    os << "...";
    return;
  }
  switch (type.value_case()) {
  case pb::TypeProto::kTensorType:
    os << dataTypeName(type.tensor_type().elem_type());
    if (type.tensor_type().has_shape())
      printShape(type.tensor_type().shape(), os);
    else
      os << "[*]";
    return;
  case pb::TypeProto::kSequenceType:
    os << "seq(";
    printType(type.sequence_type().elem_type(), os, depth + 1);
    os << ")";
    return;
  case pb::TypeProto::kOptionalType:
    os << "optional(";
    printType(type.optional_type().elem_type(), os, depth + 1);
    os << ")";
    return;
  case pb::TypeProto::kMapType:
    os << "map(" << dataTypeName(type.map_type().key_type()) << ", ";
    printType(type.map_type().value_type(), os, depth + 1);
    os << ")";
    return;
  case pb::TypeProto::kSparseTensorType:
    os << "sparse " << dataTypeName(type.sparse_tensor_type().elem_type());
    return;
  case pb::TypeProto::VALUE_NOT_SET:
    os << "?";
    return;
  }
}

void printTensorSummary(const pb::TensorProto &tensor, llvm::raw_ostream &os) {
  os << dataTypeName(tensor.data_type()) << "[";
  for (int i = 0; i < tensor.dims_size(); ++i)
    os << (i ? ", " : "") << tensor.dims(i);
  os << "]";
  if (tensor.data_location() == pb::TensorProto::EXTERNAL)
    os << " (external)";
}

/// Strings are printed quoted, with control characters escaped and long
/// ones cut.
void printString(llvm::StringRef s, llvm::raw_ostream &os) {
  os << '"';
  os.write_escaped(s.size() > 64 ? s.take_front(61) : s);
  if (s.size() > 64)
    os << "...";
  os << '"';
}

void printGraph(const pb::GraphProto &graph, llvm::raw_ostream &os,
                const std::string &indent, int depth);

void printAttribute(const pb::AttributeProto &attr, llvm::raw_ostream &os,
                    const std::string &indent, int depth) {
  os << attr.name() << "=";
  if (attr.has_t()) {
    os << "<tensor ";
    printTensorSummary(attr.t(), os);
    os << ">";
  } else if (attr.has_g()) {
    os << "<graph " << attr.g().name() << ">";
  } else if (attr.has_tp()) {
    os << "<type ";
    printType(attr.tp(), os);
    os << ">";
  } else if (attr.has_f() || attr.type() == pb::AttributeProto::FLOAT) {
    os << attr.f();
  } else if (attr.has_i() || attr.type() == pb::AttributeProto::INT) {
    os << attr.i();
  } else if (attr.has_s() || attr.type() == pb::AttributeProto::STRING) {
    printString(attr.s(), os);
  } else if (attr.floats_size() || attr.type() == pb::AttributeProto::FLOATS) {
    os << "[";
    for (int i = 0; i < attr.floats_size(); ++i)
      os << (i ? ", " : "") << attr.floats(i);
    os << "]";
  } else if (attr.ints_size() || attr.type() == pb::AttributeProto::INTS) {
    os << "[";
    for (int i = 0; i < attr.ints_size(); ++i)
      os << (i ? ", " : "") << attr.ints(i);
    os << "]";
  } else if (attr.strings_size()) {
    os << "[";
    for (int i = 0; i < attr.strings_size(); ++i) {
      if (i)
        os << ", ";
      printString(attr.strings(i), os);
    }
    os << "]";
  } else if (attr.graphs_size()) {
    os << "<" << attr.graphs_size() << " graphs>";
  } else if (attr.tensors_size()) {
    os << "<" << attr.tensors_size() << " tensors>";
  } else {
    os << "<?>";
  }
}

void printNode(const pb::NodeProto &node, llvm::raw_ostream &os,
               const std::string &indent, int depth) {
  os << indent;
  for (int i = 0; i < node.output_size(); ++i)
    os << (i ? ", " : "") << "%" << node.output(i);
  os << " = ";
  if (!node.domain().empty())
    os << node.domain() << ".";
  os << node.op_type();
  if (node.attribute_size()) {
    os << "[";
    for (int i = 0; i < node.attribute_size(); ++i) {
      if (i)
        os << ", ";
      printAttribute(node.attribute(i), os, indent, depth);
    }
    os << "]";
  }
  os << "(";
  for (int i = 0; i < node.input_size(); ++i)
    os << (i ? ", " : "") << (node.input(i).empty() ? "" : "%")
       << node.input(i);
  os << ")";
  if (!node.name().empty())
    os << "  # " << node.name();
  os << "\n";
  // Subgraphs, indented below their node.
  for (const pb::AttributeProto &attr : node.attribute()) {
    if (attr.has_g()) {
      os << indent << "  " << attr.name() << ":\n";
      printGraph(attr.g(), os, indent + "    ", depth + 1);
    }
  }
}

void printGraph(const pb::GraphProto &graph, llvm::raw_ostream &os,
                const std::string &indent, int depth) {
  if (depth > 32) {
    os << indent << "...\n";
    return;
  }
  os << indent << "graph " << graph.name() << " (\n";
  for (const pb::ValueInfoProto &input : graph.input()) {
    os << indent << "  %" << input.name() << ": ";
    printType(input.type(), os);
    os << "\n";
  }
  os << indent << ")";
  if (graph.initializer_size()) {
    os << " initializers (\n";
    for (const pb::TensorProto &tensor : graph.initializer()) {
      os << indent << "  %" << tensor.name() << ": ";
      printTensorSummary(tensor, os);
      os << "\n";
    }
    os << indent << ")";
  }
  os << " {\n";
  for (const pb::NodeProto &node : graph.node())
    printNode(node, os, indent + "  ", depth);
  os << indent << "  return ";
  for (int i = 0; i < graph.output_size(); ++i) {
    os << (i ? ", " : "") << "%" << graph.output(i).name() << ": ";
    printType(graph.output(i).type(), os);
  }
  os << "\n" << indent << "}\n";
}

} // namespace

void printModel(const pb::ModelProto &model, llvm::raw_ostream &os) {
  os << "ir_version: " << model.ir_version() << "\n";
  os << "opset_import:";
  for (const pb::OperatorSetIdProto &opset : model.opset_import())
    os << " " << (opset.domain().empty() ? "ai.onnx" : opset.domain())
       << "=" << opset.version();
  os << "\n";
  if (!model.producer_name().empty() || !model.producer_version().empty())
    os << "producer: " << model.producer_name() << " "
       << model.producer_version() << "\n";
  if (!model.has_graph()) {
    os << "(no graph)\n";
    return;
  }
  printGraph(model.graph(), os, "", 0);
}

} // namespace kiln
