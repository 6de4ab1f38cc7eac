/* Checks kiln_options.io_memory at create without a GPU: the same tiny model
 * compiled for the CPU (tinycpu) and for CUDA (tinycu), both headers in one
 * program (the shared kiln_options typedef). A CPU model rejects
 * KILN_IO_DEVICE with a message naming --target cuda; both reject a value
 * that is neither KILN_IO_HOST nor KILN_IO_DEVICE; KILN_IO_HOST (and a
 * zero-initialized struct) still run on the CPU; the CUDA model with
 * KILN_IO_DEVICE fails with the no-driver message (the option itself is
 * valid). Exits 77 when a CUDA driver is present (test/cuda/device_io.c
 * checks the GPU side). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "tinycpu.h"
#include "tinycu.h"

static int failures;

static void expect(int ok, const char *what, int rc, const char *msg) {
  printf("%s: %s (rc %d, '%s')\n", ok ? "ok" : "FAIL", what, rc, msg);
  failures += !ok;
}

int main(void) {
  kiln_options opt;
  memset(&opt, 0, sizeof(opt));
  opt.threads = 1;

  /* CPU model: device pointers are a clear create error. */
  tinycpu_session *c = NULL;
  opt.io_memory = KILN_IO_DEVICE;
  int rc = tinycpu_create(&c, &opt);
  const char *msg = tinycpu_error(NULL);
  expect(rc == KILN_ERR_INVALID_ARGUMENT && !c &&
             strstr(msg, "io_memory is KILN_IO_DEVICE") &&
             strstr(msg, "--target cuda"),
         "CPU model rejects KILN_IO_DEVICE", rc, msg);
  opt.io_memory = 7;
  rc = tinycpu_create(&c, &opt);
  msg = tinycpu_error(NULL);
  expect(rc == KILN_ERR_INVALID_ARGUMENT && !c && strstr(msg, "io_memory"),
         "CPU model rejects io_memory 7", rc, msg);

  /* KILN_IO_HOST: runs as before. */
  opt.io_memory = KILN_IO_HOST;
  rc = tinycpu_create(&c, &opt);
  expect(rc == KILN_OK && c, "CPU model with KILN_IO_HOST", rc,
         rc ? tinycpu_error(NULL) : "");
  if (c) {
    float x[3 * 8 * 8], y[2] = {0, 0};
    for (int i = 0; i < 3 * 8 * 8; ++i)
      x[i] = (float)(i % 7) / 7.0f;
    int64_t xs[4] = {1, 3, 8, 8};
    kiln_tensor in = {x, xs, 4, 1}, out = {y, NULL, 0, 0};
    rc = tinycpu_run(c, &in, 1, &out, 1);
    const float *probs = (const float *)out.data;
    expect(rc == KILN_OK && probs && probs[0] + probs[1] > 0.999f &&
               probs[0] + probs[1] < 1.001f,
           "CPU run with KILN_IO_HOST", rc, rc ? tinycpu_error(c) : "");
    tinycpu_destroy(c);
  }

  /* CUDA model: an unknown value is rejected before the driver is loaded. */
  void *probe = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  tinycu_session *g = NULL;
  opt.io_memory = 7;
  rc = tinycu_create(&g, &opt);
  msg = tinycu_error(NULL);
  expect(rc == KILN_ERR_INVALID_ARGUMENT && !g && strstr(msg, "io_memory"),
         "CUDA model rejects io_memory 7", rc, msg);
  if (probe) {
    printf("SKIP: a CUDA driver is present (device_io.c tests the GPU)\n");
    return failures ? 1 : 77;
  }
  opt.io_memory = KILN_IO_DEVICE;
  rc = tinycu_create(&g, &opt);
  msg = tinycu_error(NULL);
  expect(rc == KILN_ERR_BAD_STATE && !g && strstr(msg, "no CUDA driver"),
         "CUDA model with KILN_IO_DEVICE and no driver", rc, msg);
  return failures ? 1 : 0;
}
