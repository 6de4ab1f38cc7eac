/*===- check_failed_test.c - A failed run-time check frees the run's heap --===*
 *
 * test/e2e/checks/check.onnx compiled by kiln: Exp of a dynamically sized
 * input (a heap buffer of the kernel), then Slice with a step taken from an
 * input, which the kernel checks at run time, then Neg of the same buffer.
 * Checks: a step of 1 gives exp(x) and -exp(x) (libm's expf is the
 * reference); a step of 0 fails the run with Slice's message, over and
 * over, without the heap growing (the kernel's buffer allocated before the
 * check is freed; under LSan, e2e.check_failed in build-san, nothing leaks
 * at exit either); the session works again afterwards.
 * Usage: check_failed_test
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "check.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_check.h"

enum { N = 1 << 16 };

static int run(check_session *s, float *x, int64_t step, kiln_tensor *out) {
  static int64_t n = N, one = 1;
  kiln_tensor in[2] = {{x, &n, 1, 1}, {&step, &one, 1, 7}};
  memset(out, 0, 2 * sizeof(kiln_tensor));
  return check_run(s, in, 2, out, 2);
}

/* y = exp(x) and w = -exp(x), to a few ulps of expf. */
static int outputs_right(const kiln_tensor *out, const float *x) {
  if (out[0].rank != 1 || out[0].shape[0] != N || out[1].shape[0] != N)
    return 0;
  const float *y = out[0].data, *w = out[1].data;
  for (int i = 0; i < N; ++i) {
    float want = expf(x[i]);
    float tol = 1e-5f * fabsf(want) + 1e-30f;
    if (fabsf(y[i] - want) > tol || fabsf(w[i] + want) > tol) {
      fprintf(stderr, "  element %d: y %g w %g, want %g\n", i, y[i], w[i],
              want);
      return 0;
    }
  }
  return 1;
}

int main(void) {
  float *x = malloc(N * sizeof(float));
  for (int i = 0; i < N; ++i)
    x[i] = (float)(i % 200) / 20.0f - 5.0f;
  check_session *s = NULL;
  CHECK(check_create(&s, NULL) == 0);
  if (!s)
    return 1;
  kiln_tensor out[2];
  CHECK(run(s, x, 1, out) == 0);
  CHECK(outputs_right(out, x));

  /* Each failed run would leak the kernel's 256 KiB copy of exp(x). */
  size_t before = mallinfo2().uordblks;
  for (int k = 0; k < 64; ++k) {
    int rc = run(s, x, 0, out);
    CHECK(rc != 0);
    if (k == 0) {
      CHECK(strstr(check_error(s), "a step is 0") != NULL);
      if (!strstr(check_error(s), "a step is 0"))
        fprintf(stderr, "  error: %s\n", check_error(s));
    }
  }
  size_t after = mallinfo2().uordblks;
  CHECK(after <= before + 256 * 1024);
  if (after > before + 256 * 1024)
    fprintf(stderr, "  heap grew from %zu to %zu bytes over 64 failed runs\n",
            before, after);

  CHECK(run(s, x, 1, out) == 0);
  CHECK(outputs_right(out, x));
  check_destroy(s);
  free(x);
  if (failures)
    fprintf(stderr, "check_failed_test: %d failures\n", failures);
  else
    printf("check_failed_test: ok\n");
  return failures ? 1 : 0;
}
