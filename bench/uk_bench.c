/*===- uk_bench.c - Microkernel efficiency on ResNet-50 / BERT shapes ------===*
 *
 * Runs kiln_uk_sconv2d_<isa> (runtime/ukernels) on every distinct
 * convolution shape of a torchvision ResNet-50 at batch 1 (input already
 * padded, as the compiler passes it) and prints, per shape, the best of
 * REPS calls in ms and GFLOP/s (one thread: the thread's CPU time) and in
 * FLOP per core cycle (perf events, one thread) as a fraction of PEAK, the
 * FMA units' FLOP per cycle (default 64 for AVX-512: two 16-lane FMA
 * pipes), then the whole network's conv time (each shape weighted by how
 * often ResNet-50 has it); the same for BERT-base's linear layers through
 * kiln_uk_sgemm_<isa>.
 *
 * Build (links the runtime's C sources, like the unit tests do):
 *   /usr/lib/llvm-22/bin/clang -O2 -I. bench/uk_bench.c runtime/kiln_*.c \
 *     runtime/cuda/kiln_cuda.c runtime/ukernels/kiln_uk_gemm.c \
 *     -lpthread -ldl -lm -o /tmp/uk_bench
 * Usage: uk_bench [avx512|avx2|generic] [THREADS] [PEAK_FLOP_PER_CYCLE] [REPS]
 *                [SHAPE_SUBSTRING]
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE

#include "runtime/kiln_internal.h"
#include "runtime/ukernels/kiln_uk.h"

#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* This thread's user-mode core cycles (-1 where perf events are not
 * allowed): FLOP per cycle over the FMA units' FLOP per cycle is the
 * efficiency, whatever the clock and the other load on the machine. */
static int g_cycles_fd = -1;
static void cycles_open(void) {
  struct perf_event_attr pe;
  memset(&pe, 0, sizeof pe);
  pe.size = sizeof pe;
  pe.type = PERF_TYPE_HARDWARE;
  pe.config = PERF_COUNT_HW_CPU_CYCLES;
  pe.exclude_kernel = 1;
  pe.exclude_hv = 1;
  g_cycles_fd = (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
}
static double cycles(void) {
  long long v = 0;
  if (g_cycles_fd < 0 || read(g_cycles_fd, &v, sizeof v) != sizeof v)
    return -1;
  return (double)v;
}

typedef void (*conv_fn)(KILN_UK_SCONV2D_PARAMS);
typedef void (*gemm_fn_t)(KILN_UK_SGEMM_PARAMS);

typedef struct {
  const char *name;
  int count;        /* occurrences in ResNet-50 */
  int C, HW, F, KH; /* input channels, input size (unpadded), filters, kernel */
  int stride;
} shape;

static const shape kShapes[] = {
    {"conv1 7x7/2", 1, 3, 224, 64, 7, 2},
    {"s1 1x1 64->64", 1, 64, 56, 64, 1, 1},
    {"s1 3x3 64", 3, 64, 56, 64, 3, 1},
    {"s1 1x1 64->256", 4, 64, 56, 256, 1, 1},
    {"s1 1x1 256->64", 2, 256, 56, 64, 1, 1},
    {"s2 1x1 256->128", 1, 256, 56, 128, 1, 1},
    {"s2 3x3/2 128", 1, 128, 56, 128, 3, 2},
    {"s2 1x1 128->512", 4, 128, 28, 512, 1, 1},
    {"s2 ds 1x1/2 256->512", 1, 256, 56, 512, 1, 2},
    {"s2 1x1 512->128", 3, 512, 28, 128, 1, 1},
    {"s2 3x3 128", 3, 128, 28, 128, 3, 1},
    {"s3 1x1 512->256", 1, 512, 28, 256, 1, 1},
    {"s3 3x3/2 256", 1, 256, 28, 256, 3, 2},
    {"s3 1x1 256->1024", 6, 256, 14, 1024, 1, 1},
    {"s3 ds 1x1/2 512->1024", 1, 512, 28, 1024, 1, 2},
    {"s3 1x1 1024->256", 5, 1024, 14, 256, 1, 1},
    {"s3 3x3 256", 5, 256, 14, 256, 3, 1},
    {"s4 1x1 1024->512", 1, 1024, 14, 512, 1, 1},
    {"s4 3x3/2 512", 1, 512, 14, 512, 3, 2},
    {"s4 1x1 512->2048", 3, 512, 7, 2048, 1, 1},
    {"s4 ds 1x1/2 1024->2048", 1, 1024, 14, 2048, 1, 2},
    {"s4 1x1 2048->512", 2, 2048, 7, 512, 1, 1},
    {"s4 3x3 512", 2, 512, 7, 512, 3, 1},
    /* BERT-base, sequence 128 (KH 0: a GEMM of M = F rows, N = HW columns,
     * K = C; A row-major in place, B row-major K x N, as MatMul(x, W)). */
    {"bert qkv/out 768x768", 48, 768, 768, 128, 0, 1},
    {"bert ffn1 768x3072", 12, 768, 3072, 128, 0, 1},
    {"bert ffn2 3072x768", 12, 3072, 768, 128, 0, 1},
};

/* One thread: the thread's CPU time, so that time the (shared) machine
 * gives to other processes does not count; more threads: wall time. */
static int g_cpu_clock;
static double now(void) {
  struct timespec ts;
  clock_gettime(g_cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  const char *isa = argc > 1 ? argv[1] : "avx512";
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  /* FLOP per cycle per core of the FMA units: 2 pipes x lanes x 2. */
  double peak = argc > 3 ? atof(argv[3])
                : strcmp(isa, "avx512") == 0 ? 64
                : strcmp(isa, "avx2") == 0   ? 32
                                             : 4;
  int reps = argc > 4 ? atoi(argv[4]) : 20;
  const char *only = argc > 5 ? argv[5] : NULL;
  conv_fn fn = strcmp(isa, "generic") == 0 ? kiln_uk_sconv2d_generic
               : strcmp(isa, "avx2") == 0  ? kiln_uk_sconv2d_avx2
                                           : kiln_uk_sconv2d_avx512;
  gemm_fn_t gemm_fn = strcmp(isa, "generic") == 0 ? kiln_uk_sgemm_generic
                      : strcmp(isa, "avx2") == 0  ? kiln_uk_sgemm_avx2
                                                  : kiln_uk_sgemm_avx512;
  g_cpu_clock = threads <= 1;
  if (threads <= 1)
    cycles_open();
  kiln_rt_pool *pool = threads > 1 ? kiln_rt_pool_create(threads) : NULL;
  double total_s = 0, total_c = 0, total_flop = 0;
  double bert_s = 0, bert_c = 0, bert_flop = 0;
  printf("%-24s %5s %8s %8s %8s %6s\n", "shape", "count", "ms", "GFLOP/s",
         "FLOP/cyc", "peak%");
  for (size_t i = 0; i < sizeof kShapes / sizeof kShapes[0]; ++i) {
    const shape *s = &kShapes[i];
    if (only && !strstr(s->name, only))
      continue;
    int gemm = s->KH == 0;
    int pad = s->KH / 2;
    int H = s->HW + 2 * pad, W = gemm ? 1 : H;
    int OH = gemm ? s->HW : (H - s->KH) / s->stride + 1, OW = gemm ? 1 : OH;
    int KK = gemm ? 1 : s->KH * s->KH;
    size_t nx = (size_t)s->C * H * W, nw = (size_t)s->F * s->C * KK,
           ny = (size_t)s->F * OH * OW;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4),
          *bias = malloc(s->F * 4), *res = malloc(ny * 4);
    for (size_t j = 0; j < nx; ++j)
      x[j] = (float)((j * 7919) % 1000) * 1e-3f - 0.5f;
    for (size_t j = 0; j < nw; ++j)
      w[j] = (float)((j * 104729) % 1000) * 1e-3f - 0.5f;
    for (int j = 0; j < s->F; ++j)
      bias[j] = 0.01f * j;
    memset(res, 0, ny * 4);
    double flop = 2.0 * s->F * OH * OW * (double)s->C * KK;
    double best = 1e30, best_c = 1e30;
    for (int r = 0; r < reps + 2; ++r) {
      double t0 = now(), c0 = cycles();
      if (gemm) /* y[F x HW] = w[F x C] * x[C x HW] */
        gemm_fn(pool, 1, s->F, s->HW, s->C, w, 0, s->C, 1, x, 0, s->HW, 1, y,
                0, s->HW, 0, 0.0f, 0.0f, NULL);
      else
        fn(pool, 1, 1, s->C, H, W, s->F, s->KH, s->KH, OH, OW, s->stride,
           s->stride, 1, 1, x, w, y, bias, s->KH == 1 ? res : NULL,
           KILN_UK_CLAMP, 0.0f, 3.4e38f);
      double t = now() - t0, c = cycles() - c0;
      if (r >= 2 && t < best)
        best = t;
      if (r >= 2 && c0 >= 0 && c < best_c)
        best_c = c;
    }
    double fpc = g_cycles_fd >= 0 ? flop / best_c : 0;
    printf("%-24s %5d %8.3f %8.1f %8.1f %5.0f%%\n", s->name, s->count,
           best * 1e3, flop / best * 1e-9, fpc, 100.0 * fpc / peak);
    if (gemm) {
      bert_s += best * s->count;
      bert_c += best_c * s->count;
      bert_flop += flop * s->count;
    } else {
      total_s += best * s->count;
      total_c += best_c * s->count;
      total_flop += flop * s->count;
    }
    free(x), free(w), free(y), free(bias), free(res);
  }
  double fpc = g_cycles_fd >= 0 ? total_flop / total_c : 0;
  printf("%-24s %5s %8.3f %8.1f %8.1f %5.0f%%\n", "ResNet-50 convs", "",
         total_s * 1e3, total_flop / total_s * 1e-9, fpc, 100.0 * fpc / peak);
  fpc = g_cycles_fd >= 0 ? bert_flop / bert_c : 0;
  if (bert_flop > 0)
    printf("%-24s %5s %8.3f %8.1f %8.1f %5.0f%%\n", "BERT linear layers", "",
           bert_s * 1e3, bert_flop / bert_s * 1e-9, fpc, 100.0 * fpc / peak);
  if (pool)
    kiln_rt_pool_destroy(pool);
  return 0;
}
