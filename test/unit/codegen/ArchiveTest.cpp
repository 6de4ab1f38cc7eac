//===- ArchiveTest.cpp - The streaming archive writer ---------------------===//
//
// codegen/package writes `lib<m>.a` member by member (Archive.cpp) so the
// weights object is never held in memory. The reference is LLVM's own
// archive writer (writeArchiveToBuffer, K_GNU, deterministic): the bytes
// must be the same, with short and long member names and odd sizes.
//
//===----------------------------------------------------------------------===//

#include "codegen/package/Package.h"

#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kiln::package;

namespace {

/// A weights object of `symbol` holding `bytes` bytes of data.
std::string weightsObject(const std::string &symbol, const std::string &data) {
  WeightsBlob blob;
  blob.totalBytes = data.size() + 3; // zero tail: an odd-sized blob
  blob.pieces.push_back({0, llvm::ArrayRef<char>(data.data(), data.size())});
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  EXPECT_FALSE(llvm::errorToBool(writeWeightsObject(os, symbol, blob)));
  EXPECT_EQ(weightsObjectSize(symbol, blob), bytes.size());
  return bytes;
}

std::string
llvmArchive(const std::vector<std::pair<std::string, std::string>> &objects) {
  std::vector<llvm::NewArchiveMember> members;
  for (const auto &[name, bytes] : objects)
    members.emplace_back(llvm::MemoryBufferRef(bytes, name));
  auto buffer = llvm::writeArchiveToBuffer(
      members, llvm::SymtabWritingMode::NormalSymtab,
      llvm::object::Archive::K_GNU, /*Deterministic=*/true, /*Thin=*/false);
  EXPECT_TRUE(static_cast<bool>(buffer));
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

std::string streamedArchive(
    const std::vector<std::pair<std::string, std::string>> &objects) {
  std::vector<ArchiveMember> members;
  for (const auto &[name, bytes] : objects) {
    ArchiveMember member;
    member.name = name;
    member.size = bytes.size();
    auto symbols = globalSymbols(bytes, name);
    EXPECT_TRUE(static_cast<bool>(symbols));
    if (symbols)
      member.symbols = *symbols;
    const std::string *data = &bytes;
    member.write = [data](llvm::raw_ostream &os) {
      os << *data;
      return llvm::Error::success();
    };
    members.push_back(std::move(member));
  }
  std::string out;
  llvm::raw_string_ostream os(out);
  EXPECT_FALSE(llvm::errorToBool(writeArchive(os, members)));
  return out;
}

TEST(Archive, MatchesLLVMWriterShortNames) {
  std::vector<std::pair<std::string, std::string>> objects = {
      {"a.o", weightsObject("a", "abcdefg")},
      {"b_weights.o", weightsObject("b", std::string(1001, 'x'))}};
  EXPECT_EQ(streamedArchive(objects), llvmArchive(objects));
}

TEST(Archive, MatchesLLVMWriterLongNames) {
  std::vector<std::pair<std::string, std::string>> objects = {
      {"a_model_with_a_long_name.o", weightsObject("first_model", "1234")},
      {"a_model_with_a_long_name_weights.o",
       weightsObject("second_model_x", std::string(77, 'y'))}};
  EXPECT_EQ(streamedArchive(objects), llvmArchive(objects));
}

TEST(Archive, WrongMemberSizeIsAnError) {
  ArchiveMember member;
  member.name = "x.o";
  member.size = 10;
  member.write = [](llvm::raw_ostream &os) {
    os << "short";
    return llvm::Error::success();
  };
  std::string out;
  llvm::raw_string_ostream os(out);
  EXPECT_TRUE(llvm::errorToBool(writeArchive(os, {member})));
}

} // namespace
