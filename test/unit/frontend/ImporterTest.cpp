//===- ImporterTest.cpp - Importing small graphs built in C++ -------------===//

#include "frontend/ModelReader.h"

#include "TestUtils.h"

#include "dialect/OnnxDialect.h"
#include "dialect/OnnxSchema.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

TEST(Importer, ImportsASmallGraph) {
  test::DiagContext diag;
  pb::ModelProto model = test::makeModel();
  pb::GraphProto &graph = *model.mutable_graph();
  pb::NodeProto *gemm = test::addNode(graph, "Gemm", {"x", "x"}, {"y"}, "gemm");
  pb::AttributeProto *transB = gemm->add_attribute();
  transB->set_name("transB");
  transB->set_type(pb::AttributeProto::INT);
  transB->set_i(1);
  test::addNode(graph, "Relu", {"y"}, {"z"});
  test::addOutput(graph, "z");

  auto module = importModel(diag.ctx, model, ImportOptions());
  ASSERT_TRUE(mlir::succeeded(module)) << diag.firstError();
  ASSERT_TRUE(mlir::succeeded(mlir::verify(**module)));
  auto func = (*module)->lookupSymbol<mlir::func::FuncOp>("main_graph");
  ASSERT_TRUE(func);
  EXPECT_EQ(func.getNumArguments(), 1u);
  EXPECT_EQ(func.getNumResults(), 1u);

  kiln::onnx::GemmOp gemmOp;
  func.walk([&](kiln::onnx::GemmOp op) { gemmOp = op; });
  ASSERT_TRUE(gemmOp);
  // Inherent attributes land in the op's properties, not the discardable
  // dictionary, and omitted optional inputs are onnx.NoValue.
  EXPECT_EQ(gemmOp.getTransB(), 1);
  EXPECT_TRUE(gemmOp->getDiscardableAttrDictionary().empty());
  EXPECT_TRUE(gemmOp.getC().getDefiningOp<kiln::onnx::NoValueOp>());
  auto loc = mlir::dyn_cast<mlir::NameLoc>(gemmOp->getLoc());
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc.getName().getValue(), "gemm");
}

TEST(Importer, ReportsErrorsNamingTheNode) {
  test::DiagContext diag;
  pb::ModelProto model = test::makeModel();
  pb::GraphProto &graph = *model.mutable_graph();
  pb::NodeProto *conv = test::addNode(graph, "Conv", {"x", "x"}, {"y"}, "c1");
  pb::AttributeProto *group = conv->add_attribute();
  group->set_name("group");
  group->set_type(pb::AttributeProto::FLOATS);
  group->add_floats(1);
  test::addOutput(graph, "y");
  EXPECT_TRUE(mlir::failed(importModel(diag.ctx, model, ImportOptions())));
  EXPECT_EQ(diag.firstError(),
            "attribute 'group' has type FLOATS, expected INT (node 'c1', Conv)");
}

TEST(Importer, SortsNodesAndFindsCycles) {
  test::DiagContext diag;
  pb::ModelProto model = test::makeModel();
  pb::GraphProto &graph = *model.mutable_graph();
  test::addNode(graph, "Relu", {"a"}, {"b"}, "second");
  test::addNode(graph, "Neg", {"x"}, {"a"}, "first");
  test::addOutput(graph, "b");
  EXPECT_TRUE(mlir::succeeded(importModel(diag.ctx, model, ImportOptions())));

  graph.mutable_node(1)->set_input(0, "b");
  EXPECT_TRUE(mlir::failed(importModel(diag.ctx, model, ImportOptions())));
  EXPECT_NE(diag.firstError().find("cycle in graph involving node"),
            std::string::npos);
}

TEST(Importer, ChecksTheHeader) {
  test::DiagContext diag;
  pb::ModelProto model = test::makeModel();
  test::addNode(*model.mutable_graph(), "Relu", {"x"}, {"y"});
  test::addOutput(*model.mutable_graph(), "y");
  model.set_ir_version(kiln::onnx::getPinnedIRVersion() + 1);
  EXPECT_TRUE(mlir::failed(importModel(diag.ctx, model, ImportOptions())));
  model.set_ir_version(8);
  model.clear_opset_import();
  EXPECT_TRUE(mlir::failed(importModel(diag.ctx, model, ImportOptions())));
  EXPECT_NE(diag.errors.back().find("no opset_import"), std::string::npos);
}

TEST(Importer, ResolvesOpVersions) {
  const kiln::onnx::OpSchemaInfo *reshape = kiln::onnx::lookupOpSchema("Reshape");
  ASSERT_TRUE(reshape);
  EXPECT_EQ(reshape->resolveVersion(4), 1);
  EXPECT_EQ(reshape->resolveVersion(13), 13);
  const kiln::onnx::OpSchemaInfo *gelu = kiln::onnx::lookupOpSchema("Gelu");
  ASSERT_TRUE(gelu);
  EXPECT_FALSE(gelu->resolveVersion(13).has_value());

  // Reshape at opset 4 carries `shape` as an attribute; the importer turns
  // it into an input of the newest Reshape.
  test::DiagContext diag;
  pb::ModelProto model = test::makeModel(4, {2, 3});
  pb::NodeProto *node =
      test::addNode(*model.mutable_graph(), "Reshape", {"x"}, {"y"});
  pb::AttributeProto *shape = node->add_attribute();
  shape->set_name("shape");
  shape->set_type(pb::AttributeProto::INTS);
  shape->add_ints(6);
  test::addOutput(*model.mutable_graph(), "y");
  auto module = importModel(diag.ctx, model, ImportOptions());
  ASSERT_TRUE(mlir::succeeded(module)) << diag.firstError();
  unsigned reshapes = 0;
  (*module)->walk([&](kiln::onnx::ReshapeOp op) {
    ++reshapes;
    EXPECT_TRUE(op.getShape().getDefiningOp<kiln::onnx::ConstantOp>());
  });
  EXPECT_EQ(reshapes, 1u);
}

TEST(ModelReader, RejectsGarbageAndDeepNesting) {
  test::DiagContext diag;
  EXPECT_TRUE(mlir::failed(parseModelBytes(diag.ctx, "\xff\xff\xff\xff", "m")));
  // Subgraphs nested 200 deep exceed the recursion limit.
  pb::ModelProto model = test::makeModel();
  pb::GraphProto *graph = model.mutable_graph();
  for (int i = 0; i < 200; ++i) {
    pb::NodeProto *node = graph->add_node();
    node->set_op_type("If");
    pb::AttributeProto *attr = node->add_attribute();
    attr->set_name("then_branch");
    attr->set_type(pb::AttributeProto::GRAPH);
    graph = attr->mutable_g();
  }
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  EXPECT_TRUE(mlir::failed(parseModelBytes(diag.ctx, bytes, "m")));
  EXPECT_NE(diag.firstError().find("cannot parse the model"),
            std::string::npos);
}

} // namespace
