/*===- stress_test.c - Many threads, many sessions, bitwise-equal results -===*
 *
 * examples/tiny/tiny.onnx compiled by kiln (--emit lib). A single-threaded
 * pass computes a reference output for each of THREADS distinct inputs;
 * then THREADS threads each create their own session (with 1..4 intra-op
 * threads) and run RUNS times, checking every output bitwise against the
 * reference: no cross-talk between sessions, results independent of the
 * thread count. Usage: stress_test TEST_DATA_DIR [THREADS RUNS]
 *===----------------------------------------------------------------------===*/

#include "tiny.h"
#include "pb_tensor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64
#define BATCH 5

static int64_t g_per;              /* floats per batch row */
static int64_t g_shape[4] = {BATCH, 3, 8, 8};
static float *g_inputs[MAX_THREADS];
static float g_ref[MAX_THREADS][BATCH * 2];
static int g_runs;

typedef struct {
  int id;
  int failures;
} worker;

static void *work(void *arg) {
  worker *w = (worker *)arg;
  tiny_session *s = NULL;
  kiln_options opt = {1 + w->id % 4, NULL, 0};
  if (tiny_create(&s, &opt) != KILN_OK) {
    w->failures++;
    return NULL;
  }
  kiln_tensor in = {g_inputs[w->id], g_shape, 4, 1};
  for (int r = 0; r < g_runs; ++r) {
    kiln_tensor out = {NULL, NULL, 0, 0};
    if (tiny_run(s, &in, 1, &out, 1) != KILN_OK || out.shape[0] != BATCH ||
        memcmp(out.data, g_ref[w->id], sizeof(g_ref[0])) != 0) {
      if (w->failures++ == 0)
        fprintf(stderr, "thread %d run %d: output differs (%s)\n", w->id, r,
                tiny_error(s));
    }
  }
  tiny_destroy(s);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 4) {
    fprintf(stderr, "usage: stress_test TEST_DATA_DIR [THREADS RUNS]\n");
    return 2;
  }
  int threads = argc == 4 ? atoi(argv[2]) : 16;
  g_runs = argc == 4 ? atoi(argv[3]) : 500;
  if (threads < 1 || threads > MAX_THREADS || g_runs < 1)
    return 2;
  char path[4096];
  pb_tensor x;
  snprintf(path, sizeof(path), "%s/input_0.pb", argv[1]);
  if (pb_read_tensor(path, &x) != 0)
    return 1;
  int64_t n = x.dims[0];
  g_per = x.count / n;

  /* Distinct inputs: the test rows, scaled per thread. Reference outputs
   * from one single-threaded session. */
  tiny_session *ref = NULL;
  kiln_options one = {1, NULL, 0};
  if (tiny_create(&ref, &one) != KILN_OK)
    return 1;
  for (int t = 0; t < threads; ++t) {
    g_inputs[t] = malloc((size_t)(BATCH * g_per) * sizeof(float));
    for (int64_t i = 0; i < BATCH * g_per; ++i)
      g_inputs[t][i] = x.data[i % x.count] * (1.0f + 0.125f * (float)t) +
                       0.01f * (float)(i / g_per);
    kiln_tensor in = {g_inputs[t], g_shape, 4, 1};
    kiln_tensor out = {NULL, NULL, 0, 0};
    if (tiny_run(ref, &in, 1, &out, 1) != KILN_OK) {
      fprintf(stderr, "reference run failed: %s\n", tiny_error(ref));
      return 1;
    }
    memcpy(g_ref[t], out.data, sizeof(g_ref[0]));
  }
  tiny_destroy(ref);

  pthread_t tids[MAX_THREADS];
  worker workers[MAX_THREADS];
  for (int t = 0; t < threads; ++t) {
    workers[t].id = t;
    workers[t].failures = 0;
    pthread_create(&tids[t], NULL, work, &workers[t]);
  }
  int failures = 0;
  for (int t = 0; t < threads; ++t) {
    pthread_join(tids[t], NULL);
    failures += workers[t].failures;
  }
  for (int t = 0; t < threads; ++t)
    free(g_inputs[t]);
  free(x.data);
  if (failures) {
    fprintf(stderr, "stress_test: %d of %d runs differ\n", failures,
            threads * g_runs);
    return 1;
  }
  printf("stress_test: %d threads x %d runs, all bitwise equal\n", threads,
         g_runs);
  return 0;
}
