/*===- kiln_uk_gemm.c - Packed SGEMM and convolution microkernels ----------===*
 *
 * See kiln_uk.h for the contract. The driver (kiln_uk_impl.inc) is compiled
 * three times: portable C (4x8 tile), AVX2+FMA (6x16, ymm) and AVX-512 (12x32,
 * zmm), each with its own target attribute so that the runtime's generic
 * x86-64 bitcode holds all three; the compiler calls the one the target
 * machine supports.
 *
 * Blocking (Goto/BLIS): a task loops over column blocks of UK_NC, K blocks
 * of UK_KC (B block packed once), row blocks of UK_MC (A block packed), then
 * UK_NR-wide B micro-panels (L1) times UK_MR-high A micro-panels. The pack
 * buffers live on the task's stack (about 300 KiB), so a run allocates
 * nothing.
 *===----------------------------------------------------------------------===*/

#include "runtime/ukernels/kiln_uk.h"

#include <immintrin.h>
#include <stddef.h>

#include "runtime/kiln_runtime.h"

#if defined(__clang__)
#define UK_NO_VECTORIZE _Pragma("clang loop vectorize(disable)")
#else
#define UK_NO_VECTORIZE
#endif

/* Hides a value from the SLP vectorizer, which would turn a strided
 * group of scalar copies into a gather. */
#define UK_OPAQUE(v) __asm__("" : "+x"(v))

/* The packed layouts of kiln_uk.h assume this K block. */
#define UK_KC KILN_UK_KC
#ifndef UK_MC
#define UK_MC 96
#endif
#ifndef UK_NC
#define UK_NC 256
#endif

typedef struct uk_job {
  /* Problem p is (p / inner, p % inner); operand offsets p1*s1 + p2*s2. */
  int64_t problems, inner;
  int64_t M, N, K;
  const float *a;
  int64_t a_s1, a_s2, a_rs, a_cs;
  const float *b;
  int64_t b_s1, b_s2, b_rs, b_cs;
  float *c;
  int64_t c_s1, c_s2, c_rs;
  /* Convolution: B(k, n) = x[c*H*W + kh*dh*W + kw*dw + oh*sh*W + ow*sw]
   * with k = (c, kh, kw) and n = (oh, ow). */
  int conv;
  int64_t H, W, KH, KW, OW, sh, sw, dh, dw;
  /* Epilogue: bias (initial value) per row (per column with bias_cols),
   * residual (layout of c). */
  const float *bias;
  int bias_cols;
  const float *res;
  int64_t bias_s1, bias_s2;
  int64_t flags;
  float lo, hi;
  /* Task grid per problem: mb x nb blocks of mt x nt. */
  int64_t mb, nb, mt, nt;
} uk_job;

static int64_t uk_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Chooses the task grid for `threads` threads: the fewest rounds of equal
 * tasks, counting packing (each task packs its rows of A and columns of B)
 * and the work of padded edge tiles. Any grid gives the same numbers. */
static void uk_plan(uk_job *J, int64_t threads, int64_t mr, int64_t nr) {
  int64_t mu = uk_ceil_div(J->M, mr), nu = uk_ceil_div(J->N, nr);
  int64_t K = J->K > 0 ? J->K : 1;
  J->mb = J->nb = 1;
  J->mt = mu * mr;
  J->nt = nu * nr;
  double work = (double)J->problems * J->M * J->N * K;
  if (threads <= 1 || work < 65536.0 || mu == 0 || nu == 0)
    return;
  double best = -1;
  for (int64_t mb = 1; mb <= mu && mb <= 4 * threads; ++mb) {
    int64_t mtu = uk_ceil_div(mu, mb), mbs = uk_ceil_div(mu, mtu);
    if (mbs != mb)
      continue;
    for (int64_t nb = 1; nb <= nu && mb * nb <= 4 * threads; ++nb) {
      int64_t ntu = uk_ceil_div(nu, nb), nbs = uk_ceil_div(nu, ntu);
      if (nbs != nb)
        continue;
      int64_t tasks = J->problems * mb * nb;
      int64_t rounds = uk_ceil_div(tasks, threads);
      double mt = (double)(mtu * mr), nt = (double)(ntu * nr);
      double task = mt * nt * K / 32.0 + (mt + nt) * K * 0.5;
      double cost = rounds * task;
      if (best < 0 || cost < best) {
        best = cost;
        J->mb = mb, J->nb = nb;
        J->mt = mtu * mr, J->nt = ntu * nr;
      }
    }
  }
}

/* d[j] = s[j * step] for j < n (step 1 or 2): a run of one row of an
 * image while packing B. */
static inline __attribute__((always_inline)) void
uk_copy_run(float *d, const float *s, int64_t n, int64_t step) {
  if (step == 1) {
    for (int64_t j = 0; j < n; ++j)
      d[j] = s[j];
  } else {
    for (int64_t j = 0; j < n; ++j)
      d[j] = s[2 * j];
  }
}

static void uk_run(uk_job *J, void *runtime, int64_t mr, int64_t nr,
                   void (*tasks)(void *, int64_t, int64_t)) {
  if (J->problems <= 0 || J->M <= 0 || J->N <= 0)
    return;
  uk_plan(J, kiln_rt_num_threads(runtime), mr, nr);
  kiln_rt_parallel_for(runtime, J->problems * J->mb * J->nb, tasks, J);
}

/*===--- Portable C: 4 x 8 ---------------------------------------------===*/

/* Every kernel: A is packed (lda 0: UK_MR values per k) or read in place
 * (row i at ap + i*lda, unit stride in k); the sum starts from zero
 * (init 0), from c (init 1), from bias[i] per row (init 2) or from bias[j]
 * per column (init 3); after the kc
 * steps, res (when non-NULL, row stride ldr) is added, then the clamp (when
 * set); stored into c. */
static void uk_kernel_generic(int64_t kc, const float *ap, int64_t lda,
                              const float *bp, float *c, int64_t ldc, int init,
                              const float *bias, const float *res,
                              int64_t ldr, int clamp, float lo, float hi) {
  float acc[4][8];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j)
      acc[i][j] = init == 1   ? c[i * ldc + j]
                  : init == 2 ? bias[i]
                  : init == 3 ? bias[j]
                              : 0.0f;
  int64_t ai = lda ? lda : 1, ak = lda ? 1 : 4;
  for (int64_t k = 0; k < kc; ++k, ap += ak, bp += 8)
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 8; ++j)
        acc[i][j] += ap[i * ai] * bp[j];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) {
      float v = acc[i][j];
      if (res)
        v += res[i * ldr + j];
      if (clamp) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
      }
      c[i * ldc + j] = v;
    }
}

#define UK_SUFFIX generic
#define UK_TARGET
#define UK_MR KILN_UK_MR_GENERIC
#define UK_NR KILN_UK_NR_GENERIC
#define UK_KERNEL uk_kernel_generic
#include "runtime/ukernels/kiln_uk_impl.inc"
#undef UK_SUFFIX
#undef UK_TARGET
#undef UK_MR
#undef UK_NR
#undef UK_KERNEL

/*===--- AVX2 + FMA: 6 x 16 --------------------------------------------===*/

#define UK_TARGET_AVX2 __attribute__((target("avx2,fma")))

#define UK_ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define UK_ROWS12(X) UK_ROWS6(X) X(6) X(7) X(8) X(9) X(10) X(11)

/* The register tile is written out row by row (macros) so that both clang
 * and gcc keep it in registers. max/min return their second operand when
 * one is NaN, so clamping propagates NaN like the loop path. */
#define UK_DECL256(i) __m256 c##i##a, c##i##b;
#define UK_INIT256(i)                                                          \
  if (init == 1) {                                                             \
    c##i##a = _mm256_loadu_ps(c + i * ldc);                                    \
    c##i##b = _mm256_loadu_ps(c + i * ldc + 8);                                \
  } else if (init == 3) {                                                      \
    c##i##a = _mm256_loadu_ps(bias);                                           \
    c##i##b = _mm256_loadu_ps(bias + 8);                                       \
  } else {                                                                     \
    c##i##a = init == 2 ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();       \
    c##i##b = c##i##a;                                                         \
  }
#define UK_RES256(i)                                                           \
  c##i##a = _mm256_add_ps(c##i##a, _mm256_loadu_ps(res + i * ldr));            \
  c##i##b = _mm256_add_ps(c##i##b, _mm256_loadu_ps(res + i * ldr + 8));
#define UK_FMA256(i)                                                           \
  {                                                                            \
    __m256 av = _mm256_broadcast_ss(ap + i);                                   \
    c##i##a = _mm256_fmadd_ps(av, b0, c##i##a);                                \
    c##i##b = _mm256_fmadd_ps(av, b1, c##i##b);                                \
  }
#define UK_CLAMP256(i)                                                         \
  c##i##a = _mm256_min_ps(h, _mm256_max_ps(l, c##i##a));                       \
  c##i##b = _mm256_min_ps(h, _mm256_max_ps(l, c##i##b));
#define UK_STORE256(i)                                                         \
  _mm256_storeu_ps(c + i * ldc, c##i##a);                                      \
  _mm256_storeu_ps(c + i * ldc + 8, c##i##b);

#define UK_ROWPTR(i) const float *a##i = ap + i * lda;
#define UK_FMA256U(i)                                                          \
  {                                                                            \
    __m256 av = _mm256_broadcast_ss(a##i + k);                                 \
    c##i##a = _mm256_fmadd_ps(av, b0, c##i##a);                                \
    c##i##b = _mm256_fmadd_ps(av, b1, c##i##b);                                \
  }

static UK_TARGET_AVX2 void uk_kernel_avx2(int64_t kc, const float *ap,
                                          int64_t lda, const float *bp,
                                          float *c,
                                          int64_t ldc, int init,
                                          const float *bias, const float *res,
                                          int64_t ldr, int clamp, float lo,
                                          float hi) {
  UK_ROWS6(UK_DECL256)
  UK_ROWS6(UK_INIT256)
  if (lda) {
    UK_ROWS6(UK_ROWPTR)
    for (int64_t k = 0; k < kc; ++k, bp += 16) {
      __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
      UK_ROWS6(UK_FMA256U)
    }
  } else {
    for (int64_t k = 0; k < kc; ++k, ap += 6, bp += 16) {
      __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
      UK_ROWS6(UK_FMA256)
    }
  }
  if (res) {
    UK_ROWS6(UK_RES256)
  }
  if (clamp) {
    __m256 l = _mm256_set1_ps(lo), h = _mm256_set1_ps(hi);
    UK_ROWS6(UK_CLAMP256)
  }
  UK_ROWS6(UK_STORE256)
}

#define UK_SUFFIX avx2
#define UK_TARGET UK_TARGET_AVX2
#define UK_MR KILN_UK_MR_AVX2
#define UK_NR KILN_UK_NR_AVX2
#define UK_KERNEL uk_kernel_avx2
#include "runtime/ukernels/kiln_uk_impl.inc"
#undef UK_SUFFIX
#undef UK_TARGET
#undef UK_MR
#undef UK_NR
#undef UK_KERNEL

/*===--- AVX-512: 12 x 32 ----------------------------------------------===*/

#define UK_TARGET_AVX512                                                       \
  __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

/* One kernel body for every tile of up to 12 x 32: R rows (1..12) and NV
 * 16-lane column vectors (1, 2), the last one loaded and stored under
 * `mask` (edge columns) when MASKED, so that edge tiles neither go through a buffer nor compute
 * padding rows. R and NV are constants after inlining into the dispatch
 * below; the loops over them unroll fully and the accumulators stay in
 * registers. A read in place (lda != 0) is addressed from three row
 * pointers (rows 0, 4, 8) plus 0, 1, 2, 3 times the row stride, which x86
 * addressing modes cover without a chain of additions per k. */
#define UK_UNROLL _Pragma("clang loop unroll(full)")

static inline __attribute__((always_inline)) UK_TARGET_AVX512 void
uk_tile_avx512(const int R, const int NV, const int MASKED, int64_t kc,
               const float *ap, int64_t lda, const float *bp, float *c,
               int64_t ldc, int init, const float *bias, const float *res,
               int64_t ldr, int clamp, float lo, float hi, __mmask16 mask,
               const char *pf) {
  __m512 acc[12][2];
  UK_UNROLL
  for (int i = 0; i < R; ++i)
    UK_UNROLL
    for (int v = 0; v < NV; ++v) {
      __mmask16 m = v == NV - 1 ? mask : (__mmask16)0xFFFF;
      acc[i][v] = init == 1 ? (MASKED ? _mm512_maskz_loadu_ps(
                                            m, c + i * ldc + 16 * v)
                                      : _mm512_loadu_ps(c + i * ldc + 16 * v))
                  : init == 2 ? _mm512_set1_ps(bias[i])
                  : init == 3 ? (MASKED ? _mm512_maskz_loadu_ps(m, bias + 16 * v)
                                        : _mm512_loadu_ps(bias + 16 * v))
                              : _mm512_setzero_ps();
    }
  if (lda) {
    const char *p0 = (const char *)ap;
    const char *p4 = (const char *)(ap + 4 * lda);
    const char *p8 = (const char *)(ap + (R > 8 ? 8 : 0) * lda);
    int64_t l1 = lda * 4, l2 = 2 * l1, l3 = 3 * l1;
    for (int64_t k = 0; k < kc; ++k, bp += 32, p0 += 4, p4 += 4, p8 += 4,
                 pf += 128) {
      if (pf) {
        _mm_prefetch(pf, _MM_HINT_T0);
        _mm_prefetch(pf + 64, _MM_HINT_T0);
      }
      __m512 b[2];
      UK_UNROLL
      for (int v = 0; v < NV; ++v)
        b[v] = _mm512_load_ps(bp + 16 * v);
      UK_UNROLL
      for (int i = 0; i < R; ++i) {
        const char *base = i < 4 ? p0 : i < 8 ? p4 : p8;
        int64_t o = i % 4 == 0 ? 0 : i % 4 == 1 ? l1 : i % 4 == 2 ? l2 : l3;
        __m512 av = _mm512_set1_ps(*(const float *)(base + o));
        UK_UNROLL
        for (int v = 0; v < NV; ++v)
          acc[i][v] = _mm512_fmadd_ps(av, b[v], acc[i][v]);
      }
    }
  } else {
    for (int64_t k = 0; k < kc; ++k, ap += 12, bp += 32, pf += 48) {
      if (pf)
        _mm_prefetch(pf, _MM_HINT_T0);
      __m512 b[2];
      UK_UNROLL
      for (int v = 0; v < NV; ++v)
        b[v] = _mm512_load_ps(bp + 16 * v);
      UK_UNROLL
      for (int i = 0; i < R; ++i) {
        __m512 av = _mm512_set1_ps(ap[i]);
        UK_UNROLL
        for (int v = 0; v < NV; ++v)
          acc[i][v] = _mm512_fmadd_ps(av, b[v], acc[i][v]);
      }
    }
  }
  __m512 l = _mm512_set1_ps(lo), h = _mm512_set1_ps(hi);
  UK_UNROLL
  for (int i = 0; i < R; ++i)
    UK_UNROLL
    for (int v = 0; v < NV; ++v) {
      __mmask16 m = v == NV - 1 ? mask : (__mmask16)0xFFFF;
      __m512 x = acc[i][v];
      if (res)
        x = _mm512_add_ps(
            x, MASKED ? _mm512_maskz_loadu_ps(m, res + i * ldr + 16 * v)
                      : _mm512_loadu_ps(res + i * ldr + 16 * v));
      if (clamp)
        x = _mm512_min_ps(h, _mm512_max_ps(l, x));
      if (MASKED)
        _mm512_mask_storeu_ps(c + i * ldc + 16 * v, m, x);
      else
        _mm512_storeu_ps(c + i * ldc + 16 * v, x);
    }
}

/* uk_copy_run with 16-lane loads and stores, stride 2 through a
 * two-register permute. A run's last partial vector is loaded under a mask
 * (no reads past the run) but stored whole: the lanes past the run land on
 * columns that later runs of the same k, the zero padding of the panel or
 * the next k's row overwrite, or on the slack after the last panel
 * (UK_PACK_SLACK). Masked stores were much slower here (AMD Zen 5,
 * bench/uk_bench.c). */
static inline __attribute__((always_inline)) UK_TARGET_AVX512 void
uk_copy_run_avx512(float *d, const float *s, int64_t n, int64_t step) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                         20, 22, 24, 26, 28, 30);
  if (step == 1) {
    for (; n >= 16; n -= 16, d += 16, s += 16)
      _mm512_storeu_ps(d, _mm512_loadu_ps(s));
  } else {
    /* s[0 .. 30]: the second load leaves out s[31] (past the run) */
    for (; n >= 16; n -= 16, d += 16, s += 32)
      _mm512_storeu_ps(d, _mm512_permutex2var_ps(
                              _mm512_loadu_ps(s), even,
                              _mm512_maskz_loadu_ps((__mmask16)0x7FFF,
                                                    s + 16)));
  }
  if (n > 0) {
    if (step == 1) {
      _mm512_storeu_ps(d,
                       _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), s));
    } else {
      int64_t need = 2 * n - 1; /* s[0 .. 2n-2] */
      __mmask16 m0 = (__mmask16)(need >= 16 ? 0xFFFFu : (1u << need) - 1);
      __mmask16 m1 = (__mmask16)(need > 16 ? (1u << (need - 16)) - 1 : 0u);
      _mm512_storeu_ps(d, _mm512_permutex2var_ps(
                              _mm512_maskz_loadu_ps(m0, s), even,
                              _mm512_maskz_loadu_ps(m1, s + 16)));
    }
  }
}

/* R rows x ND columns of UK_DOT_KERNEL (kiln_uk_impl.inc): each result is
 * a 16-lane dot product along k (A's row in place, B's column packed
 * k-contiguous), summed across lanes, then started from C or the bias and
 * given the epilogue. */
static inline __attribute__((always_inline)) UK_TARGET_AVX512 void
uk_dot_rows_avx512(const int R, const int ND, int64_t kc, const float *a,
                   int64_t lda, const float *bt, float *c, int64_t ldc,
                   int init, const float *bias, const float *res, int64_t ldr,
                   int clamp, float lo, float hi) {
  __m512 acc[8][4];
  UK_UNROLL
  for (int i = 0; i < R; ++i)
    UK_UNROLL
    for (int j = 0; j < ND; ++j)
      acc[i][j] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= kc; k += 16) {
    __m512 bv[4];
    UK_UNROLL
    for (int j = 0; j < ND; ++j)
      bv[j] = _mm512_loadu_ps(bt + j * kc + k);
    UK_UNROLL
    for (int i = 0; i < R; ++i) {
      __m512 av = _mm512_loadu_ps(a + i * lda + k);
      UK_UNROLL
      for (int j = 0; j < ND; ++j)
        acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
  }
  if (k < kc) {
    __mmask16 m = (__mmask16)((1u << (kc - k)) - 1);
    __m512 bv[4];
    UK_UNROLL
    for (int j = 0; j < ND; ++j)
      bv[j] = _mm512_maskz_loadu_ps(m, bt + j * kc + k);
    UK_UNROLL
    for (int i = 0; i < R; ++i) {
      __m512 av = _mm512_maskz_loadu_ps(m, a + i * lda + k);
      UK_UNROLL
      for (int j = 0; j < ND; ++j)
        acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
  }
  UK_UNROLL
  for (int i = 0; i < R; ++i)
    UK_UNROLL
    for (int j = 0; j < ND; ++j) {
      float v = init == 1   ? c[i * ldc + j]
                : init == 2 ? bias[i]
                : init == 3 ? bias[j]
                            : 0.0f;
      v += _mm512_reduce_add_ps(acc[i][j]);
      if (res)
        v += res[i * ldr + j];
      if (clamp) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
      }
      c[i * ldc + j] = v;
    }
}

static UK_TARGET_AVX512 void
uk_dot_avx512(int64_t kc, const float *a, int64_t lda, int64_t rows,
              const float *bt, int64_t nd, float *c, int64_t ldc, int init,
              const float *bias, const float *res, int64_t ldr, int clamp,
              float lo, float hi) {
#define UK_DOT_ROWS(R, ND)                                                     \
  uk_dot_rows_avx512(R, ND, kc, a + i * lda, lda, bt, c + i * ldc, ldc, init, \
                     init == 3 ? bias : bias ? bias + i : NULL,                 \
                     res ? res + i * ldr : NULL, ldr,                          \
                     clamp, lo, hi)
  int64_t i = 0;
  switch (nd) {
  case 1:
    for (; i + 8 <= rows; i += 8)
      UK_DOT_ROWS(8, 1);
    for (; i < rows; ++i)
      UK_DOT_ROWS(1, 1);
    return;
  case 2:
    for (; i + 8 <= rows; i += 8)
      UK_DOT_ROWS(8, 2);
    for (; i < rows; ++i)
      UK_DOT_ROWS(1, 2);
    return;
  case 3:
    for (; i + 4 <= rows; i += 4)
      UK_DOT_ROWS(4, 3);
    for (; i < rows; ++i)
      UK_DOT_ROWS(1, 3);
    return;
  case 4:
    for (; i + 4 <= rows; i += 4)
      UK_DOT_ROWS(4, 4);
    for (; i < rows; ++i)
      UK_DOT_ROWS(1, 4);
    return;
  default:
    return;
  }
#undef UK_DOT_ROWS
}

/* The kernel of kiln_uk_impl.inc (UK_EDGE_KERNEL: any mr <= 12, nr <= 32;
 * a packed A panel is 12 rows wide, a packed B panel 32 columns). */
static UK_TARGET_AVX512 void
uk_kernel_avx512(int64_t kc, const float *ap, int64_t lda, const float *bp,
                 float *c, int64_t ldc, int init, const float *bias,
                 const float *res, int64_t ldr, int clamp, float lo, float hi,
                 int64_t mr, int64_t nr, const void *prefetch) {
  /* Prefetched along k when non-NULL: a packed A panel's 48 bytes per k,
   * or a B panel's 128 with A in place. */
  const char *pf = (const char *)prefetch;
  int nv = nr > 16 ? 2 : 1;
  __mmask16 mask = (__mmask16)((1u << (nr - 16 * (nv - 1))) - 1);
  /* Masks only where the columns do not fill whole vectors (masked
   * stores cost more than plain ones here). */
#define UK_TILE512(r)                                                          \
  case r:                                                                      \
    if (nr == 32)                                                              \
      uk_tile_avx512(r, 2, 0, kc, ap, lda, bp, c, ldc, init, bias, res, ldr,   \
                     clamp, lo, hi, mask, pf);                                     \
    else if (nr == 16)                                                         \
      uk_tile_avx512(r, 1, 0, kc, ap, lda, bp, c, ldc, init, bias, res, ldr,   \
                     clamp, lo, hi, mask, pf);                                     \
    else if (nv == 2)                                                          \
      uk_tile_avx512(r, 2, 1, kc, ap, lda, bp, c, ldc, init, bias, res, ldr,   \
                     clamp, lo, hi, mask, pf);                                     \
    else                                                                       \
      uk_tile_avx512(r, 1, 1, kc, ap, lda, bp, c, ldc, init, bias, res, ldr,   \
                     clamp, lo, hi, mask, pf);                                     \
    return;
  switch (mr) {
    UK_TILE512(1) UK_TILE512(2) UK_TILE512(3) UK_TILE512(4)
    UK_TILE512(5) UK_TILE512(6) UK_TILE512(7) UK_TILE512(8)
    UK_TILE512(9) UK_TILE512(10) UK_TILE512(11) UK_TILE512(12)
  default:
    return;
  }
#undef UK_TILE512
}

#define UK_SUFFIX avx512
#define UK_TARGET UK_TARGET_AVX512
#define UK_MR KILN_UK_MR_AVX512
#define UK_NR KILN_UK_NR_AVX512
#define UK_KERNEL uk_kernel_avx512
#define UK_EDGE_KERNEL 1
#define UK_COPY_RUN uk_copy_run_avx512
#define UK_PACK_SLACK 16
#define UK_DOT_COLS 4
#define UK_DOT_KERNEL uk_dot_avx512
#include "runtime/ukernels/kiln_uk_impl.inc"
#undef UK_EDGE_KERNEL
#undef UK_DOT_KERNEL
#undef UK_SUFFIX
#undef UK_TARGET
#undef UK_MR
#undef UK_NR
#undef UK_KERNEL
