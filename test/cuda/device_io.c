/* device_io.c - kiln_options.io_memory = KILN_IO_DEVICE on a GPU.
 *
 * For one --target cuda model (any, through the metadata API; dynamic dims
 * take the value DIM): runs a host-pointer session on two random input sets
 * A and B, then a device-pointer session on the same inputs placed in device
 * buffers allocated with the driver API (libcuda loaded with dlopen, as the
 * runtime does), in the order A, B, A, B (the pointers change every run: the
 * CUDA graph is recaptured and updated each time), and checks the outputs
 * equal the host path's bitwise (within 1e-5 relative when the host path
 * itself differs between two runs on the same data: split-K GEMMs add
 * partial sums with float atomics). A host pointer given to the device
 * session must fail with a clear message. Prints the median m_run wall time
 * of each path (host copies / device pointers, same pointers every run /
 * pointers alternating between two sets).
 *
 *   cc -std=gnu11 -DKILN_M=tiny -include tiny.h device_io.c libtiny.a -ldl -lpthread -lm
 *   ./device_io [DIM] [ITERATIONS]
 * Exit 0 when every check passes. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KILN_CAT2(a, b) a##_##b
#define KILN_CAT(a, b) KILN_CAT2(a, b)
#define F(x) KILN_CAT(KILN_M, x)
#define KILN_STR2(x) #x
#define KILN_STR(x) KILN_STR2(x)

typedef unsigned long long CUdeviceptr;
static int (*cuInit)(unsigned);
static int (*cuDeviceGet)(int *, int);
static int (*cuDevicePrimaryCtxRetain)(void **, int);
static int (*cuCtxSetCurrent)(void *);
static int (*cuMemAlloc)(CUdeviceptr *, size_t);
static int (*cuMemFree)(CUdeviceptr);
static int (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
static int (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);

static void load_driver(void) {
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    printf("SKIP: no libcuda.so.1\n");
    exit(77);
  }
#define SYM(var, name) *(void **)&var = dlsym(h, name)
  SYM(cuInit, "cuInit");
  SYM(cuDeviceGet, "cuDeviceGet");
  SYM(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  SYM(cuCtxSetCurrent, "cuCtxSetCurrent");
  SYM(cuMemAlloc, "cuMemAlloc_v2");
  SYM(cuMemFree, "cuMemFree_v2");
  SYM(cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  SYM(cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  int dev = 0;
  void *ctx = NULL;
  if (cuInit(0) || cuDeviceGet(&dev, 0) || cuDevicePrimaryCtxRetain(&ctx, dev) ||
      cuCtxSetCurrent(ctx)) {
    printf("FAIL: cannot open CUDA device 0\n");
    exit(1);
  }
}

static size_t dtype_size(int32_t dtype) {
  switch (dtype) {
  case 1: case 6: case 12: return 4;   /* float, int32, uint32 */
  case 7: case 11: case 13: return 8;  /* int64, double, uint64 */
  case 10: case 16: case 5: case 4: return 2;
  default: return 1;
  }
}

enum { MAXT = 16 };
typedef struct {
  size_t n_in, n_out;
  kiln_tensor in[MAXT], out[MAXT];
  int64_t in_shape[MAXT][8];
  size_t in_bytes[MAXT], out_bytes[MAXT];
  void *in_host[MAXT];
} io_set;

static uint64_t rng = 88172645463325252ull;
static float uniform(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (float)((rng >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

static uint16_t to_half(float f) { /* small values, round to nearest */
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000, e = (x >> 23) & 0xff;
  if (e < 103)
    return (uint16_t)sign;
  uint32_t mant = (x & 0x7fffff) | 0x800000;
  int exp = (int)e - 127 + 15;
  if (exp <= 0) { /* subnormal */
    mant >>= (1 - exp);
    exp = 0;
    return (uint16_t)(sign | ((mant + 0x1000) >> 13));
  }
  uint32_t h = sign | ((uint32_t)exp << 10) | ((mant & 0x7fffff) >> 13);
  if (mant & 0x1000)
    ++h;
  return (uint16_t)h;
}

static void make_inputs(io_set *s, int64_t dim) {
  s->n_in = F(num_inputs)();
  s->n_out = F(num_outputs)();
  for (size_t i = 0; i < s->n_in; ++i) {
    int32_t rank = F(input_rank)(i), dtype = F(input_dtype)(i);
    size_t count = 1;
    for (int32_t d = 0; d < rank; ++d) {
      int64_t v = F(input_dim)(i, (size_t)d);
      s->in_shape[i][d] = v < 0 ? dim : v;
      count *= (size_t)s->in_shape[i][d];
    }
    size_t bytes = count * dtype_size(dtype);
    void *p = calloc(1, bytes ? bytes : 1);
    for (size_t k = 0; k < count; ++k) {
      if (dtype == 1)
        ((float *)p)[k] = uniform();
      else if (dtype == 10)
        ((uint16_t *)p)[k] = to_half(uniform());
    }
    s->in_host[i] = p;
    s->in_bytes[i] = bytes;
    kiln_tensor t = {p, s->in_shape[i], rank, dtype};
    s->in[i] = t;
  }
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The outputs of one host-pointer run, copied (session buffers move). */
static void **host_run(F(session) * s, io_set *io) {
  static void *static_out[MAXT];
  for (size_t o = 0; o < io->n_out; ++o) {
    int32_t rank = F(output_rank)(o);
    size_t count = 1;
    int dynamic = 0;
    for (int32_t d = 0; d < rank; ++d) {
      int64_t v = F(output_dim)(o, (size_t)d);
      dynamic |= v < 0;
      count *= (size_t)(v < 0 ? 0 : v);
    }
    if (!dynamic && !static_out[o])
      static_out[o] = malloc(count * dtype_size(F(output_dtype)(o)) + 1);
    memset(&io->out[o], 0, sizeof(kiln_tensor));
    io->out[o].data = dynamic ? NULL : static_out[o];
  }
  if (F(run)(s, io->in, io->n_in, io->out, io->n_out) != 0) {
    printf("FAIL: host run: %s\n", F(error)(s));
    exit(1);
  }
  void **copy = calloc(io->n_out, sizeof(void *));
  for (size_t o = 0; o < io->n_out; ++o) {
    size_t count = 1;
    for (int32_t d = 0; d < io->out[o].rank; ++d)
      count *= (size_t)io->out[o].shape[d];
    io->out_bytes[o] = count * dtype_size(io->out[o].dtype);
    copy[o] = malloc(io->out_bytes[o] + 1);
    memcpy(copy[o], io->out[o].data, io->out_bytes[o]);
  }
  return copy;
}

typedef struct {
  CUdeviceptr in[MAXT], out[MAXT];
  kiln_tensor tin[MAXT], tout[MAXT];
} dev_set;

static void make_dev(dev_set *d, const io_set *io) {
  for (size_t i = 0; i < io->n_in; ++i) {
    if (cuMemAlloc(&d->in[i], io->in_bytes[i] ? io->in_bytes[i] : 64) ||
        cuMemcpyHtoD(d->in[i], io->in_host[i], io->in_bytes[i])) {
      printf("FAIL: cuMemAlloc/cuMemcpyHtoD\n");
      exit(1);
    }
    d->tin[i] = io->in[i];
    d->tin[i].data = (void *)(uintptr_t)d->in[i];
  }
  for (size_t o = 0; o < io->n_out; ++o) {
    int dynamic = 0;
    for (int32_t k = 0; k < F(output_rank)(o); ++k)
      dynamic |= F(output_dim)(o, (size_t)k) < 0;
    d->out[o] = 0;
    if (!dynamic && cuMemAlloc(&d->out[o], io->out_bytes[o] + 64)) {
      printf("FAIL: cuMemAlloc\n");
      exit(1);
    }
  }
}

static int dev_run(F(session) * s, dev_set *d, size_t n_in, size_t n_out) {
  for (size_t o = 0; o < n_out; ++o) {
    memset(&d->tout[o], 0, sizeof(kiln_tensor));
    d->tout[o].data = (void *)(uintptr_t)d->out[o];
  }
  return F(run)(s, d->tin, n_in, d->tout, n_out);
}

/* Compares the device run's outputs (in device memory) with `ref`. */
static int check(const char *what, dev_set *d, const io_set *io, void **ref,
                 int exact) {
  int ok = 1;
  for (size_t o = 0; o < io->n_out; ++o) {
    size_t bytes = io->out_bytes[o];
    void *got = malloc(bytes + 1);
    cuMemcpyDtoH(got, (CUdeviceptr)(uintptr_t)d->tout[o].data, bytes);
    int same = memcmp(got, ref[o], bytes) == 0;
    double worst = 0;
    if (!same && io->out[o].dtype == 1)
      for (size_t k = 0; k < bytes / 4; ++k) {
        double a = ((float *)got)[k], b = ((float *)ref[o])[k];
        double rel = fabs(a - b) / (fabs(b) > 1e-3 ? fabs(b) : 1e-3);
        worst = rel > worst ? rel : worst;
      }
    int pass = same || (!exact && io->out[o].dtype == 1 && worst <= 1e-5);
    printf("%s: %s output %zu (%zu bytes): %s", pass ? "ok" : "FAIL", what, o,
           bytes, same ? "bitwise equal" : "differs");
    if (!same)
      printf(" (max rel diff %.3g)", worst);
    printf("\n");
    ok &= pass;
    free(got);
  }
  return ok;
}

int main(int argc, char **argv) {
  int64_t dim = argc > 1 ? atoll(argv[1]) : 1;
  int iterations = argc > 2 ? atoi(argv[2]) : 50;
  load_driver();
  io_set a, b;
  make_inputs(&a, dim);
  make_inputs(&b, dim);

  kiln_options opt;
  memset(&opt, 0, sizeof(opt));
  F(session) *hs = NULL, *ds = NULL;
  if (F(create)(&hs, &opt) != 0) {
    printf("FAIL: host-pointer create: %s\n", F(error)(NULL));
    return 1;
  }
  void **ref_a = host_run(hs, &a), **ref_a2 = host_run(hs, &a);
  void **ref_b = host_run(hs, &b);
  b.n_out = a.n_out;
  memcpy(b.out_bytes, a.out_bytes, sizeof(a.out_bytes));
  int exact = 1;
  for (size_t o = 0; o < a.n_out; ++o)
    exact &= memcmp(ref_a[o], ref_a2[o], a.out_bytes[o]) == 0;
  printf("%s: host path deterministic over two runs: %s\n", KILN_STR(KILN_M),
         exact ? "yes (device path must be bitwise equal)"
               : "no (float atomics; device path within 1e-5)");

  opt.io_memory = KILN_IO_DEVICE;
  if (F(create)(&ds, &opt) != 0) {
    printf("FAIL: device-pointer create: %s\n", F(error)(NULL));
    return 1;
  }
  dev_set da, db;
  make_dev(&da, &a);
  make_dev(&db, &b);
  int ok = 1;
  const char *names[4] = {"device run 1 (A)", "device run 2 (B, new pointers)",
                          "device run 3 (A again)", "device run 4 (B again)"};
  for (int r = 0; r < 4; ++r) {
    dev_set *d = r % 2 ? &db : &da;
    if (dev_run(ds, d, a.n_in, a.n_out) != 0) {
      printf("FAIL: %s: %s\n", names[r], F(error)(ds));
      return 1;
    }
    ok &= check(names[r], d, r % 2 ? &b : &a, r % 2 ? ref_b : ref_a, exact);
  }

  /* A host pointer in a device session: a clear run error, no crash. */
  kiln_tensor bad[MAXT];
  memcpy(bad, da.tin, sizeof(bad));
  bad[0].data = a.in_host[0];
  kiln_tensor bad_out[MAXT];
  memcpy(bad_out, da.tout, sizeof(bad_out));
  for (size_t o = 0; o < a.n_out; ++o)
    bad_out[o].data = (void *)(uintptr_t)da.out[o];
  int rc = F(run)(ds, bad, a.n_in, bad_out, a.n_out);
  const char *msg = F(error)(ds);
  int pass = a.in_bytes[0] == 0 ||
             (rc != 0 && strstr(msg, "not a CUDA device pointer") != NULL);
  printf("%s: host pointer in a KILN_IO_DEVICE session: rc %d '%s'\n",
         pass ? "ok" : "FAIL", rc, msg);
  ok &= pass;
  /* ...and the session still runs afterwards. */
  if (dev_run(ds, &da, a.n_in, a.n_out) != 0) {
    printf("FAIL: device run after the error: %s\n", F(error)(ds));
    return 1;
  }
  ok &= check("device run after the error (A)", &da, &a, ref_a, exact);

  /* Timing: median wall time of one m_run. */
  double *t = malloc(sizeof(double) * (size_t)iterations);
  double med[3];
  for (int mode = 0; mode < 3; ++mode) {
    for (int w = 0; w < 3; ++w) /* warm-up: graphs captured */
      mode == 0 ? (void)host_run(hs, &a) : (void)dev_run(ds, &da, a.n_in, a.n_out);
    for (int k = 0; k < iterations; ++k) {
      double t0 = now_ms();
      if (mode == 0) {
        F(run)(hs, a.in, a.n_in, a.out, a.n_out); /* same buffers */
      } else {
        dev_set *d = mode == 2 && (k & 1) ? &db : &da;
        dev_run(ds, d, a.n_in, a.n_out);
      }
      t[k] = now_ms() - t0;
    }
    qsort(t, (size_t)iterations, sizeof(double), cmp_double);
    med[mode] = t[iterations / 2];
  }
  printf("%s: median m_run ms: host pointers (copies) %.4f | device pointers "
         "%.4f | device pointers alternating between two sets %.4f\n",
         KILN_STR(KILN_M), med[0], med[1], med[2]);
  F(destroy)(hs);
  F(destroy)(ds);
  printf("%s: %s\n", KILN_STR(KILN_M), ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
