//===- TensorImportTest.cpp - Initializer data checks ---------------------===//

#include "TestUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

/// Imports a model whose graph returns initializer "w".
std::string importInitializer(const pb::TensorProto &tensor,
                              mlir::OwningOpRef<mlir::ModuleOp> *out = nullptr,
                              test::DiagContext *context = nullptr) {
  test::DiagContext local;
  test::DiagContext &diag = context ? *context : local;
  pb::ModelProto model = test::makeModel();
  *model.mutable_graph()->add_initializer() = tensor;
  test::addOutput(*model.mutable_graph(), "w");
  auto module = importModel(diag.ctx, model, ImportOptions());
  if (succeeded(module) && out)
    *out = std::move(*module);
  return diag.firstError();
}

pb::TensorProto floatTensor(std::vector<int64_t> dims, size_t numValues) {
  pb::TensorProto tensor;
  tensor.set_name("w");
  tensor.set_data_type(pb::TensorProto::FLOAT);
  for (int64_t d : dims)
    tensor.add_dims(d);
  for (size_t i = 0; i < numValues; ++i)
    tensor.add_float_data(static_cast<float>(i));
  return tensor;
}

TEST(TensorImport, AcceptsExactSizes) {
  EXPECT_EQ(importInitializer(floatTensor({2, 3}, 6)), "");
  EXPECT_EQ(importInitializer(floatTensor({0, 3}, 0)), "");
  EXPECT_EQ(importInitializer(floatTensor({}, 1)), "");
}

TEST(TensorImport, RejectsShortAndLongData) {
  EXPECT_NE(importInitializer(floatTensor({2, 3}, 5)).find("has 5 values"),
            std::string::npos);
  EXPECT_NE(importInitializer(floatTensor({2, 3}, 7)).find("has 7 values"),
            std::string::npos);
}

TEST(TensorImport, RejectsRawDataSizeMismatch) {
  pb::TensorProto tensor = floatTensor({2}, 0);
  tensor.set_raw_data(std::string(7, '\0'));
  EXPECT_NE(importInitializer(tensor).find("has 7 bytes of data, expected 8"),
            std::string::npos);
  tensor.set_raw_data(std::string(9, '\0'));
  EXPECT_NE(importInitializer(tensor).find("has 9 bytes"), std::string::npos);
}

TEST(TensorImport, RejectsNegativeDimsAndOverflow) {
  EXPECT_NE(importInitializer(floatTensor({-1, 3}, 0)).find("negative"),
            std::string::npos);
  EXPECT_NE(importInitializer(floatTensor({int64_t(1) << 62, 4}, 0))
                .find("overflow"),
            std::string::npos);
  EXPECT_NE(importInitializer(floatTensor({int64_t(1) << 40, int64_t(1) << 30}, 0))
                .find("overflow"),
            std::string::npos);
  // A product that fits int64 but whose bytes do not: still no allocation.
  EXPECT_NE(importInitializer(floatTensor({int64_t(1) << 61}, 0)), "");
}

TEST(TensorImport, LargeTensorsBecomeResources) {
  test::DiagContext diag;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  ASSERT_EQ(importInitializer(floatTensor({100}, 100), &module, &diag), "");
  bool sawResource = false;
  module->walk([&](mlir::Operation *op) {
    if (auto value = op->getInherentAttr("value"))
      sawResource |= mlir::isa_and_nonnull<mlir::DenseResourceElementsAttr>(*value);
  });
  EXPECT_TRUE(sawResource);
}

TEST(TensorImport, UnknownDataTypeIsAnError) {
  pb::TensorProto tensor = floatTensor({1}, 0);
  tensor.set_data_type(99);
  EXPECT_NE(importInitializer(tensor).find("unsupported data type 99"),
            std::string::npos);
}

} // namespace
