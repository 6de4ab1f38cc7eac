//===- RuntimeWeightsTest.cpp - Loading `.weights` files at create --------===//
//
// A model compiled with `--weights file` maps its weights read-only at
// create; a missing, truncated or foreign file fails create with a message
// and leaves no session, and running on that (NULL) session fails cleanly.
// Large embedded weights are read from one shared copy in 2 MiB-aligned
// memory; small ones straight from the model.
//
//===----------------------------------------------------------------------===//

#include "FakeModels.h"
#include "runtime/kiln_internal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

uint64_t fnv1a(const void *data, size_t n) {
  const unsigned char *p = static_cast<const unsigned char *>(data);
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

std::vector<unsigned char> weightsFile(const void *blob, uint64_t n,
                                       uint64_t hash) {
  std::vector<unsigned char> f(KILN_WEIGHTS_HEADER_BYTES + n, 0);
  std::memcpy(f.data(), KILN_WEIGHTS_MAGIC, 8);
  uint32_t version = KILN_WEIGHTS_VERSION, header = KILN_WEIGHTS_HEADER_BYTES;
  std::memcpy(&f[8], &version, 4); // the test host is little endian
  std::memcpy(&f[12], &header, 4);
  std::memcpy(&f[16], &n, 8);
  std::memcpy(&f[24], &hash, 8);
  std::memcpy(&f[KILN_WEIGHTS_HEADER_BYTES], blob, n);
  return f;
}

float runY5(kiln_rt_session *s) {
  float a[8] = {}, b[4] = {}, y[8] = {};
  int64_t sa[2] = {2, 4}, sb[1] = {4};
  kiln_tensor in[2] = {{a, sa, 2, 1}, {b, sb, 1, 1}};
  kiln_tensor out[1] = {{y, nullptr, 0, 0}};
  EXPECT_EQ(kiln_rt_run(s, in, 2, out, 1), KILN_OK) << kiln_rt_error(s);
  return y[5];
}

class WeightsFile : public ::testing::Test {
protected:
  void SetUp() override {
    model = fake::staticModel();
    model.weights = nullptr;
    model.weights_in_file = 1;
    model.weights_hash = fnv1a(fake::kWeights, sizeof(fake::kWeights));
    path = ::testing::TempDir() + "kiln_rt_weights_" +
           std::to_string(::getpid()) + ".weights";
  }
  void TearDown() override { std::remove(path.c_str()); }
  void write(const std::vector<unsigned char> &bytes) {
    FILE *f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  int create() {
    kiln_options opt{1, path.c_str(), 0};
    return kiln_rt_create(&model, &s, &opt);
  }
  kiln_rt_model model;
  kiln_rt_session *s = nullptr;
  std::string path;
};

TEST_F(WeightsFile, MapsAGoodFile) {
  float blob[4] = {0.25f, 0, 0, 0};
  model.weights_hash = fnv1a(blob, sizeof(blob));
  write(weightsFile(blob, sizeof(blob), model.weights_hash));
  ASSERT_EQ(create(), KILN_OK) << kiln_rt_error(nullptr);
  EXPECT_EQ(runY5(s), 0.25f);
  kiln_rt_destroy(s);
}

TEST_F(WeightsFile, MissingFileFailsCreate) {
  EXPECT_EQ(create(), KILN_ERR_WEIGHTS);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(std::string(kiln_rt_error(nullptr)).find("cannot open weights file"),
            std::string::npos);
  // Running after the failed create is an error, not a crash.
  kiln_tensor in[2] = {}, out[1] = {};
  EXPECT_EQ(kiln_rt_run(s, in, 2, out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_rt_error(nullptr)).find("did create fail"),
            std::string::npos);
  kiln_rt_destroy(s);
}

TEST_F(WeightsFile, RejectsTruncatedFile) {
  auto bytes = weightsFile(fake::kWeights, sizeof(fake::kWeights),
                           model.weights_hash);
  bytes.resize(bytes.size() - 1);
  write(bytes);
  EXPECT_EQ(create(), KILN_ERR_WEIGHTS);
  EXPECT_NE(std::string(kiln_rt_error(nullptr)).find("expects 80"),
            std::string::npos)
      << kiln_rt_error(nullptr);
}

TEST_F(WeightsFile, RejectsBadMagicAndForeignHash) {
  auto bytes = weightsFile(fake::kWeights, sizeof(fake::kWeights),
                           model.weights_hash);
  bytes[0] = 'X';
  write(bytes);
  EXPECT_EQ(create(), KILN_ERR_WEIGHTS);
  EXPECT_NE(std::string(kiln_rt_error(nullptr)).find("bad magic"),
            std::string::npos);
  write(weightsFile(fake::kWeights, sizeof(fake::kWeights), 1234));
  EXPECT_EQ(create(), KILN_ERR_WEIGHTS);
  EXPECT_NE(std::string(kiln_rt_error(nullptr)).find("hash differs"),
            std::string::npos);
}

TEST(EmbeddedWeights, LargeOnesAreOneSharedAlignedCopy) {
  // 8 MiB of weights (above KILN_RT_LARGE_BYTES) with a workspace as big.
  std::vector<float> big(2u << 20, 0.0f);
  big[0] = 0.75f;
  big.back() = 9.0f;
  kiln_rt_model model = fake::staticModel();
  model.weights = big.data();
  model.weights_bytes = big.size() * sizeof(float);
  model.workspace_bytes = 8u << 20;
  kiln_options opt{1, nullptr, 0};
  kiln_rt_session *s1 = nullptr, *s2 = nullptr;
  ASSERT_EQ(kiln_rt_create(&model, &s1, &opt), KILN_OK) << kiln_rt_error(nullptr);
  ASSERT_EQ(kiln_rt_create(&model, &s2, &opt), KILN_OK) << kiln_rt_error(nullptr);
  EXPECT_NE(s1->weights, static_cast<const void *>(big.data()));
  EXPECT_EQ(s1->weights, s2->weights);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(s1->weights) % (2u << 20), 0u);
  EXPECT_EQ(std::memcmp(s1->weights, big.data(), model.weights_bytes), 0);
  EXPECT_NE(s1->arena, s2->arena);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(s1->arena) % (2u << 20), 0u);
  static_cast<char *>(s1->arena)[model.workspace_bytes - 1] = 1; // writable
  big[0] = -1.0f; // the sessions read their copy, made at the first create
  EXPECT_EQ(runY5(s1), 0.75f);
  kiln_rt_destroy(s1);
  EXPECT_EQ(runY5(s2), 0.75f); // the copy outlives the first session
  kiln_rt_destroy(s2);
  // The last session freed it: a new one copies the weights as they are now.
  ASSERT_EQ(kiln_rt_create(&model, &s1, &opt), KILN_OK) << kiln_rt_error(nullptr);
  EXPECT_EQ(runY5(s1), -1.0f);
  kiln_rt_destroy(s1);
}

TEST(EmbeddedWeights, InPlaceFlagKeepsLargeOnesInTheImage) {
  std::vector<float> big(2u << 20, 0.0f);
  big[0] = 0.75f;
  kiln_rt_model model = fake::staticModel();
  model.weights = big.data();
  model.weights_bytes = big.size() * sizeof(float);
  model.flags = KILN_RT_MODEL_WEIGHTS_IN_PLACE; // the CUDA host session's
  kiln_options opt{1, nullptr, 0};
  kiln_rt_session *s = nullptr;
  ASSERT_EQ(kiln_rt_create(&model, &s, &opt), KILN_OK) << kiln_rt_error(nullptr);
  EXPECT_EQ(s->weights, static_cast<const void *>(big.data()));
  EXPECT_EQ(runY5(s), 0.75f);
  kiln_rt_destroy(s);
}

TEST(EmbeddedWeights, SmallOnesAreReadInPlace) {
  kiln_rt_model model = fake::staticModel();
  kiln_options opt{1, nullptr, 0};
  kiln_rt_session *s = nullptr;
  ASSERT_EQ(kiln_rt_create(&model, &s, &opt), KILN_OK) << kiln_rt_error(nullptr);
  EXPECT_EQ(s->weights, static_cast<const void *>(fake::kWeights));
  EXPECT_EQ(runY5(s), 0.5f);
  kiln_rt_destroy(s);
}

} // namespace
