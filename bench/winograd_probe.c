/*===- winograd_probe.c - Would Winograd pay for ResNet-50's 3x3 convs? ----===*
 *
 * A measurement, not a kernel kiln uses: for every stride-1 3x3 conv shape
 * of ResNet-50 (batch 1, input padded by 1), times
 *   direct: kiln_uk_sconv2d_avx512 (runtime/ukernels, implicit im2col);
 *   F(m x m, 3x3) Winograd, m = 2 and 4: input transform (plain C loops,
 *     clang -O2 -march=native vectorizes them), alpha^2 = (m+2)^2
 *     independent GEMMs U[p] (F x C) * V[p] (C x tiles) through
 *     kiln_uk_sgemm_avx512, output transform with bias and Relu;
 *     the weight transform U = G g G^T is left out of the time (it would
 *     happen at compile time);
 * and prints each one's time (best of REPS, the thread's CPU time), the
 * speedup over direct, and the max error of each against a double
 * precision direct convolution, relative to the output's largest value
 * (the models.* tests allow rtol 1e-3 / atol 1e-4 against ORT).
 *
 * Build:
 *   /usr/lib/llvm-22/bin/clang -O2 -march=native -I. bench/winograd_probe.c \
 *     runtime/kiln_*.c \
 *     runtime/cuda/kiln_cuda.c runtime/ukernels/kiln_uk_gemm.c \
 *     -lpthread -ldl -lm -o /tmp/winograd_probe
 * Usage: winograd_probe [REPS]
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "runtime/kiln_internal.h"
#include "runtime/ukernels/kiln_uk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Lavin & Gray's matrices. */
static const float BT2[4][4] = {
    {1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
static const float G2[4][3] = {
    {1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
static const float AT2[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
static const float BT4[6][6] = {
    {4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
static const float G4[6][3] = {{1.0f / 4, 0, 0},
                               {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                               {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                               {1.0f / 24, 1.0f / 12, 1.0f / 6},
                               {1.0f / 24, -1.0f / 12, 1.0f / 6},
                               {0, 0, 1}};
static const float AT4[4][6] = {{1, 1, 1, 1, 1, 0},
                                {0, 1, -1, 2, -2, 0},
                                {0, 1, 1, 4, 4, 0},
                                {0, 1, -1, 8, -8, 1}};

/* One instance per tile size, all loops over constant bounds. */
#define WINOGRAD(M_, A_, BT, G, AT)                                            \
  /* U[p][f][c] = (G g G^T)[p] */                                              \
  static void weights##M_(const float *w, int64_t F, int64_t C, float *U) {   \
    for (int64_t f = 0; f < F; ++f)                                            \
      for (int64_t c = 0; c < C; ++c) {                                        \
        const float *g = w + (f * C + c) * 9;                                  \
        float t[A_][3];                                                        \
        for (int i = 0; i < A_; ++i)                                           \
          for (int j = 0; j < 3; ++j)                                          \
            t[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j]; \
        for (int i = 0; i < A_; ++i)                                           \
          for (int j = 0; j < A_; ++j)                                         \
            U[((i * A_ + j) * F + f) * C + c] =                                \
                t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];     \
      }                                                                        \
  }                                                                            \
  /* x: [C][H][W] padded; V[p][c][t], t = ty * TW + tx. Loops over tile  \
   * columns innermost (vectorized); rows copied into a zero-padded        \
   * buffer first, so no bounds checks inside. */                          \
  static void input##M_(const float *x, int64_t C, int64_t H, int64_t W,      \
                        int64_t TH, int64_t TW, float *V) {                    \
    int64_t T = TH * TW;                                                       \
    float d[A_][256 + 8], r[A_][A_][64];                                       \
    for (int64_t c = 0; c < C; ++c)                                            \
      for (int64_t ty = 0; ty < TH; ++ty) {                                    \
        for (int i = 0; i < A_; ++i) {                                         \
          int64_t y = ty * M_ + i;                                             \
          for (int64_t xx = 0; xx < TW * M_ + 2; ++xx)                         \
            d[i][xx] = y < H && xx < W ? x[(c * H + y) * W + xx] : 0.0f;       \
        }                                                                      \
        for (int i = 0; i < A_; ++i)                                           \
          for (int j = 0; j < A_; ++j)                                         \
            for (int64_t tx = 0; tx < TW; ++tx) {                              \
              float s = 0;                                                     \
              for (int l = 0; l < A_; ++l)                                     \
                s += BT[j][l] * d[i][tx * M_ + l];                             \
              r[i][j][tx] = s;                                                 \
            }                                                                  \
        for (int i = 0; i < A_; ++i)                                           \
          for (int j = 0; j < A_; ++j) {                                       \
            float *v = V + ((i * A_ + j) * C + c) * T + ty * TW;               \
            for (int64_t tx = 0; tx < TW; ++tx) {                              \
              float s = 0;                                                     \
              for (int l = 0; l < A_; ++l)                                     \
                s += BT[i][l] * r[l][j][tx];                                   \
              v[tx] = s;                                                       \
            }                                                                  \
          }                                                                    \
      }                                                                        \
  }                                                                            \
  /* Mp[p][f][t] -> y[f][OH][OW] + bias, Relu; tile columns innermost. */     \
  static void output##M_(const float *Mp, int64_t F, int64_t TH, int64_t TW,  \
                         int64_t OH, int64_t OW, const float *bias,            \
                         float *y) {                                           \
    int64_t T = TH * TW;                                                       \
    float s[M_][A_][64], o[M_][256 + 8];                                       \
    for (int64_t f = 0; f < F; ++f)                                            \
      for (int64_t ty = 0; ty < TH; ++ty) {                                    \
        const float *mp = Mp + f * T + ty * TW;                                \
        for (int i = 0; i < M_; ++i)                                           \
          for (int j = 0; j < A_; ++j)                                         \
            for (int64_t tx = 0; tx < TW; ++tx) {                              \
              float a = 0;                                                     \
              for (int l = 0; l < A_; ++l)                                     \
                a += AT[i][l] * mp[(l * A_ + j) * F * T + tx];                 \
              s[i][j][tx] = a;                                                 \
            }                                                                  \
        for (int i = 0; i < M_; ++i)                                           \
          for (int j = 0; j < M_; ++j)                                         \
            for (int64_t tx = 0; tx < TW; ++tx) {                              \
              float a = bias[f];                                               \
              for (int l = 0; l < A_; ++l)                                     \
                a += s[i][l][tx] * AT[j][l];                                   \
              o[i][tx * M_ + j] = a > 0 ? a : 0;                               \
            }                                                                  \
        for (int i = 0; i < M_ && ty * M_ + i < OH; ++i)                       \
          memcpy(y + (f * OH + ty * M_ + i) * OW, o[i], OW * 4);               \
      }                                                                        \
  }

WINOGRAD(2, 4, BT2, G2, AT2)
WINOGRAD(4, 6, BT4, G4, AT4)

typedef struct {
  const char *name;
  int count, C, HW, F;
} shape;

static const shape kShapes[] = {
    {"s1 3x3 64 @56", 3, 64, 56, 64},
    {"s2 3x3 128 @28", 3, 128, 28, 128},
    {"s3 3x3 256 @14", 5, 256, 14, 256},
    {"s4 3x3 512 @7", 2, 512, 7, 512},
};

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 10;
  printf("%-16s %5s %9s %9s %9s %7s %7s %9s %9s %9s\n", "shape", "count",
         "direct", "F2 ms", "F4 ms", "F2 x", "F4 x", "err dir", "err F2",
         "err F4");
  double tot[3] = {0, 0, 0};
  for (size_t si = 0; si < sizeof kShapes / sizeof kShapes[0]; ++si) {
    const shape *s = &kShapes[si];
    int64_t C = s->C, F = s->F, OH = s->HW, OW = s->HW, H = OH + 2, W = OW + 2;
    float *x = calloc(C * H * W, 4), *w = malloc(F * C * 9 * 4),
          *bias = malloc(F * 4);
    srand(1);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 1; i <= OH; ++i)
        for (int64_t j = 1; j <= OW; ++j)
          x[(c * H + i) * W + j] = (float)(rand() % 65536) / 32768.0f - 1;
    for (int64_t i = 0; i < F * C * 9; ++i)
      w[i] = ((float)(rand() % 65536) / 32768.0f - 1) / sqrtf((float)C * 9);
    for (int64_t f = 0; f < F; ++f)
      bias[f] = 0.01f * (f % 7);
    /* reference (double) */
    double *ref = malloc(F * OH * OW * sizeof(double)), refmax = 0;
    for (int64_t f = 0; f < F; ++f)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double a = bias[f];
          for (int64_t c = 0; c < C; ++c)
            for (int ky = 0; ky < 3; ++ky)
              for (int kx = 0; kx < 3; ++kx)
                a += (double)w[((f * C + c) * 3 + ky) * 3 + kx] *
                     x[(c * H + oy + ky) * W + ox + kx];
          a = a > 0 ? a : 0;
          ref[(f * OH + oy) * OW + ox] = a;
          refmax = fabs(a) > refmax ? fabs(a) : refmax;
        }
    float *y = malloc(F * OH * OW * 4);
    double t[3], err[3], phase[3][3] = {{0}};
    for (int v = 0; v < 3; ++v) {
      int m = v == 1 ? 2 : 4, A = m + 2;
      int64_t TH = (OH + m - 1) / m, TW = (OW + m - 1) / m, T = TH * TW;
      float *U = NULL, *V = NULL, *Mp = NULL;
      if (v > 0) {
        U = malloc(A * A * F * C * 4);
        V = malloc(A * A * C * T * 4);
        Mp = malloc(A * A * F * T * 4);
        if (m == 2)
          weights2(w, F, C, U);
        else
          weights4(w, F, C, U);
      }
      double best = 1e30;
      for (int r = 0; r < reps + 1; ++r) {
        double t0 = now();
        if (v == 0) {
          kiln_uk_sconv2d_avx512(NULL, 1, 1, C, H, W, F, 3, 3, OH, OW, 1, 1,
                                 1, 1, x, w, y, bias, NULL, KILN_UK_CLAMP,
                                 0.0f, 3.4e38f);
        } else {
          double p0 = now();
          if (m == 2)
            input2(x, C, H, W, TH, TW, V);
          else
            input4(x, C, H, W, TH, TW, V);
          double p1 = now();
          kiln_uk_sgemm_avx512(NULL, A * A, F, T, C, U, F * C, C, 1, V, C * T,
                               T, 1, Mp, F * T, T, 0, 0.0f, 0.0f, NULL);
          double p2 = now();
          if (m == 2)
            output2(Mp, F, TH, TW, OH, OW, bias, y);
          else
            output4(Mp, F, TH, TW, OH, OW, bias, y);
          double p3 = now();
          if (r > 0 && p3 - t0 < best) {
            phase[v][0] = p1 - p0, phase[v][1] = p2 - p1;
            phase[v][2] = p3 - p2;
          }
        }
        double dt = now() - t0;
        if (r > 0 && dt < best)
          best = dt;
      }
      double e = 0;
      for (int64_t i = 0; i < F * OH * OW; ++i)
        e = fmax(e, fabs(y[i] - ref[i]));
      t[v] = best;
      err[v] = e / refmax;
      tot[v] += best * s->count;
      free(U), free(V), free(Mp);
    }
    printf("%-16s %5d %9.3f %9.3f %9.3f %7.2f %7.2f %9.1e %9.1e %9.1e\n",
           s->name, s->count, t[0] * 1e3, t[1] * 1e3, t[2] * 1e3, t[0] / t[1],
           t[0] / t[2], err[0], err[1], err[2]);
    for (int v = 1; v < 3; ++v)
      printf("  F%d phases: input %.3f ms, GEMMs %.3f ms (%.0f GFLOP/s), "
             "output %.3f ms\n",
             v == 1 ? 2 : 4, phase[v][0] * 1e3, phase[v][1] * 1e3,
             2.0 * (v == 1 ? 16 : 36) * F * C *
                 ((OH + (v == 1 ? 1 : 3)) / (v == 1 ? 2 : 4)) *
                 ((OW + (v == 1 ? 1 : 3)) / (v == 1 ? 2 : 4)) /
                 phase[v][1] * 1e-9,
             phase[v][2] * 1e3);
    free(x), free(w), free(bias), free(ref), free(y);
  }
  printf("%-16s %5s %9.3f %9.3f %9.3f %7.2f %7.2f\n", "all (x count)", "",
         tot[0] * 1e3, tot[1] * 1e3, tot[2] * 1e3, tot[0] / tot[1],
         tot[0] / tot[2]);
  return 0;
}
