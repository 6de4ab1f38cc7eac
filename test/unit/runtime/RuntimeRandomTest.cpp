//===- RuntimeRandomTest.cpp - the streams of unseeded random ops ---------===//
//
// kiln_rt_random_draw numbers the unseeded random ops a session runs: the
// count goes on across runs (every run draws new numbers), each session
// has its own (a fresh session replays the sequence), and a draw outside
// a run is 0.
//
//===----------------------------------------------------------------------===//

#include "runtime/kiln_runtime.h"

#include <gtest/gtest.h>

namespace {

/// A kernel of two unseeded random ops: out i64[2] = their draws.
void drawTwice(const kiln_frame *f) {
  auto *out = static_cast<int64_t *>(f->outputs[0]);
  out[0] = kiln_rt_random_draw();
  out[1] = kiln_rt_random_draw();
}

const int64_t kDimsTwo[] = {2};
const int32_t kNoSym[] = {-1};
const kiln_rt_tensor_desc kDrawsOut[] = {{"draws", 7, 1, kDimsTwo, kNoSym}};

kiln_rt_model drawsModel() {
  kiln_rt_model m{};
  m.abi_version = KILN_RT_ABI_VERSION;
  m.num_outputs = 1;
  m.name = "fake_draws";
  m.outputs = kDrawsOut;
  m.kernel = drawTwice;
  return m;
}

/// The draws of one run of `s`.
std::pair<int64_t, int64_t> run(kiln_rt_session *s) {
  int64_t draws[2] = {-1, -1};
  kiln_tensor out[1] = {{draws, nullptr, 0, 0}};
  EXPECT_EQ(kiln_rt_run(s, nullptr, 0, out, 1), KILN_OK) << kiln_rt_error(s);
  return {draws[0], draws[1]};
}

TEST(RuntimeRandom, DrawsCountOnAcrossRunsPerSession) {
  kiln_rt_model model = drawsModel();
  kiln_options opt{2, nullptr, 0, 0};
  kiln_rt_session *a = nullptr, *b = nullptr;
  ASSERT_EQ(kiln_rt_create(&model, &a, &opt), KILN_OK);
  ASSERT_EQ(kiln_rt_create(&model, &b, &opt), KILN_OK);
  EXPECT_EQ(run(a), std::make_pair(int64_t(0), int64_t(1)));
  EXPECT_EQ(run(a), std::make_pair(int64_t(2), int64_t(3)));
  EXPECT_EQ(run(b), std::make_pair(int64_t(0), int64_t(1)));
  EXPECT_EQ(run(a), std::make_pair(int64_t(4), int64_t(5)));
  kiln_rt_destroy(a);
  kiln_rt_destroy(b);
}

TEST(RuntimeRandom, DrawOutsideARunIsZero) {
  EXPECT_EQ(kiln_rt_random_draw(), 0);
  EXPECT_EQ(kiln_rt_random_draw(), 0);
}

} // namespace
