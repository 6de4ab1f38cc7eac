//===- TestUtils.h - Helpers for the frontend unit tests --------*- C++ -*-===//
//
// A context that collects diagnostics, and small ModelProto builders.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TEST_UNIT_FRONTEND_TESTUTILS_H
#define KILN_TEST_UNIT_FRONTEND_TESTUTILS_H

#include "frontend/Diagnostics.h"
#include "frontend/Importer.h"
#include "frontend/OnnxProto.h"

#include "mlir/IR/MLIRContext.h"

#include <string>
#include <vector>

namespace kiln::test {

/// An MLIRContext with the importer's dialects whose error messages are
/// collected (formatted as kiln prints them) instead of printed.
class DiagContext {
public:
  DiagContext() {
    mlir::DialectRegistry registry;
    registerImporterDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.getDiagEngine().registerHandler([this](mlir::Diagnostic &diag) {
      if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
        errors.push_back(formatDiagnosticLine(diag));
      return mlir::success();
    });
  }
  std::string firstError() const { return errors.empty() ? "" : errors[0]; }

  mlir::MLIRContext ctx;
  std::vector<std::string> errors;
};

/// A model with opset `opset` whose graph has one float input "x" of
/// shape `dims`.
inline pb::ModelProto makeModel(int64_t opset = 17,
                                std::vector<int64_t> dims = {2, 3}) {
  pb::ModelProto model;
  model.set_ir_version(8);
  auto *opsetId = model.add_opset_import();
  opsetId->set_domain("");
  opsetId->set_version(opset);
  pb::GraphProto *graph = model.mutable_graph();
  graph->set_name("g");
  pb::ValueInfoProto *input = graph->add_input();
  input->set_name("x");
  auto *tensorType = input->mutable_type()->mutable_tensor_type();
  tensorType->set_elem_type(pb::TensorProto::FLOAT);
  for (int64_t d : dims)
    tensorType->mutable_shape()->add_dim()->set_dim_value(d);
  return model;
}

inline pb::NodeProto *addNode(pb::GraphProto &graph, const std::string &op,
                              std::vector<std::string> inputs,
                              std::vector<std::string> outputs,
                              const std::string &name = "") {
  pb::NodeProto *node = graph.add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const std::string &in : inputs)
    node->add_input(in);
  for (const std::string &out : outputs)
    node->add_output(out);
  return node;
}

inline void addOutput(pb::GraphProto &graph, const std::string &name) {
  graph.add_output()->set_name(name);
}

} // namespace kiln::test

#endif // KILN_TEST_UNIT_FRONTEND_TESTUTILS_H
