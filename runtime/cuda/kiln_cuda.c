/*===- kiln_cuda.c - The thin CUDA runtime of --target cuda ---------------===*
 *
 * Plain C11, no CUDA headers: the driver API is declared below and resolved
 * with dlopen("libcuda.so.1") the first time a session is created, so a
 * library compiled with --target cuda links and loads on machines without
 * a GPU, and `<m>_create` fails there with a clear message.
 *
 * Pieces (see codegen/cuda/README.md for the whole design):
 *  - mgpu*: the functions MLIR's gpu-to-llvm lowering calls. Module loads
 *    run from global constructors at library load, so mgpuModuleLoadJIT only
 *    records the PTX; it is JIT-compiled by the driver (cuModuleLoadData) at
 *    the first create. Launches go to the stream of the session running on
 *    this thread; per-launch stream create/sync/destroy are no-ops (one
 *    stream per session, synchronized once at the end of a run).
 *  - kiln_cu_create/run/infer/destroy/error: what the generated C API calls
 *    for a CUDA model. A CUDA session wraps a host session (kiln_session.c:
 *    validation, output shapes, weights mapping) whose model descriptor is a
 *    copy with `kernel` replaced by kiln_cu_trampoline; the trampoline copies
 *    inputs to the device, calls the generated host code with a frame of
 *    device pointers, and copies the outputs back.
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kiln_internal.h"

/* ---- The driver API subset, declared by hand --------------------------- */

typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;

typedef struct kiln_cu_driver {
  void *handle;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDriverGetVersion)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*cuMemFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUcontext context;
  CUdevice device;
  char device_name[128];
  int driver_version;
  int ok;
  char error[KILN_RT_ERROR_BYTES];
} kiln_cu_driver;

static kiln_cu_driver kiln_cu_drv;
static pthread_once_t kiln_cu_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t kiln_cu_modules_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *cu_error_string(CUresult rc) {
  const char *s = NULL;
  if (kiln_cu_drv.cuGetErrorString)
    kiln_cu_drv.cuGetErrorString(rc, &s);
  return s ? s : "unknown CUDA error";
}

#define KILN_CU_RESOLVE(field, name)                                          \
  do {                                                                        \
    void *sym = dlsym(d->handle, name);                                       \
    if (!sym) {                                                               \
      snprintf(d->error, sizeof(d->error),                                    \
               "the CUDA driver (libcuda.so.1) has no '%s'", name);           \
      return;                                                                 \
    }                                                                         \
    memcpy(&d->field, &sym, sizeof(sym));                                     \
  } while (0)

static void cu_driver_init(void) {
  kiln_cu_driver *d = &kiln_cu_drv;
  d->handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!d->handle) {
    const char *why = dlerror();
    snprintf(d->error, sizeof(d->error),
             "no CUDA driver: cannot load libcuda.so.1 (%s); this model was "
             "compiled with --target cuda and needs an NVIDIA GPU and driver",
             why ? why : "not found");
    return;
  }
  KILN_CU_RESOLVE(cuGetErrorString, "cuGetErrorString");
  KILN_CU_RESOLVE(cuInit, "cuInit");
  KILN_CU_RESOLVE(cuDriverGetVersion, "cuDriverGetVersion");
  KILN_CU_RESOLVE(cuDeviceGet, "cuDeviceGet");
  KILN_CU_RESOLVE(cuDeviceGetName, "cuDeviceGetName");
  KILN_CU_RESOLVE(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  KILN_CU_RESOLVE(cuCtxSetCurrent, "cuCtxSetCurrent");
  KILN_CU_RESOLVE(cuModuleLoadData, "cuModuleLoadData");
  KILN_CU_RESOLVE(cuModuleUnload, "cuModuleUnload");
  KILN_CU_RESOLVE(cuModuleGetFunction, "cuModuleGetFunction");
  KILN_CU_RESOLVE(cuMemAlloc, "cuMemAlloc_v2");
  KILN_CU_RESOLVE(cuMemFree, "cuMemFree_v2");
  KILN_CU_RESOLVE(cuMemAllocAsync, "cuMemAllocAsync");
  KILN_CU_RESOLVE(cuMemFreeAsync, "cuMemFreeAsync");
  KILN_CU_RESOLVE(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  KILN_CU_RESOLVE(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  KILN_CU_RESOLVE(cuLaunchKernel, "cuLaunchKernel");
  KILN_CU_RESOLVE(cuStreamCreate, "cuStreamCreate");
  KILN_CU_RESOLVE(cuStreamDestroy, "cuStreamDestroy_v2");
  KILN_CU_RESOLVE(cuStreamSynchronize, "cuStreamSynchronize");
  CUresult rc = d->cuInit(0);
  if (rc != 0) {
    snprintf(d->error, sizeof(d->error),
             "no usable CUDA device: cuInit failed (%s)", cu_error_string(rc));
    return;
  }
  const char *env = getenv("KILN_CUDA_DEVICE");
  int ordinal = env ? atoi(env) : 0;
  if ((rc = d->cuDeviceGet(&d->device, ordinal)) != 0 ||
      (rc = d->cuDevicePrimaryCtxRetain(&d->context, d->device)) != 0) {
    snprintf(d->error, sizeof(d->error),
             "cannot open CUDA device %d (%s)", ordinal, cu_error_string(rc));
    return;
  }
  d->cuDriverGetVersion(&d->driver_version);
  d->cuDeviceGetName(d->device_name, (int)sizeof(d->device_name), d->device);
  d->ok = 1;
}

/* ---- Modules registered by the generated constructors ------------------ */

typedef struct kiln_cu_module {
  const char *ptx; /* NUL-terminated PTX text (a constant of the library) */
  CUmodule module; /* NULL until JIT-compiled */
  struct kiln_cu_module *next;
} kiln_cu_module;

static kiln_cu_module *kiln_cu_modules;

/* JIT-compiles `m` if needed; call with kiln_cu_modules_lock held. */
static CUresult cu_module_load_locked(kiln_cu_module *m) {
  if (m->module)
    return 0;
  return kiln_cu_drv.cuModuleLoadData(&m->module, m->ptx);
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  (void)optLevel;
  kiln_cu_module *m = (kiln_cu_module *)calloc(1, sizeof(kiln_cu_module));
  if (!m)
    return NULL;
  m->ptx = (const char *)data;
  pthread_mutex_lock(&kiln_cu_modules_lock);
  m->next = kiln_cu_modules;
  kiln_cu_modules = m;
  pthread_mutex_unlock(&kiln_cu_modules_lock);
  return m;
}

void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  return mgpuModuleLoadJIT(data, 0);
}

void mgpuModuleUnload(void *handle) {
  kiln_cu_module *m = (kiln_cu_module *)handle;
  if (!m)
    return;
  pthread_mutex_lock(&kiln_cu_modules_lock);
  for (kiln_cu_module **at = &kiln_cu_modules; *at; at = &(*at)->next)
    if (*at == m) {
      *at = m->next;
      break;
    }
  pthread_mutex_unlock(&kiln_cu_modules_lock);
  if (m->module && kiln_cu_drv.ok)
    kiln_cu_drv.cuModuleUnload(m->module);
  free(m);
}

/* ---- Sessions ------------------------------------------------------------ */

typedef struct kiln_cu_session {
  kiln_rt_model model; /* copy of the descriptor, kernel = trampoline */
  kiln_kernel_fn device_kernel; /* the generated host code */
  kiln_rt_session *host;
  CUstream stream;
  CUdeviceptr weights, arena;
  CUdeviceptr *in_dev, *out_dev;
  size_t *in_cap, *out_cap;
  void **in_ptrs, **out_ptrs;
  int failed;
  char error[KILN_RT_ERROR_BYTES];
  pthread_mutex_t lock;
} kiln_cu_session;

static _Thread_local kiln_cu_session *kiln_cu_current;
static _Thread_local char kiln_cu_thread_error[KILN_RT_ERROR_BYTES];

/* Records the first device-side failure of the current run. */
static void cu_fail(kiln_cu_session *s, const char *what, CUresult rc) {
  if (!s || s->failed)
    return;
  s->failed = 1;
  snprintf(s->error, sizeof(s->error), "run: %s failed (%s)", what,
           cu_error_string(rc));
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  kiln_cu_session *s = kiln_cu_current;
  kiln_cu_module *m = (kiln_cu_module *)handle;
  if (!m || (s && s->failed))
    return NULL;
  pthread_mutex_lock(&kiln_cu_modules_lock);
  CUresult rc = cu_module_load_locked(m);
  pthread_mutex_unlock(&kiln_cu_modules_lock);
  CUfunction fn = NULL;
  if (rc == 0)
    rc = kiln_cu_drv.cuModuleGetFunction(&fn, m->module, name);
  if (rc != 0)
    cu_fail(s, "loading a kernel", rc);
  return fn;
}

void *mgpuStreamCreate(void) {
  return kiln_cu_current ? kiln_cu_current->stream : NULL;
}
void mgpuStreamSynchronize(void *stream) { (void)stream; }
void mgpuStreamDestroy(void *stream) { (void)stream; }

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  (void)paramsCount;
  kiln_cu_session *s = kiln_cu_current;
  if (!function || (s && s->failed))
    return;
  CUresult rc = kiln_cu_drv.cuLaunchKernel(
      (CUfunction)function, (unsigned)gridX, (unsigned)gridY, (unsigned)gridZ,
      (unsigned)blockX, (unsigned)blockY, (unsigned)blockZ, (unsigned)smem,
      (CUstream)stream, params, extra);
  if (rc != 0)
    cu_fail(s, "a kernel launch", rc);
}

/* Buffers whose size depends on dynamic dims (outside the arena):
 * stream-ordered allocations on the session's stream. */
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  (void)hostShared;
  kiln_cu_session *s = kiln_cu_current;
  CUdeviceptr p = 0;
  if (s && s->failed)
    return NULL;
  CUresult rc = kiln_cu_drv.cuMemAllocAsync(&p, bytes ? bytes : 64,
                                            (CUstream)stream);
  if (rc != 0)
    cu_fail(s, "allocating a dynamic-size buffer", rc);
  return (void *)(uintptr_t)p;
}

void mgpuMemFree(void *ptr, void *stream) {
  if (ptr)
    kiln_cu_drv.cuMemFreeAsync((CUdeviceptr)(uintptr_t)ptr, (CUstream)stream);
}

static size_t tensor_bytes(const kiln_rt_tensor_desc *d, const int64_t *dims) {
  size_t n = kiln_rt_dtype_size(d->dtype);
  for (int32_t k = 0; k < d->rank; ++k)
    n *= (size_t)dims[k];
  return n;
}

/* Grows device buffer `*p` (capacity `*cap`) to `bytes`. */
static CUresult ensure_device(CUdeviceptr *p, size_t *cap, size_t bytes) {
  if (*cap >= bytes && *p)
    return 0;
  if (*p)
    kiln_cu_drv.cuMemFree(*p);
  *p = 0;
  *cap = 0;
  CUresult rc = kiln_cu_drv.cuMemAlloc(p, bytes ? bytes : 64);
  if (rc == 0)
    *cap = bytes;
  return rc;
}

/* The model's kernel as the host session sees it (see the file comment). */
static void kiln_cu_trampoline(const kiln_frame *f) {
  kiln_cu_session *s = kiln_cu_current;
  const kiln_rt_model *m = &s->model;
  CUresult rc;
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    size_t bytes = tensor_bytes(&m->inputs[i], f->input_shapes[i]);
    if ((rc = ensure_device(&s->in_dev[i], &s->in_cap[i], bytes)) != 0)
      return cu_fail(s, "allocating an input on the device", rc);
    if (bytes && (rc = kiln_cu_drv.cuMemcpyHtoDAsync(
                      s->in_dev[i], f->inputs[i], bytes, s->stream)) != 0)
      return cu_fail(s, "copying an input to the device", rc);
    s->in_ptrs[i] = (void *)(uintptr_t)s->in_dev[i];
  }
  for (int32_t o = 0; o < m->num_outputs; ++o) {
    size_t bytes = tensor_bytes(&m->outputs[o], f->output_shapes[o]);
    if ((rc = ensure_device(&s->out_dev[o], &s->out_cap[o], bytes)) != 0)
      return cu_fail(s, "allocating an output on the device", rc);
    s->out_ptrs[o] = (void *)(uintptr_t)s->out_dev[o];
  }
  kiln_frame dev = *f;
  dev.weights = (const void *)(uintptr_t)s->weights;
  dev.arena = (void *)(uintptr_t)s->arena;
  dev.inputs = s->in_ptrs;
  dev.outputs = s->out_ptrs;
  s->device_kernel(&dev);
  for (int32_t o = 0; o < m->num_outputs && !s->failed; ++o) {
    size_t bytes = tensor_bytes(&m->outputs[o], f->output_shapes[o]);
    if (bytes && (rc = kiln_cu_drv.cuMemcpyDtoHAsync(
                      f->outputs[o], s->out_dev[o], bytes, s->stream)) != 0)
      return cu_fail(s, "copying an output to the host", rc);
  }
  if ((rc = kiln_cu_drv.cuStreamSynchronize(s->stream)) != 0)
    cu_fail(s, "running the kernels", rc);
}

void kiln_cu_destroy(kiln_cu_session *s);

static int cu_create_failed(kiln_cu_session *s, int code, const char *msg) {
  snprintf(kiln_cu_thread_error, sizeof(kiln_cu_thread_error), "create: %s",
           msg);
  kiln_cu_destroy(s);
  return code;
}

int kiln_cu_create(const kiln_rt_model *m, kiln_cu_session **out,
                   const kiln_options *opt) {
  kiln_cu_thread_error[0] = 0;
  if (!out)
    return cu_create_failed(NULL, KILN_ERR_INVALID_ARGUMENT,
                            "the session out-pointer is NULL");
  *out = NULL;
  pthread_once(&kiln_cu_once, cu_driver_init);
  if (!kiln_cu_drv.ok)
    return cu_create_failed(NULL, KILN_ERR_BAD_STATE, kiln_cu_drv.error);
  if (!m)
    return cu_create_failed(NULL, KILN_ERR_BAD_STATE, "no model descriptor");
  kiln_cu_session *s = (kiln_cu_session *)calloc(1, sizeof(kiln_cu_session));
  if (!s)
    return cu_create_failed(NULL, KILN_ERR_OUT_OF_MEMORY, "out of memory");
  pthread_mutex_init(&s->lock, NULL);
  s->model = *m;
  s->device_kernel = m->kernel;
  s->model.kernel = kiln_cu_trampoline;
  /* The host session only validates and copies: one thread, no pool work. */
  kiln_options host_opt;
  memset(&host_opt, 0, sizeof(host_opt));
  if (opt)
    host_opt = *opt;
  host_opt.threads = 1;
  int rc = kiln_rt_create(&s->model, &s->host, &host_opt);
  if (rc != KILN_OK) {
    char msg[KILN_RT_ERROR_BYTES];
    snprintf(msg, sizeof(msg), "%s", kiln_rt_error(NULL));
    snprintf(kiln_cu_thread_error, sizeof(kiln_cu_thread_error), "%s", msg);
    kiln_cu_destroy(s);
    return rc;
  }
  size_t n_in = (size_t)m->num_inputs + 1, n_out = (size_t)m->num_outputs + 1;
  s->in_dev = (CUdeviceptr *)calloc(n_in, sizeof(CUdeviceptr));
  s->out_dev = (CUdeviceptr *)calloc(n_out, sizeof(CUdeviceptr));
  s->in_cap = (size_t *)calloc(n_in, sizeof(size_t));
  s->out_cap = (size_t *)calloc(n_out, sizeof(size_t));
  s->in_ptrs = (void **)calloc(n_in, sizeof(void *));
  s->out_ptrs = (void **)calloc(n_out, sizeof(void *));
  if (!s->in_dev || !s->out_dev || !s->in_cap || !s->out_cap || !s->in_ptrs ||
      !s->out_ptrs)
    return cu_create_failed(s, KILN_ERR_OUT_OF_MEMORY, "out of memory");
  char msg[KILN_RT_ERROR_BYTES];
  CUresult cr = kiln_cu_drv.cuCtxSetCurrent(kiln_cu_drv.context);
  if (cr == 0)
    cr = kiln_cu_drv.cuStreamCreate(&s->stream, 0);
  if (cr != 0) {
    snprintf(msg, sizeof(msg), "cannot create a CUDA stream (%s)",
             cu_error_string(cr));
    return cu_create_failed(s, KILN_ERR_BAD_STATE, msg);
  }
  /* JIT-compile every registered PTX module once, now. */
  pthread_mutex_lock(&kiln_cu_modules_lock);
  for (kiln_cu_module *mod = kiln_cu_modules; mod && cr == 0; mod = mod->next)
    cr = cu_module_load_locked(mod);
  pthread_mutex_unlock(&kiln_cu_modules_lock);
  if (cr != 0) {
    snprintf(msg, sizeof(msg),
             "the driver cannot load the model's PTX (%s); the GPU may be "
             "older than the --cuda-arch it was compiled for",
             cu_error_string(cr));
    return cu_create_failed(s, KILN_ERR_BAD_STATE, msg);
  }
  size_t wbytes = (size_t)m->weights_bytes;
  size_t cap = 0;
  if (wbytes > 0) {
    const void *host_weights = s->host->weights;
    if ((cr = ensure_device(&s->weights, &cap, wbytes)) != 0 ||
        (cr = kiln_cu_drv.cuMemcpyHtoDAsync(s->weights, host_weights, wbytes,
                                            s->stream)) != 0 ||
        (cr = kiln_cu_drv.cuStreamSynchronize(s->stream)) != 0) {
      snprintf(msg, sizeof(msg),
               "cannot upload the %zu bytes of weights to the GPU (%s)",
               wbytes, cu_error_string(cr));
      return cu_create_failed(s, KILN_ERR_OUT_OF_MEMORY, msg);
    }
  }
  if (m->workspace_bytes > 0 &&
      (cr = ensure_device(&s->arena, &cap, (size_t)m->workspace_bytes)) != 0) {
    snprintf(msg, sizeof(msg),
             "cannot allocate the %llu-byte workspace on the GPU (%s)",
             (unsigned long long)m->workspace_bytes, cu_error_string(cr));
    return cu_create_failed(s, KILN_ERR_OUT_OF_MEMORY, msg);
  }
  *out = s;
  return KILN_OK;
}

/* Runs `body` (a host-session call) with `s` as this thread's session. */
static int cu_finish_run(kiln_cu_session *s, int rc) {
  kiln_cu_current = NULL;
  if (rc == KILN_OK && s->failed)
    rc = kiln_rt_fail(s->host, KILN_ERR_BAD_STATE, "%s", s->error);
  pthread_mutex_unlock(&s->lock);
  return rc;
}

static int cu_begin_run(kiln_cu_session *s) {
  if (!s) {
    snprintf(kiln_cu_thread_error, sizeof(kiln_cu_thread_error),
             "run: the session is NULL (did create fail?)");
    return KILN_ERR_INVALID_ARGUMENT;
  }
  pthread_mutex_lock(&s->lock);
  kiln_cu_drv.cuCtxSetCurrent(kiln_cu_drv.context);
  s->failed = 0;
  kiln_cu_current = s;
  return KILN_OK;
}

int kiln_cu_run(kiln_cu_session *s, const kiln_tensor *in, size_t n_in,
                kiln_tensor *out, size_t n_out) {
  int rc = cu_begin_run(s);
  if (rc != KILN_OK)
    return rc;
  return cu_finish_run(s, kiln_rt_run(s->host, in, n_in, out, n_out));
}

int kiln_cu_infer(kiln_cu_session *s, const void *const *in,
                  void *const *out) {
  int rc = cu_begin_run(s);
  if (rc != KILN_OK)
    return rc;
  return cu_finish_run(s, kiln_rt_infer(s->host, in, out));
}

const char *kiln_cu_error(const kiln_cu_session *s) {
  return s ? kiln_rt_error(s->host) : kiln_cu_thread_error;
}

void kiln_cu_destroy(kiln_cu_session *s) {
  if (!s)
    return;
  if (kiln_cu_drv.ok) {
    kiln_cu_drv.cuCtxSetCurrent(kiln_cu_drv.context);
    if (s->stream)
      kiln_cu_drv.cuStreamSynchronize(s->stream);
    for (int32_t i = 0; s->in_dev && i < s->model.num_inputs; ++i)
      if (s->in_dev[i])
        kiln_cu_drv.cuMemFree(s->in_dev[i]);
    for (int32_t o = 0; s->out_dev && o < s->model.num_outputs; ++o)
      if (s->out_dev[o])
        kiln_cu_drv.cuMemFree(s->out_dev[o]);
    if (s->weights)
      kiln_cu_drv.cuMemFree(s->weights);
    if (s->arena)
      kiln_cu_drv.cuMemFree(s->arena);
    if (s->stream)
      kiln_cu_drv.cuStreamDestroy(s->stream);
  }
  kiln_rt_destroy(s->host);
  free(s->in_dev);
  free(s->out_dev);
  free(s->in_cap);
  free(s->out_cap);
  free(s->in_ptrs);
  free(s->out_ptrs);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

/* The GPU and driver this process runs on ("" before the first create). */
const char *kiln_cu_device_name(void) { return kiln_cu_drv.device_name; }
int kiln_cu_driver_version(void) { return kiln_cu_drv.driver_version; }
