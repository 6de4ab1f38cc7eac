//===- ExternalDataTest.cpp - External data path and range checks ---------===//

#include "frontend/ExternalData.h"

#include "TestUtils.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

/// A temporary folder holding model/ (with weights.bin, 16 bytes) and a
/// sibling secret.bin outside it.
class ExternalDataTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("kiln-ext", root));
    modelDir = root;
    llvm::sys::path::append(modelDir, "model");
    ASSERT_FALSE(llvm::sys::fs::create_directories(modelDir));
    writeFile(modelDir, "weights.bin", std::string(16, '\x01'));
    writeFile(root, "secret.bin", "secret");
  }
  void TearDown() override { llvm::sys::fs::remove_directories(root); }

  static void writeFile(llvm::StringRef dir, llvm::StringRef name,
                        const std::string &bytes) {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << bytes;
  }

  mlir::FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
  load(llvm::StringRef location, uint64_t offset = 0,
       std::optional<uint64_t> length = std::nullopt) {
    ExternalDataRef ref;
    ref.location = location.str();
    ref.offset = offset;
    ref.length = length;
    return loadExternalData(modelDir, ref, mlir::UnknownLoc::get(&diag.ctx));
  }

  test::DiagContext diag;
  llvm::SmallString<128> root, modelDir;
};

TEST_F(ExternalDataTest, ReadsInsideTheModelFolder) {
  auto buffer = load("weights.bin", 4, 8);
  ASSERT_TRUE(mlir::succeeded(buffer));
  EXPECT_EQ((*buffer)->getBufferSize(), 8u);
  EXPECT_TRUE(diag.errors.empty());
}

TEST_F(ExternalDataTest, RejectsAbsolutePaths) {
  llvm::SmallString<128> secret(root);
  llvm::sys::path::append(secret, "secret.bin");
  EXPECT_TRUE(mlir::failed(load(secret)));
  EXPECT_NE(diag.firstError().find("absolute path"), std::string::npos);
}

TEST_F(ExternalDataTest, RejectsParentComponents) {
  EXPECT_TRUE(mlir::failed(load("../secret.bin")));
  EXPECT_TRUE(mlir::failed(load("sub/../../secret.bin")));
  EXPECT_TRUE(mlir::failed(load("..\\secret.bin")));
  EXPECT_NE(diag.firstError().find("'..'"), std::string::npos);
}

TEST_F(ExternalDataTest, RejectsSymlinkEscapes) {
  llvm::SmallString<128> secret(root), link(modelDir);
  llvm::sys::path::append(secret, "secret.bin");
  llvm::sys::path::append(link, "link.bin");
  ASSERT_FALSE(llvm::sys::fs::create_link(secret, link));
  EXPECT_TRUE(mlir::failed(load("link.bin")));
  EXPECT_NE(diag.firstError().find("outside the model's folder"),
            std::string::npos);
}

TEST_F(ExternalDataTest, RejectsRangesPastTheEnd) {
  EXPECT_TRUE(mlir::failed(load("weights.bin", 17)));
  EXPECT_TRUE(mlir::failed(load("weights.bin", 8, 9)));
  EXPECT_TRUE(mlir::failed(load("weights.bin", UINT64_MAX - 1, 4)));
  EXPECT_NE(diag.firstError().find("past the end"), std::string::npos);
}

TEST_F(ExternalDataTest, RejectsMissingFilesAndFolders) {
  EXPECT_TRUE(mlir::failed(load("nothing.bin")));
  EXPECT_TRUE(mlir::failed(load(".")));
}

TEST_F(ExternalDataTest, ParsesOffsetAndLength) {
  pb::TensorProto tensor;
  auto add = [&](const char *key, const char *value) {
    auto *entry = tensor.add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  };
  add("location", "weights.bin");
  add("offset", "-4");
  EXPECT_TRUE(mlir::failed(
      parseExternalDataRef(tensor, mlir::UnknownLoc::get(&diag.ctx))));
  tensor.mutable_external_data(1)->set_value("99999999999999999999999");
  EXPECT_TRUE(mlir::failed(
      parseExternalDataRef(tensor, mlir::UnknownLoc::get(&diag.ctx))));
  tensor.mutable_external_data(1)->set_value("4");
  auto ref = parseExternalDataRef(tensor, mlir::UnknownLoc::get(&diag.ctx));
  ASSERT_TRUE(mlir::succeeded(ref));
  EXPECT_EQ(ref->offset, 4u);
  EXPECT_FALSE(ref->length.has_value());
}

} // namespace
