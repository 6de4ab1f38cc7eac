//===- RuntimeThreadPoolTest.cpp - kiln_rt_parallel_for partitioning ------===//
//
// Static partitioning: every index runs exactly once, chunks are contiguous
// and fixed by (n, threads), nested calls run inline; runs (run_begin ..
// run_end) hand jobs off to woken workers kept off the caller's CPU.
//
//===----------------------------------------------------------------------===//

#include "runtime/kiln_internal.h"

#include <gtest/gtest.h>

#include <pthread.h>
#include <sched.h>
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

// Workers asleep when a run begins (spin 0 and 30 us: they sleep between
// runs, and with 0 between jobs too) are woken by run_begin and take every
// job of the run; a run may also begin and end without a job.
TEST(RuntimeThreadPool, HandOffInsideRuns) {
  const char *old = std::getenv("KILN_SPIN_US");
  std::string saved = old ? old : "";
  for (const char *spin : {"0", "30", "1000"}) {
    ASSERT_EQ(setenv("KILN_SPIN_US", spin, 1), 0);
    for (int32_t threads : {2, 3}) {
      kiln_rt_pool *pool = kiln_rt_pool_create(threads);
      ASSERT_NE(pool, nullptr);
      for (int run = 0; run < 40; ++run) {
        std::this_thread::sleep_for(std::chrono::microseconds(100 * (run % 3)));
        kiln_rt_pool_run_begin(pool);
        for (int job = 0; job < run % 6; ++job) {
          int64_t n = 1 + (run * 7 + job) % 29;
          Record r(n);
          kiln_rt_parallel_for(pool, n, mark, &r);
          for (int64_t i = 0; i < n; ++i)
            ASSERT_EQ(r.hits[i].load(), 1) << "spin " << spin << " threads "
                                           << threads << " run " << run;
        }
        kiln_rt_pool_run_end(pool);
      }
      kiln_rt_pool_destroy(pool);
    }
  }
  if (old)
    setenv("KILN_SPIN_US", saved.c_str(), 1);
  else
    unsetenv("KILN_SPIN_US");
  kiln_rt_pool_run_begin(nullptr);
  kiln_rt_pool_run_end(nullptr);
}

struct CpuOfChunks {
  std::vector<std::atomic<int>> cpu;
  explicit CpuOfChunks(int64_t n) : cpu(n) {}
};

void recordCpu(void *raw, int64_t begin, int64_t end) {
  auto *c = static_cast<CpuOfChunks *>(raw);
  for (int64_t i = begin; i < end; ++i)
    c->cpu[i].store(sched_getcpu());
}

// With the caller held on one CPU, a run's chunks on workers run elsewhere
// (a woken worker queued behind the spinning caller waited for a tick).
TEST(RuntimeThreadPool, WorkersStayOffTheCallersCpu) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  if (CPU_COUNT(&allowed) < 2)
    GTEST_SKIP() << "one CPU";
  int home = -1;
  for (int c = 0; c < CPU_SETSIZE && home < 0; ++c)
    if (CPU_ISSET(c, &allowed))
      home = c;
  kiln_rt_pool *pool = kiln_rt_pool_create(3);
  ASSERT_NE(pool, nullptr);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(home, &one);
  ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof one, &one), 0);
  for (int run = 0; run < 5; ++run) {
    kiln_rt_pool_run_begin(pool);
    CpuOfChunks c(3);
    kiln_rt_parallel_for(pool, 3, recordCpu, &c);
    kiln_rt_pool_run_end(pool);
    EXPECT_EQ(c.cpu[0].load(), home);
    EXPECT_NE(c.cpu[1].load(), home) << "run " << run;
    EXPECT_NE(c.cpu[2].load(), home) << "run " << run;
  }
  kiln_rt_pool_destroy(pool);
  ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed),
            0);
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
