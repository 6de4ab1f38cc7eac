//===- RuntimeThreadPoolTest.cpp - kiln_rt_parallel_for partitioning ------===//
//
// Static partitioning: every index runs exactly once, chunks are contiguous
// and fixed by (n, threads), nested calls run inline.
//
//===----------------------------------------------------------------------===//

#include "runtime/kiln_internal.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Record {
  std::vector<std::atomic<int>> hits;
  explicit Record(int64_t n) : hits(n) {}
};

void mark(void *raw, int64_t begin, int64_t end) {
  auto *r = static_cast<Record *>(raw);
  for (int64_t i = begin; i < end; ++i)
    r->hits[i].fetch_add(1);
}

TEST(RuntimeThreadPool, ChunksCoverTheRangeContiguously) {
  for (int64_t n : {1, 2, 7, 64, 1000})
    for (int64_t chunks = 1; chunks <= 9 && chunks <= n; ++chunks) {
      int64_t expect = 0;
      for (int64_t c = 0; c < chunks; ++c) {
        int64_t b, e;
        kiln_rt_chunk(n, chunks, c, &b, &e);
        EXPECT_EQ(b, expect);
        EXPECT_GE(e - b, n / chunks);
        EXPECT_LE(e - b, n / chunks + 1);
        expect = e;
      }
      EXPECT_EQ(expect, n);
    }
}

TEST(RuntimeThreadPool, EveryIndexRunsOnce) {
  for (int32_t threads : {1, 2, 3, 8}) {
    kiln_rt_pool *pool = kiln_rt_pool_create(threads);
    ASSERT_NE(pool, nullptr);
    EXPECT_EQ(kiln_rt_num_threads(pool), threads);
    for (int64_t n : {0, 1, 5, 100, 4097}) {
      for (int rep = 0; rep < 20; ++rep) {
        Record r(n);
        kiln_rt_parallel_for(pool, n, mark, &r);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(r.hits[i].load(), 1) << "threads " << threads << " n " << n;
      }
    }
    kiln_rt_pool_destroy(pool);
  }
}

// Workers and the caller spin for a while, then sleep (KILN_SPIN_US, read at
// create): jobs handed over while they spin, while they sleep and around the
// moment one turns into the other all run every index once.
TEST(RuntimeThreadPool, HandOffWhileSpinningAndSleeping) {
  const char *old = std::getenv("KILN_SPIN_US");
  std::string saved = old ? old : "";
  for (const char *spin : {"0", "30", "1000"}) {
    ASSERT_EQ(setenv("KILN_SPIN_US", spin, 1), 0);
    for (int32_t threads : {2, 4}) {
      kiln_rt_pool *pool = kiln_rt_pool_create(threads);
      ASSERT_NE(pool, nullptr);
      for (int rep = 0; rep < 200; ++rep) {
        int64_t n = 1 + rep % 37;
        Record r(n);
        kiln_rt_parallel_for(pool, n, mark, &r);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(r.hits[i].load(), 1)
              << "spin " << spin << " threads " << threads << " rep " << rep;
        if (rep % 7 == 0)
          std::this_thread::sleep_for(std::chrono::microseconds(20 * (rep % 5)));
      }
      kiln_rt_pool_destroy(pool);
    }
  }
  if (old)
    setenv("KILN_SPIN_US", saved.c_str(), 1);
  else
    unsetenv("KILN_SPIN_US");
}

struct Nested {
  kiln_rt_pool *pool;
  Record *inner;
};

void outer(void *raw, int64_t begin, int64_t end) {
  auto *n = static_cast<Nested *>(raw);
  for (int64_t i = begin; i < end; ++i) {
    // Nested calls run inline on the calling thread.
    Record local(10);
    kiln_rt_parallel_for(n->pool, 10, mark, &local);
    for (int64_t k = 0; k < 10; ++k)
      n->inner->hits[i * 10 + k].fetch_add(local.hits[k].load());
  }
}

TEST(RuntimeThreadPool, NestedCallsRunInline) {
  kiln_rt_pool *pool = kiln_rt_pool_create(4);
  ASSERT_NE(pool, nullptr);
  Record inner(80);
  Nested ctx{pool, &inner};
  kiln_rt_parallel_for(pool, 8, outer, &ctx);
  for (int64_t i = 0; i < 80; ++i)
    EXPECT_EQ(inner.hits[i].load(), 1);
  kiln_rt_pool_destroy(pool);
}

TEST(RuntimeThreadPool, NullRuntimeRunsSerially) {
  Record r(33);
  kiln_rt_parallel_for(nullptr, 33, mark, &r);
  for (int64_t i = 0; i < 33; ++i)
    EXPECT_EQ(r.hits[i].load(), 1);
  EXPECT_EQ(kiln_rt_num_threads(nullptr), 1);
}

} // namespace
