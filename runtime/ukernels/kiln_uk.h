/*===- kiln_uk.h - GEMM and convolution microkernels -----------------------===*
 *
 * Packed single-precision GEMM in the Goto/BLIS style (cache blocks of
 * KILN_UK_KC x NC, A and B packed into per-task stack buffers, a
 * register-tiled broadcast+FMA inner kernel) and 2-D NCHW convolution as the
 * same GEMM with the im2col matrix formed while packing B (no im2col
 * buffer). One entry point per instruction set: the compiler
 * (codegen/cpu/LowerToUKernels.cpp) calls the variant that the target
 * machine's features allow; the others are dropped at link time.
 *
 * Semantics (all variants):
 *   C[p] (+)= A[p] * B[p] for every problem p, then clamped to [lo, hi]
 *   when KILN_UK_CLAMP is set. Each output element is the sum over k in
 *   ascending order, started from C (KILN_UK_ACCUMULATE) or from zero, with
 *   one multiply-add per k (fused on AVX2/AVX-512): results are the same
 *   for any thread count.
 * Work is split into tasks over (problem, row block, column block) and run
 * through kiln_rt_parallel_for on `runtime` (NULL: serially).
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_UKERNELS_KILN_UK_H
#define KILN_RUNTIME_UKERNELS_KILN_UK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of `flags`. */
#define KILN_UK_ACCUMULATE 1 /* start from C's contents, not from zero */
#define KILN_UK_CLAMP 2      /* clamp every result to [lo, hi] */
#define KILN_UK_PACKED_A 4   /* sconv2d: w is already packed (see below) */
#define KILN_UK_PACKED_B 8   /* sgemm: b is already packed (see below) */

/* K block and register tile (rows of A x columns of B) of each variant;
 * the packed layouts below depend on them. */
#define KILN_UK_KC 256
#define KILN_UK_MR_GENERIC 4
#define KILN_UK_NR_GENERIC 8
#define KILN_UK_MR_AVX2 6
#define KILN_UK_NR_AVX2 16
#define KILN_UK_MR_AVX512 12
#define KILN_UK_NR_AVX512 32

/* Pre-packed constant operands (weights packed once, at compile time, so
 * that a run neither packs nor reads them in a strided pattern). Both are
 * the panels the kernel reads: for each K block k0 = 0, KILN_UK_KC, ...
 * (kc = min(KILN_UK_KC, K - k0) values), ceil(rows / tile) panels of `tile`
 * rows, k-major inside a panel (panel[k * tile + i]), rows past the end
 * zero. KILN_UK_PACKED_A: the convolution filter of each group as the
 * fg x (C/groups * KH * KW) matrix, tile = the variant's MR, groups one
 * after the other. KILN_UK_PACKED_B: the K x N matrix B with rows = N
 * (its columns), tile = the variant's NR; b_bs, b_rs and b_cs are unused
 * (one B for every problem), 64-byte aligned (its panels are loaded
 * aligned). kiln_uk_pack_panels writes either. */

/* Floats of a packed operand with `rows` rows (padded to `tile`) and K. */
static inline int64_t kiln_uk_packed_size(int64_t rows, int64_t K,
                                          int64_t tile) {
  return (rows + tile - 1) / tile * tile * K;
}

/* Packs src's element (r, k) = src[r * rs + k * ks], r < rows, k < K, into
 * dst (kiln_uk_packed_size(rows, K, tile) floats) in the layout above. */
static inline void kiln_uk_pack_panels(const float *src, int64_t rows,
                                       int64_t K, int64_t rs, int64_t ks,
                                       int64_t tile, float *dst) {
  for (int64_t k0 = 0; k0 < K; k0 += KILN_UK_KC) {
    int64_t kc = K - k0 < KILN_UK_KC ? K - k0 : KILN_UK_KC;
    for (int64_t r0 = 0; r0 < rows; r0 += tile)
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t i = 0; i < tile; ++i)
          *dst++ = r0 + i < rows ? src[(r0 + i) * rs + (k0 + k) * ks] : 0.0f;
  }
}

/* C[b] (+)= A[b] * B[b], b < batch: A[b] is M x K at a + b*a_bs with element
 * (m, k) at m*a_rs + k*a_cs; B[b] is K x N with (k, n) at k*b_rs + n*b_cs;
 * C[b] is M x N with (m, n) at c + b*c_bs + m*c_rs + n (unit column stride).
 * Strides are in elements and may be 0 (broadcast). With `bias` non-NULL
 * and no KILN_UK_ACCUMULATE, each sum starts from bias[n] (one vector of N
 * for every problem and row: a Gemm's bias). */
#define KILN_UK_SGEMM_PARAMS                                                   \
  void *runtime, int64_t batch, int64_t M, int64_t N, int64_t K,               \
      const float *a, int64_t a_bs, int64_t a_rs, int64_t a_cs,                \
      const float *b, int64_t b_bs, int64_t b_rs, int64_t b_cs, float *c,      \
      int64_t c_bs, int64_t c_rs, int64_t flags, float lo, float hi,           \
      const float *bias

/* Grouped 2-D convolution of an already padded NCHW input
 * x[batch][C][H][W] with w[F][C/groups][KH][KW] (or w packed, with
 * KILN_UK_PACKED_A) into y[batch][F][OH][OW], strides sh, sw and dilations
 * dh, dw; all three contiguous. Epilogue, in
 * this order: the sum starts from bias[f] (bias non-NULL, no
 * KILN_UK_ACCUMULATE) and gets residual[same index as y] added (residual
 * non-NULL, not overlapping y: y holds partial sums between K blocks), then
 * the clamp. y must not overlap x, w or bias. */
#define KILN_UK_SCONV2D_PARAMS                                                 \
  void *runtime, int64_t batch, int64_t groups, int64_t C, int64_t H,          \
      int64_t W, int64_t F, int64_t KH, int64_t KW, int64_t OH, int64_t OW,    \
      int64_t sh, int64_t sw, int64_t dh, int64_t dw, const float *x,          \
      const float *w, float *y, const float *bias, const float *residual,      \
      int64_t flags, float lo, float hi

void kiln_uk_sgemm_generic(KILN_UK_SGEMM_PARAMS);
void kiln_uk_sgemm_avx2(KILN_UK_SGEMM_PARAMS);
void kiln_uk_sgemm_avx512(KILN_UK_SGEMM_PARAMS);
void kiln_uk_sconv2d_generic(KILN_UK_SCONV2D_PARAMS);
void kiln_uk_sconv2d_avx2(KILN_UK_SCONV2D_PARAMS);
void kiln_uk_sconv2d_avx512(KILN_UK_SCONV2D_PARAMS);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_UKERNELS_KILN_UK_H */
