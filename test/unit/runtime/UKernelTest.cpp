//===- UKernelTest.cpp - GEMM/convolution microkernels vs naive loops -----===//
//
// Every ISA variant the host supports against a double-precision naive
// reference over sizes that are not multiples of any tile or block, with
// strided/transposed/broadcast operands, groups, strides, dilations,
// accumulation and the bias/residual/clamp epilogue, with the constant
// operand (B of a GEMM, a convolution's filter) as given or pre-packed
// (kiln_uk_pack_panels); 1 and 3 threads give bitwise equal results.
//
//===----------------------------------------------------------------------===//

#include "runtime/kiln_internal.h"
#include "runtime/ukernels/kiln_uk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using SgemmFn = void (*)(KILN_UK_SGEMM_PARAMS);
using ConvFn = void (*)(KILN_UK_SCONV2D_PARAMS);

struct Variant {
  std::string name;
  SgemmFn sgemm;
  ConvFn conv;
  int64_t mr, nr; ///< register tile: the packed layouts' tiles
};

std::vector<Variant> variants() {
  std::vector<Variant> v = {{"generic", kiln_uk_sgemm_generic,
                             kiln_uk_sconv2d_generic, KILN_UK_MR_GENERIC,
                             KILN_UK_NR_GENERIC}};
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    v.push_back({"avx2", kiln_uk_sgemm_avx2, kiln_uk_sconv2d_avx2,
                 KILN_UK_MR_AVX2, KILN_UK_NR_AVX2});
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    v.push_back({"avx512", kiln_uk_sgemm_avx512, kiln_uk_sconv2d_avx512,
                 KILN_UK_MR_AVX512, KILN_UK_NR_AVX512});
  return v;
}

std::vector<float> randomVector(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

float clampRef(double v, int64_t flags, float lo, float hi) {
  float f = static_cast<float>(v);
  if (flags & KILN_UK_CLAMP)
    f = std::fmin(std::fmax(f, lo), hi);
  return f;
}

/// n floats at a 64-byte boundary (the kernels load packed panels aligned,
/// as from the weights blob).
struct AlignedFloats {
  explicit AlignedFloats(size_t n) : storage(n + 16) {}
  float *data() {
    auto at = reinterpret_cast<uintptr_t>(storage.data());
    return storage.data() + ((64 - at % 64) % 64) / sizeof(float);
  }
  std::vector<float> storage;
};

struct Pools {
  kiln_rt_pool *three = kiln_rt_pool_create(3);
  ~Pools() { kiln_rt_pool_destroy(three); }
};

struct GemmCase {
  int64_t batch, M, N, K;
  bool transA, transB, broadcastB;
  int64_t flags;
  bool bias = false; ///< a per-column bias (without KILN_UK_ACCUMULATE)
};

TEST(UKernel, SgemmMatchesNaive) {
  Pools pools;
  ASSERT_NE(pools.three, nullptr);
  const GemmCase cases[] = {
      {1, 1, 1, 1, false, false, false, 0},
      {1, 13, 37, 5, false, false, false, 0},
      {1, 13, 37, 5, false, false, false, KILN_UK_CLAMP, true},
      {1, 128, 768, 300, false, false, false, KILN_UK_ACCUMULATE},
      {2, 50, 70, 513, true, false, false, 0},
      {3, 25, 33, 64, false, true, false, KILN_UK_CLAMP},
      {3, 25, 100, 300, false, true, false, 0, true},
      {2, 97, 200, 77, true, true, true,
       KILN_UK_ACCUMULATE | KILN_UK_CLAMP},
      {1, 7, 1000, 0, false, false, false, KILN_UK_CLAMP},
      {1, 300, 9, 260, false, false, false, 0},
      {1, 1, 1000, 700, false, true, false, 0},
      {1, 130, 771, 600, false, false, true, 0, true},
      // K <= 64: tiles row by row across the column block.
      {1, 100, 300, 40, false, false, false, KILN_UK_CLAMP, true},
  };
  for (const Variant &v : variants()) {
    for (const GemmCase &g : cases)
    for (int packed = 0; packed < 2; ++packed) {
      // A pre-packed B is one B for every problem.
      if (packed && !g.broadcastB && g.batch > 1)
        continue;
      SCOPED_TRACE(v.name + " M=" + std::to_string(g.M) +
                   " N=" + std::to_string(g.N) + " K=" + std::to_string(g.K) +
                   (packed ? " packed B" : ""));
      // A row stride padded by 3, B column block padded by 5, C row
      // stride padded by 2, to exercise strides.
      int64_t a_rs = g.transA ? 1 : g.K + 3, a_cs = g.transA ? g.M + 3 : 1;
      int64_t a_bs = (g.transA ? g.K * (g.M + 3) : g.M * (g.K + 3)) + 1;
      int64_t b_rs = g.transB ? 1 : g.N + 5, b_cs = g.transB ? g.K + 5 : 1;
      int64_t b_bs = g.broadcastB ? 0
                                  : (g.transB ? g.N * (g.K + 5)
                                              : g.K * (g.N + 5)) + 2;
      int64_t c_rs = g.N + 2, c_bs = g.M * c_rs + 4;
      std::vector<float> a = randomVector(g.batch * a_bs + 1, 1);
      std::vector<float> b = randomVector(g.batch * b_bs + g.K * g.N * 2 + 8, 2);
      std::vector<float> c0 = randomVector(g.batch * c_bs, 3);
      float lo = -0.25f, hi = 0.5f;
      std::vector<float> c1 = c0, c3 = c0;
      AlignedFloats bp(kiln_uk_packed_size(g.N, g.K, v.nr));
      kiln_uk_pack_panels(b.data(), g.N, g.K, b_cs, b_rs, v.nr, bp.data());
      const float *bArg = packed ? bp.data() : b.data();
      int64_t flags = g.flags | (packed ? KILN_UK_PACKED_B : 0);
      std::vector<float> bias = randomVector(g.N, 9);
      const float *biasArg = g.bias ? bias.data() : nullptr;
      v.sgemm(nullptr, g.batch, g.M, g.N, g.K, a.data(), a_bs, a_rs, a_cs,
              bArg, b_bs, b_rs, b_cs, c1.data(), c_bs, c_rs, flags, lo, hi,
              biasArg);
      v.sgemm(pools.three, g.batch, g.M, g.N, g.K, a.data(), a_bs, a_rs,
              a_cs, bArg, b_bs, b_rs, b_cs, c3.data(), c_bs, c_rs, flags, lo,
              hi, biasArg);
      EXPECT_EQ(std::memcmp(c1.data(), c3.data(), c1.size() * sizeof(float)),
                0);
      for (int64_t p = 0; p < g.batch; ++p)
        for (int64_t m = 0; m < g.M; ++m)
          for (int64_t n = 0; n < g.N; ++n) {
            double acc = (g.flags & KILN_UK_ACCUMULATE)
                             ? c0[p * c_bs + m * c_rs + n]
                         : g.bias ? bias[n]
                                  : 0.0;
            for (int64_t k = 0; k < g.K; ++k)
              acc += (double)a[p * a_bs + m * a_rs + k * a_cs] *
                     b[p * b_bs + k * b_rs + n * b_cs];
            float expect = clampRef(acc, g.flags, lo, hi);
            ASSERT_NEAR(c1[p * c_bs + m * c_rs + n], expect,
                        1e-5 * (1 + g.K));
          }
      // Padding between rows/batches is untouched.
      for (int64_t p = 0; p < g.batch; ++p)
        for (int64_t m = 0; m < g.M; ++m)
          for (int64_t n = g.N; n < c_rs; ++n)
            ASSERT_EQ(c1[p * c_bs + m * c_rs + n], c0[p * c_bs + m * c_rs + n]);
    }
  }
}

struct ConvCase {
  int64_t batch, groups, C, H, W, F, KH, KW, sh, sw, dh, dw;
  int64_t flags;
  bool bias, residual;
};

TEST(UKernel, Conv2dMatchesNaive) {
  Pools pools;
  ASSERT_NE(pools.three, nullptr);
  const ConvCase cases[] = {
      {1, 1, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1, 0, false, false},
      {2, 1, 16, 12, 10, 40, 1, 1, 1, 1, 1, 1, KILN_UK_ACCUMULATE, false,
       true},
      {1, 1, 7, 17, 15, 13, 3, 2, 2, 3, 1, 1, KILN_UK_CLAMP, true, false},
      {1, 2, 6, 10, 13, 10, 3, 3, 1, 2, 2, 1,
       KILN_UK_ACCUMULATE | KILN_UK_CLAMP, false, false},
      {2, 4, 8, 9, 9, 12, 2, 3, 1, 1, 2, 2, 0, true, true},
      {1, 1, 64, 16, 16, 64, 3, 3, 1, 1, 1, 1, KILN_UK_ACCUMULATE, false,
       false},
      {1, 1, 33, 7, 7, 70, 1, 1, 1, 1, 1, 1, KILN_UK_CLAMP, true, true},
      {1, 1, 300, 9, 9, 30, 1, 1, 1, 1, 1, 1, KILN_UK_CLAMP, true, true},
      // Image rows longer than a 16-lane vector, packed as runs in steps
      // of 2 (stride 2) and 1 (stride 1); 7x7 outputs (N = 49).
      {1, 1, 20, 70, 70, 24, 1, 1, 2, 2, 1, 1, KILN_UK_CLAMP, true, true},
      {1, 1, 9, 71, 69, 14, 3, 3, 2, 2, 1, 1, 0, true, false},
      {1, 1, 8, 40, 40, 20, 3, 3, 1, 1, 1, 1, KILN_UK_CLAMP, true, false},
      {1, 1, 40, 9, 9, 36, 3, 3, 1, 1, 1, 1, 0, false, true},
      // Several K blocks, a partial row panel.
      {1, 1, 64, 9, 9, 70, 3, 3, 1, 1, 1, 1, KILN_UK_CLAMP, true, true},
      // K = 64 (tiles row by row), partial row panel and column panel.
      {1, 1, 64, 30, 30, 70, 1, 1, 1, 1, 1, 1, KILN_UK_CLAMP, true, true},
  };
  for (const Variant &v : variants()) {
    for (const ConvCase &q : cases)
    for (int packed = 0; packed < 2; ++packed) {
      SCOPED_TRACE(v.name + " C=" + std::to_string(q.C) +
                   " F=" + std::to_string(q.F) + " g=" +
                   std::to_string(q.groups) + (packed ? " packed w" : ""));
      int64_t OH = (q.H - (q.KH - 1) * q.dh - 1) / q.sh + 1;
      int64_t OW = (q.W - (q.KW - 1) * q.dw - 1) / q.sw + 1;
      int64_t cg = q.C / q.groups, fg = q.F / q.groups;
      std::vector<float> x = randomVector(q.batch * q.C * q.H * q.W, 4);
      std::vector<float> w = randomVector(q.F * cg * q.KH * q.KW, 5);
      std::vector<float> y0 = randomVector(q.batch * q.F * OH * OW, 6);
      std::vector<float> y1 = y0, y3 = y0;
      std::vector<float> bias = randomVector(q.F, 7);
      std::vector<float> res = randomVector(y0.size(), 8);
      const float *biasP = q.bias ? bias.data() : nullptr;
      const float *resP = q.residual ? res.data() : nullptr;
      float lo = 0.0f, hi = 6.0f;
      // The filter of each group packed, groups one after the other.
      int64_t kg = cg * q.KH * q.KW, per = kiln_uk_packed_size(fg, kg, v.mr);
      AlignedFloats wp(q.groups * per);
      for (int64_t g = 0; g < q.groups; ++g)
        kiln_uk_pack_panels(w.data() + g * fg * kg, fg, kg, kg, 1, v.mr,
                            wp.data() + g * per);
      const float *wArg = packed ? wp.data() : w.data();
      int64_t flags = q.flags | (packed ? KILN_UK_PACKED_A : 0);
      v.conv(nullptr, q.batch, q.groups, q.C, q.H, q.W, q.F, q.KH, q.KW, OH,
             OW, q.sh, q.sw, q.dh, q.dw, x.data(), wArg, y1.data(), biasP,
             resP, flags, lo, hi);
      v.conv(pools.three, q.batch, q.groups, q.C, q.H, q.W, q.F, q.KH, q.KW,
             OH, OW, q.sh, q.sw, q.dh, q.dw, x.data(), wArg, y3.data(),
             biasP, resP, flags, lo, hi);
      EXPECT_EQ(std::memcmp(y1.data(), y3.data(), y1.size() * sizeof(float)),
                0);
      for (int64_t n = 0; n < q.batch; ++n)
        for (int64_t f = 0; f < q.F; ++f)
          for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
              int64_t at = ((n * q.F + f) * OH + oh) * OW + ow;
              double acc = (q.flags & KILN_UK_ACCUMULATE) ? y0[at]
                           : q.bias                       ? bias[f]
                                                          : 0.0;
              int64_t g = f / fg;
              for (int64_t c = 0; c < cg; ++c)
                for (int64_t kh = 0; kh < q.KH; ++kh)
                  for (int64_t kw = 0; kw < q.KW; ++kw)
                    acc += (double)w[((f * cg + c) * q.KH + kh) * q.KW + kw] *
                           x[((n * q.C + g * cg + c) * q.H + oh * q.sh +
                              kh * q.dh) *
                                 q.W +
                             ow * q.sw + kw * q.dw];
              if (q.residual)
                acc += res[at];
              ASSERT_NEAR(y1[at], clampRef(acc, q.flags, lo, hi), 1e-4);
            }
    }
  }
}

} // namespace
