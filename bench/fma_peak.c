/*===- fma_peak.c - Measured fp32 FMA peak of this machine ---------------===*
 *
 * Runs independent chains of fused multiply-adds on the widest vectors the
 * compiler targets (cc -O3 -march=native: AVX-512, else AVX2+FMA, else
 * scalar) on each of THREADS threads and prints the achieved fp32 GFLOP/s
 * (one FMA = 2 FLOPs), as JSON:
 *   {"isa": "avx512", "threads": 1, "gflops": 123.4}
 * Enough independent accumulators cover the FMA latency of two ports.
 *
 * Usage: fma_peak [THREADS [SECONDS]]
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define ISA "avx512"
#define LANES 16
typedef __m512 vec;
#define VSET(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VSUM(v) _mm512_reduce_add_ps(v)
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define ISA "avx2"
#define LANES 8
typedef __m256 vec;
#define VSET(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
static float vsum(__m256 v) {
  float f[8];
  _mm256_storeu_ps(f, v);
  return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#define VSUM(v) vsum(v)
#else
#include <math.h>
#define ISA "scalar"
#define LANES 1
typedef float vec;
#define VSET(x) (x)
#define VFMA(a, b, c) fmaf(a, b, c)
#define VSUM(v) (v)
#endif

#define CHAINS 12
#define INNER 1000

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
  double seconds;
  double flops;
  float sink;
} job;

static void *run(void *raw) {
  job *j = (job *)raw;
  vec acc[CHAINS];
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = VSET(0.001f * (float)(c + 1));
  const vec a = VSET(0.999999f), b = VSET(1e-7f);
  double start = now(), elapsed = 0;
  long long rounds = 0;
  do {
    for (int i = 0; i < INNER; ++i)
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = VFMA(acc[c], a, b);
    ++rounds;
    if ((rounds & 63) == 0)
      elapsed = now() - start;
  } while (elapsed < j->seconds);
  float s = 0;
  for (int c = 0; c < CHAINS; ++c)
    s += VSUM(acc[c]);
  j->sink = s;
  j->flops = (double)rounds * INNER * CHAINS * LANES * 2.0 / elapsed;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double seconds = argc > 2 ? atof(argv[2]) : 0.5;
  if (threads < 1 || threads > 1024 || !(seconds > 0)) {
    fprintf(stderr, "usage: fma_peak [THREADS [SECONDS]]\n");
    return 2;
  }
  pthread_t *tids = calloc((size_t)threads, sizeof(pthread_t));
  job *jobs = calloc((size_t)threads, sizeof(job));
  if (!tids || !jobs)
    return 1;
  for (int t = 0; t < threads; ++t) {
    jobs[t].seconds = seconds;
    if (pthread_create(&tids[t], NULL, run, &jobs[t]) != 0)
      return 1;
  }
  double total = 0, sink = 0;
  for (int t = 0; t < threads; ++t) {
    pthread_join(tids[t], NULL);
    total += jobs[t].flops;
    sink += jobs[t].sink;
  }
  printf("{\"isa\": \"%s\", \"threads\": %d, \"gflops\": %.1f, \"sink\": %g}\n",
         ISA, threads, total * 1e-9, sink);
  free(tids);
  free(jobs);
  return 0;
}
