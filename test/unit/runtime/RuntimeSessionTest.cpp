//===- RuntimeSessionTest.cpp - create/run/destroy and input validation ---===//
//
// Every kind of bad call to kiln_rt_run must give an error code and a
// message, never a crash; good calls give the fake kernels' exact results.
//
//===----------------------------------------------------------------------===//

#include "FakeModels.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct StaticRun {
  float a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float b[4] = {10, 20, 30, 40};
  float y[8] = {};
  int64_t shapeA[2] = {2, 4}, shapeB[1] = {4};
  kiln_tensor in[2] = {{a, shapeA, 2, 1}, {b, shapeB, 1, 1}};
  kiln_tensor out[1] = {{y, nullptr, 0, 0}};
};

class StaticSession : public ::testing::Test {
protected:
  void SetUp() override {
    kiln_options opt{2, nullptr, 0};
    ASSERT_EQ(kiln_rt_create(&model, &s, &opt), KILN_OK);
  }
  void TearDown() override { kiln_rt_destroy(s); }
  std::string error() const { return kiln_rt_error(s); }
  kiln_rt_model model = fake::staticModel();
  kiln_rt_session *s = nullptr;
  StaticRun r;
};

TEST_F(StaticSession, RunsAndSetsOutputShape) {
  ASSERT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_OK) << error();
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(r.y[i], r.a[i] + r.b[i % 4] + 0.5f);
  EXPECT_EQ(r.out[0].data, r.y);
  ASSERT_EQ(r.out[0].rank, 2);
  EXPECT_EQ(r.out[0].shape[0], 2);
  EXPECT_EQ(r.out[0].shape[1], 4);
  EXPECT_EQ(r.out[0].dtype, 1);
}

TEST_F(StaticSession, InferUsesStaticShapes) {
  const void *in[] = {r.a, r.b};
  void *out[] = {r.y};
  ASSERT_EQ(kiln_rt_infer(s, in, out), KILN_OK) << error();
  EXPECT_EQ(r.y[7], 8 + 40 + 0.5f);
}

TEST_F(StaticSession, RejectsWrongCounts) {
  EXPECT_EQ(kiln_rt_run(s, r.in, 1, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(error().find("1 inputs given"), std::string::npos) << error();
  EXPECT_EQ(kiln_rt_run(s, r.in, 3, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 0), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 2), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(error().find("2 outputs given"), std::string::npos) << error();
}

TEST_F(StaticSession, RejectsNullPointers) {
  EXPECT_EQ(kiln_rt_run(s, nullptr, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, nullptr, 1), KILN_ERR_INVALID_ARGUMENT);
  r.in[0].data = nullptr;
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(error().find("input 0 ('a'): data is NULL"), std::string::npos);
  r.in[0].data = r.a;
  r.in[1].shape = nullptr;
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(error().find("shape is NULL"), std::string::npos) << error();
  r.in[1].shape = r.shapeB;
  r.out[0].data = nullptr;
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(error().find("caller buffer of 32 bytes"), std::string::npos);
  EXPECT_EQ(kiln_rt_run(nullptr, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
}

TEST_F(StaticSession, RejectsWrongDtypeRankAndDims) {
  r.in[1].dtype = 7;
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "input 1 ('b'): dtype 7, expected 1");
  r.in[1].dtype = 1;
  r.in[0].rank = 1;
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "input 0 ('a'): rank 1, expected 2");
  r.in[0].rank = 2;
  r.shapeA[1] = 5;
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "input 0 ('a'): dim 1 is 5, expected 4");
  r.shapeA[1] = -4;
  EXPECT_EQ(kiln_rt_run(s, r.in, 2, r.out, 1), KILN_ERR_INVALID_ARGUMENT);
  // Nothing was written on failure.
  for (float v : r.y)
    EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(r.out[0].shape, nullptr);
}

TEST(RuntimeSession, DynamicOutputsUseSessionBuffers) {
  kiln_rt_model m = fake::dynamicModel();
  kiln_rt_session *s = nullptr;
  ASSERT_EQ(kiln_rt_create(&m, &s, nullptr), KILN_OK);
  for (int64_t n : {1, 5, 3, 0}) {
    std::vector<float> x(n * 3);
    std::vector<int64_t> z(n);
    for (int64_t i = 0; i < n * 3; ++i)
      x[i] = static_cast<float>(i);
    for (int64_t i = 0; i < n; ++i)
      z[i] = i + 1;
    int64_t sx[2] = {n, 3}, sz[1] = {n};
    kiln_tensor in[2] = {{x.data(), sx, 2, 1}, {z.data(), sz, 1, 7}};
    // y is dynamic (session buffer); count is a static scalar (caller's).
    int64_t count = -1;
    kiln_tensor out[2] = {{nullptr, nullptr, 0, 0}, {&count, nullptr, 0, 0}};
    ASSERT_EQ(kiln_rt_run(s, in, 2, out, 2), KILN_OK) << kiln_rt_error(s);
    EXPECT_EQ(out[1].data, &count);
    ASSERT_EQ(out[0].rank, 2);
    EXPECT_EQ(out[0].shape[0], n);
    EXPECT_EQ(out[0].shape[1], 3);
    EXPECT_EQ(out[1].rank, 0);
    EXPECT_EQ(*static_cast<int64_t *>(out[1].data), n);
    const float *y = static_cast<const float *>(out[0].data);
    for (int64_t i = 0; i < n * 3; ++i)
      EXPECT_EQ(y[i], x[i] * static_cast<float>(z[i / 3]));
  }
  kiln_rt_destroy(s);
}

TEST(RuntimeSession, DataDependentOutputsArePublished) {
  kiln_rt_model m = fake::positivesModel();
  kiln_rt_session *s = nullptr;
  ASSERT_EQ(kiln_rt_create(&m, &s, nullptr), KILN_OK);
  const float cases[3][6] = {{1, -2, 3, 0, 5, -6}, {-1, -1, -1, -1, -1, -1},
                             {1, 2, 3, 4, 5, 6}};
  for (const auto &x : cases) {
    std::vector<float> want;
    for (float v : x)
      if (v > 0)
        want.push_back(v);
    int64_t shape[1] = {6};
    kiln_tensor in[1] = {{const_cast<float *>(x), shape, 1, 1}};
    kiln_tensor out[1] = {{nullptr, nullptr, 0, 0}};
    ASSERT_EQ(kiln_rt_run(s, in, 1, out, 1), KILN_OK) << kiln_rt_error(s);
    ASSERT_EQ(out[0].rank, 1);
    ASSERT_EQ(out[0].shape[0], static_cast<int64_t>(want.size()));
    const float *p = static_cast<const float *>(out[0].data);
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(p[i], want[i]);
  }
  kiln_rt_destroy(s);
}

TEST(RuntimeSession, FailedKernelCheckIsAnError) {
  kiln_rt_model m = fake::positivesModel();
  kiln_rt_session *s = nullptr;
  ASSERT_EQ(kiln_rt_create(&m, &s, nullptr), KILN_OK);
  float x[6] = {-1000, 1, 2, 3, 4, 5};
  int64_t shape[1] = {6};
  kiln_tensor in[1] = {{x, shape, 1, 1}};
  kiln_tensor out[1] = {{nullptr, nullptr, 0, 0}};
  EXPECT_EQ(kiln_rt_run(s, in, 1, out, 1), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_rt_error(s)).find("x[0] below -100"),
            std::string::npos)
      << kiln_rt_error(s);
  // The session stays usable.
  x[0] = 7;
  ASSERT_EQ(kiln_rt_run(s, in, 1, out, 1), KILN_OK) << kiln_rt_error(s);
  EXPECT_EQ(out[0].shape[0], 6);
  kiln_rt_destroy(s);
}

TEST(RuntimeSession, SymbolicDimsMustAgree) {
  kiln_rt_model m = fake::dynamicModel();
  kiln_rt_session *s = nullptr;
  ASSERT_EQ(kiln_rt_create(&m, &s, nullptr), KILN_OK);
  float x[6] = {};
  int64_t z[3] = {};
  int64_t sx[2] = {2, 3}, sz[1] = {3};
  kiln_tensor in[2] = {{x, sx, 2, 1}, {z, sz, 1, 7}};
  kiln_tensor out[2] = {};
  EXPECT_EQ(kiln_rt_run(s, in, 2, out, 2), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(kiln_rt_error(s)),
            "input 1 ('z'): dim 0 ('N') is 3, but 'N' is 2 in an earlier input");
  EXPECT_EQ(out[0].data, nullptr);
  kiln_rt_destroy(s);
}

TEST(RuntimeSession, RejectsOverflowingElementCounts) {
  kiln_rt_model m = fake::dynamicModel();
  kiln_rt_session *s = nullptr;
  ASSERT_EQ(kiln_rt_create(&m, &s, nullptr), KILN_OK);
  float x[6] = {};
  int64_t z[3] = {};
  int64_t big = int64_t(1) << 62;
  int64_t sx[2] = {big, 3}, sz[1] = {big};
  kiln_tensor in[2] = {{x, sx, 2, 1}, {z, sz, 1, 7}};
  kiln_tensor out[2] = {};
  EXPECT_EQ(kiln_rt_run(s, in, 2, out, 2), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_rt_error(s)).find("overflows"), std::string::npos);
  kiln_rt_destroy(s);
}

TEST(RuntimeSession, MetadataAccessors) {
  kiln_rt_model m = fake::dynamicModel();
  EXPECT_EQ(kiln_rt_num_tensors(&m, 0), 2u);
  EXPECT_EQ(kiln_rt_num_tensors(&m, 1), 2u);
  EXPECT_STREQ(kiln_rt_tensor_name(&m, 0, 1), "z");
  EXPECT_EQ(kiln_rt_tensor_name(&m, 0, 2), nullptr);
  EXPECT_EQ(kiln_rt_tensor_dtype(&m, 1, 1), 7);
  EXPECT_EQ(kiln_rt_tensor_dtype(&m, 1, 9), 0);
  EXPECT_EQ(kiln_rt_tensor_rank(&m, 0, 0), 2);
  EXPECT_EQ(kiln_rt_tensor_rank(&m, 0, 5), -1);
  EXPECT_EQ(kiln_rt_tensor_dim(&m, 0, 0, 0), -1);
  EXPECT_EQ(kiln_rt_tensor_dim(&m, 0, 0, 1), 3);
  EXPECT_EQ(kiln_rt_tensor_dim(&m, 0, 0, 2), -1);
  kiln_rt_model st = fake::staticModel();
  EXPECT_EQ(kiln_rt_workspace_bytes(&st), 256u);
}

TEST(RuntimeSession, CreateRejectsBadArguments) {
  kiln_rt_model m = fake::staticModel();
  EXPECT_EQ(kiln_rt_create(&m, nullptr, nullptr), KILN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_rt_error(nullptr)).find("out-pointer is NULL"),
            std::string::npos);
  m.abi_version = 99;
  kiln_rt_session *s = reinterpret_cast<kiln_rt_session *>(&m);
  EXPECT_EQ(kiln_rt_create(&m, &s, nullptr), KILN_ERR_BAD_STATE);
  EXPECT_EQ(s, nullptr);
  kiln_rt_destroy(nullptr);
}

TEST(RuntimeSession, ConcurrentSessionsGiveIdenticalResults) {
  kiln_rt_model m = fake::staticModel();
  StaticRun ref;
  {
    kiln_rt_session *s = nullptr;
    kiln_options opt{1, nullptr, 0};
    ASSERT_EQ(kiln_rt_create(&m, &s, &opt), KILN_OK);
    ASSERT_EQ(kiln_rt_run(s, ref.in, 2, ref.out, 1), KILN_OK);
    kiln_rt_destroy(s);
  }
  std::vector<int> failures(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      kiln_rt_session *s = nullptr;
      kiln_options opt{1 + t % 4, nullptr, 0};
      if (kiln_rt_create(&m, &s, &opt) != KILN_OK) {
        failures[t] = 1000;
        return;
      }
      for (int it = 0; it < 300; ++it) {
        StaticRun r;
        if (kiln_rt_run(s, r.in, 2, r.out, 1) != KILN_OK ||
            std::memcmp(r.y, ref.y, sizeof(r.y)) != 0)
          ++failures[t];
      }
      kiln_rt_destroy(s);
    });
  for (auto &th : threads)
    th.join();
  for (int t = 0; t < 8; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
}

} // namespace
