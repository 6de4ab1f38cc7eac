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
 *    device pointers, and copies the outputs back. With kiln_options.
 *    io_memory = KILN_IO_DEVICE the caller's pointers are device memory:
 *    the frame uses them as they are, and nothing is copied.
 *  - CUDA graphs: the first run records the generated host code's launches
 *    (and stream-ordered allocations) into a graph by stream capture; later
 *    runs with the same device buffers and input dims replay it with one
 *    cuGraphLaunch, so batch-1 latency is not launch-bound. Other buffers
 *    (the caller's device pointers changed) capture again and update the
 *    executable graph in place (cuGraphExecUpdate), instantiating anew only
 *    when that fails. KILN_CUDA_GRAPH=0 launches eagerly every run.
 *  - Measurements (environment, read at create): KILN_CUDA_TIMING=<file>
 *    appends the min/median device time of the kernels of each run (CUDA
 *    events; host copies excluded) at destroy; KILN_CUDA_PROFILE=<file>
 *    runs eagerly and appends every kernel's total time and launch count.
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
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;
typedef struct CUevent_st *CUevent;
enum { KILN_CU_CAPTURE_MODE_THREAD_LOCAL = 1 };
enum { KILN_CU_POINTER_ATTRIBUTE_MEMORY_TYPE = 2 };
enum { KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE = 8 };
/* CUtensorMapDataType FLOAT32, CUtensorMapL2promotion L2_128B. */
enum { KILN_CU_TENSOR_MAP_FLOAT32 = 7, KILN_CU_TENSOR_MAP_L2_128B = 2 };

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
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  /* CUDA graphs and events (capture of a whole run, timing). */
  CUresult (*cuStreamBeginCapture)(CUstream, int);
  CUresult (*cuStreamEndCapture)(CUstream, CUgraph *);
  CUresult (*cuGraphInstantiateWithFlags)(CUgraphExec *, CUgraph,
                                          unsigned long long);
  CUresult (*cuGraphLaunch)(CUgraphExec, CUstream);
  CUresult (*cuGraphExecDestroy)(CUgraphExec);
  CUresult (*cuGraphDestroy)(CUgraph);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuFuncGetName)(const char **, CUfunction); /* optional */
  /* CUDA 12+ (optional): a recaptured graph's parameters into the exec. */
  CUresult (*cuGraphExecUpdate)(CUgraphExec, CUgraph, void *result_info);
  CUresult (*cuPointerGetAttribute)(void *, int, CUdeviceptr);
  /* More than 48 KiB of dynamic shared memory (the TMA GEMM kernels). */
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  /* CUDA 12+ (optional): TMA tensor maps of the sm_90 GEMM kernels. */
  CUresult (*cuTensorMapEncodeTiled)(void *map, int dtype, unsigned rank,
                                     void *address, const uint64_t *dims,
                                     const uint64_t *strides,
                                     const unsigned *box,
                                     const unsigned *element_strides,
                                     int interleave, int swizzle,
                                     int l2_promotion, int oob_fill);
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
  KILN_CU_RESOLVE(cuMemcpyAsync, "cuMemcpyAsync");
  KILN_CU_RESOLVE(cuLaunchKernel, "cuLaunchKernel");
  KILN_CU_RESOLVE(cuStreamCreate, "cuStreamCreate");
  KILN_CU_RESOLVE(cuStreamDestroy, "cuStreamDestroy_v2");
  KILN_CU_RESOLVE(cuStreamSynchronize, "cuStreamSynchronize");
  KILN_CU_RESOLVE(cuStreamBeginCapture, "cuStreamBeginCapture_v2");
  KILN_CU_RESOLVE(cuStreamEndCapture, "cuStreamEndCapture");
  KILN_CU_RESOLVE(cuGraphInstantiateWithFlags, "cuGraphInstantiateWithFlags");
  KILN_CU_RESOLVE(cuGraphLaunch, "cuGraphLaunch");
  KILN_CU_RESOLVE(cuGraphExecDestroy, "cuGraphExecDestroy");
  KILN_CU_RESOLVE(cuGraphDestroy, "cuGraphDestroy");
  KILN_CU_RESOLVE(cuEventCreate, "cuEventCreate");
  KILN_CU_RESOLVE(cuEventDestroy, "cuEventDestroy_v2");
  KILN_CU_RESOLVE(cuEventRecord, "cuEventRecord");
  KILN_CU_RESOLVE(cuEventSynchronize, "cuEventSynchronize");
  if (dlsym(d->handle, "cuEventElapsedTime_v2")) /* CUDA 12.8+ */
    KILN_CU_RESOLVE(cuEventElapsedTime, "cuEventElapsedTime_v2");
  else
    KILN_CU_RESOLVE(cuEventElapsedTime, "cuEventElapsedTime");
  KILN_CU_RESOLVE(cuPointerGetAttribute, "cuPointerGetAttribute");
  KILN_CU_RESOLVE(cuFuncSetAttribute, "cuFuncSetAttribute");
  {
    void *sym = dlsym(d->handle, "cuFuncGetName"); /* CUDA 12.3+ */
    memcpy(&d->cuFuncGetName, &sym, sizeof(sym));
    sym = dlsym(d->handle, "cuGraphExecUpdate_v2"); /* CUDA 12.0+ */
    memcpy(&d->cuGraphExecUpdate, &sym, sizeof(sym));
    sym = dlsym(d->handle, "cuTensorMapEncodeTiled"); /* CUDA 12.0+ */
    memcpy(&d->cuTensorMapEncodeTiled, &sym, sizeof(sym));
  }
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
  int io_device; /* kiln_options.io_memory == KILN_IO_DEVICE */
  int failed;
  char error[KILN_RT_ERROR_BYTES];
  pthread_mutex_t lock;
  /* The run recorded as a CUDA graph, replayed while the device buffers and
   * the input shapes stay those it was captured with. */
  int use_graph;        /* 0 after KILN_CUDA_GRAPH=0 or a failed capture */
  CUgraphExec graph;
  long graph_captures, graph_updates; /* KILN_CUDA_TIMING's report */
  void **graph_ptrs;    /* in_ptrs then out_ptrs at capture */
  int64_t *graph_dims;  /* every input dim at capture */
  size_t graph_ndims;
  /* KILN_CUDA_TIMING=<file>: device time of each run's kernels (events
   * around the graph launch or the eager launches), summarized at destroy. */
  const char *timing_path;
  CUevent ev_start, ev_stop;
  float *run_ms;
  size_t runs, run_cap;
  /* KILN_CUDA_PROFILE=<file>: eager runs with events around every launch;
   * the total time of each kernel is written at destroy. */
  const char *profile_path;
  struct kiln_cu_launch_event {
    CUevent start, stop;
    CUfunction fn;
  } *launches;
  size_t num_launches, launch_cap;
  struct kiln_cu_kernel_time {
    CUfunction fn;
    double ms;
    long calls;
  } *kernel_times;
  size_t num_kernel_times;
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

/* Events around the next launch of a profiled session (NULL if none). */
static struct kiln_cu_launch_event *cu_profile_slot(kiln_cu_session *s,
                                                    CUfunction fn) {
  if (s->num_launches == s->launch_cap) {
    size_t cap = s->launch_cap ? 2 * s->launch_cap : 256;
    void *grown = realloc(s->launches, cap * sizeof(*s->launches));
    if (!grown)
      return NULL;
    s->launches = grown;
    memset(s->launches + s->launch_cap, 0,
           (cap - s->launch_cap) * sizeof(*s->launches));
    s->launch_cap = cap;
  }
  struct kiln_cu_launch_event *e = &s->launches[s->num_launches];
  if ((!e->start && kiln_cu_drv.cuEventCreate(&e->start, 0) != 0) ||
      (!e->stop && kiln_cu_drv.cuEventCreate(&e->stop, 0) != 0))
    return NULL;
  e->fn = fn;
  ++s->num_launches;
  return e;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  (void)paramsCount;
  kiln_cu_session *s = kiln_cu_current;
  if (!function || (s && s->failed))
    return;
  struct kiln_cu_launch_event *e =
      s && s->profile_path ? cu_profile_slot(s, (CUfunction)function) : NULL;
  /* Dynamic shared memory above the default 48 KiB must be allowed per
   * function (a host-side attribute; also during graph capture). */
  if (smem > 48 * 1024) {
    CUresult rc = kiln_cu_drv.cuFuncSetAttribute(
        (CUfunction)function, KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE,
        smem);
    if (rc != 0) {
      cu_fail(s, "allowing a kernel's dynamic shared memory", rc);
      return;
    }
  }
  if (e)
    kiln_cu_drv.cuEventRecord(e->start, (CUstream)stream);
  CUresult rc = kiln_cu_drv.cuLaunchKernel(
      (CUfunction)function, (unsigned)gridX, (unsigned)gridY, (unsigned)gridZ,
      (unsigned)blockX, (unsigned)blockY, (unsigned)blockZ, (unsigned)smem,
      (CUstream)stream, params, extra);
  if (e)
    kiln_cu_drv.cuEventRecord(e->stop, (CUstream)stream);
  if (rc != 0)
    cu_fail(s, "a kernel launch", rc);
}

/* A TMA tensor map (CUtensorMap, 128 bytes) of an f32 tensor for the sm_90
 * GEMM kernels (kiln-cuda-gemm-kernels with tma), encoded on the host by
 * the generated code before each such launch and passed to the kernel by
 * value (a __grid_constant__ parameter), so a captured graph keeps it.
 * dims and box are innermost first, strides in bytes for dims 1..rank-1;
 * elements outside the tensor read as zero. A map that cannot be encoded
 * (no cuTensorMapEncodeTiled, an address not 16-byte aligned) fails the
 * run with a message and leaves the map zeroed. */
void kiln_rt_cuda_tensor_map(void *map, uint64_t address, int64_t rank,
                             int64_t d0, int64_t d1, int64_t d2, int64_t d3,
                             int64_t d4, int64_t s1, int64_t s2, int64_t s3,
                             int64_t s4, int64_t b0, int64_t b1, int64_t b2,
                             int64_t b3, int64_t b4) {
  kiln_cu_session *s = kiln_cu_current;
  memset(map, 0, 128);
  if (s && s->failed)
    return;
  const char *why = !kiln_cu_drv.cuTensorMapEncodeTiled
                        ? "this CUDA driver has no cuTensorMapEncodeTiled "
                          "(CUDA 12 or newer is needed)"
                    : address % 16 != 0
                        ? "a GEMM operand's device address is not 16-byte "
                          "aligned"
                        : NULL;
  if (why) {
    if (s) {
      s->failed = 1;
      snprintf(s->error, sizeof(s->error),
               "run: %s (the sm_90 GEMM kernels read operands by TMA)", why);
    }
    return;
  }
  uint64_t dims[5] = {(uint64_t)d0, (uint64_t)d1, (uint64_t)d2, (uint64_t)d3,
                      (uint64_t)d4};
  uint64_t strides[4] = {(uint64_t)s1, (uint64_t)s2, (uint64_t)s3,
                         (uint64_t)s4};
  unsigned box[5] = {(unsigned)b0, (unsigned)b1, (unsigned)b2, (unsigned)b3,
                     (unsigned)b4};
  unsigned ones[5] = {1, 1, 1, 1, 1};
  CUresult rc = kiln_cu_drv.cuTensorMapEncodeTiled(
      map, KILN_CU_TENSOR_MAP_FLOAT32, (unsigned)rank,
      (void *)(uintptr_t)address, dims, strides, box, ones, /*interleave=*/0,
      /*swizzle=*/0, KILN_CU_TENSOR_MAP_L2_128B, /*oob_fill=*/0);
  if (rc != 0)
    cu_fail(s, "encoding a TMA tensor map", rc);
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

/* Copies between buffers of the frame (weights, arena, inputs, outputs,
 * dynamic-size buffers: all device memory), on the session's stream; or,
 * into host memory, a value the host code reads (kiln-cuda-map-to-gpu:
 * models with KILN_RT_MODEL_HOST_READS_DEVICE, run without a CUDA graph),
 * which waits for the stream. */
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  kiln_cu_session *s = kiln_cu_current;
  if (!bytes)
    return;
  int type = 0;
  /* Only models flagged by the compiler copy into host memory. */
  if (s && (s->model.flags & KILN_RT_MODEL_HOST_READS_DEVICE) &&
      kiln_cu_drv.cuPointerGetAttribute(
          &type, KILN_CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
          (CUdeviceptr)(uintptr_t)dst) != 0) {
    CUresult rc = s->failed ? 0
                            : kiln_cu_drv.cuMemcpyDtoHAsync(
                                  dst, (CUdeviceptr)(uintptr_t)src, bytes,
                                  (CUstream)stream);
    if (rc == 0 && !s->failed)
      rc = kiln_cu_drv.cuStreamSynchronize((CUstream)stream);
    /* After a failure the host code computes on zeros, never on
     * uninitialized memory (the run reports the failure). */
    if (rc != 0 || s->failed) {
      memset(dst, 0, bytes);
      cu_fail(s, "reading a device value on the host", rc);
    }
    return;
  }
  if (s && s->failed)
    return;
  CUresult rc = kiln_cu_drv.cuMemcpyAsync((CUdeviceptr)(uintptr_t)dst,
                                          (CUdeviceptr)(uintptr_t)src, bytes,
                                          (CUstream)stream);
  if (rc != 0)
    cu_fail(s, "a device-to-device copy", rc);
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

/* Whether the captured graph was recorded with these device buffers and
 * input dims. */
static int cu_graph_matches(const kiln_cu_session *s, const kiln_frame *f) {
  const kiln_rt_model *m = &s->model;
  size_t k = 0;
  for (int32_t i = 0; i < m->num_inputs; ++i)
    if (s->graph_ptrs[k++] != s->in_ptrs[i])
      return 0;
  for (int32_t o = 0; o < m->num_outputs; ++o)
    if (s->graph_ptrs[k++] != s->out_ptrs[o])
      return 0;
  k = 0;
  for (int32_t i = 0; i < m->num_inputs; ++i)
    for (int32_t d = 0; d < m->inputs[i].rank; ++d)
      if (s->graph_dims[k++] != f->input_shapes[i][d])
        return 0;
  return 1;
}

static void cu_graph_forget(kiln_cu_session *s) {
  if (s->graph)
    kiln_cu_drv.cuGraphExecDestroy(s->graph);
  s->graph = NULL;
}

/* Records the run into a graph (kept for the next runs). Returns 0 when the
 * run could not be captured; the caller then launches eagerly. */
static int cu_graph_capture(kiln_cu_session *s, const kiln_frame *dev) {
  const kiln_rt_model *m = &s->model;
  if (kiln_cu_drv.cuStreamBeginCapture(s->stream,
                                       KILN_CU_CAPTURE_MODE_THREAD_LOCAL) != 0) {
    cu_graph_forget(s);
    return 0;
  }
  s->device_kernel(dev);
  CUgraph graph = NULL;
  CUresult rc = kiln_cu_drv.cuStreamEndCapture(s->stream, &graph);
  /* Same launches on other buffers (the caller's device pointers moved):
   * update the executable graph's parameters in place, which costs far
   * less than instantiating it; a graph whose topology changed (other
   * dims, memory nodes) fails the update and is instantiated anew. The
   * previous replay is complete: every run synchronizes. */
  long long info[8]; /* CUgraphExecUpdateResultInfo (24 bytes) */
  if (rc == 0 && !s->failed && s->graph && kiln_cu_drv.cuGraphExecUpdate &&
      kiln_cu_drv.cuGraphExecUpdate(s->graph, graph, info) == 0) {
    ++s->graph_updates;
  } else {
    cu_graph_forget(s);
    if (rc == 0 && !s->failed)
      rc = kiln_cu_drv.cuGraphInstantiateWithFlags(&s->graph, graph, 0);
    ++s->graph_captures;
  }
  if (graph)
    kiln_cu_drv.cuGraphDestroy(graph);
  if (rc != 0 || s->failed) {
    s->graph = NULL;
    s->failed = 0; /* a capture failure is not the run's failure */
    return 0;
  }
  size_t k = 0;
  for (int32_t i = 0; i < m->num_inputs; ++i)
    s->graph_ptrs[k++] = s->in_ptrs[i];
  for (int32_t o = 0; o < m->num_outputs; ++o)
    s->graph_ptrs[k++] = s->out_ptrs[o];
  k = 0;
  for (int32_t i = 0; i < m->num_inputs; ++i)
    for (int32_t d = 0; d < m->inputs[i].rank; ++d)
      s->graph_dims[k++] = dev->input_shapes[i][d];
  return 1;
}

/* The kernels of one run: the captured graph when it applies, else the
 * generated host code's launches (captured first when graphs are on). */
static void cu_launch_run(kiln_cu_session *s, const kiln_frame *dev) {
  CUresult rc;
  if (s->use_graph && !(s->graph && cu_graph_matches(s, dev)) &&
      !cu_graph_capture(s, dev))
    s->use_graph = 0; /* e.g. a driver without graph support: stay eager */
  if (s->use_graph && s->graph) {
    if ((rc = kiln_cu_drv.cuGraphLaunch(s->graph, s->stream)) != 0)
      cu_fail(s, "launching the CUDA graph", rc);
    return;
  }
  s->device_kernel(dev);
}

/* Appends this run's device time (KILN_CUDA_TIMING). */
static void cu_record_time(kiln_cu_session *s) {
  float ms = 0;
  if (kiln_cu_drv.cuEventSynchronize(s->ev_stop) != 0 ||
      kiln_cu_drv.cuEventElapsedTime(&ms, s->ev_start, s->ev_stop) != 0)
    return;
  if (s->runs == s->run_cap) {
    size_t cap = s->run_cap ? 2 * s->run_cap : 64;
    float *grown = (float *)realloc(s->run_ms, cap * sizeof(float));
    if (!grown)
      return;
    s->run_ms = grown;
    s->run_cap = cap;
  }
  s->run_ms[s->runs++] = ms;
}

/* Adds this run's per-launch times to the per-kernel totals. */
static void cu_collect_profile(kiln_cu_session *s) {
  for (size_t i = 0; i < s->num_launches; ++i) {
    struct kiln_cu_launch_event *e = &s->launches[i];
    float ms = 0;
    if (kiln_cu_drv.cuEventElapsedTime(&ms, e->start, e->stop) != 0)
      continue;
    size_t k = 0;
    while (k < s->num_kernel_times && s->kernel_times[k].fn != e->fn)
      ++k;
    if (k == s->num_kernel_times) {
      void *grown = realloc(s->kernel_times, (k + 1) * sizeof(*s->kernel_times));
      if (!grown)
        continue;
      s->kernel_times = grown;
      s->kernel_times[k].fn = e->fn;
      s->kernel_times[k].ms = 0;
      s->kernel_times[k].calls = 0;
      ++s->num_kernel_times;
    }
    s->kernel_times[k].ms += ms;
    s->kernel_times[k].calls += 1;
  }
  s->num_launches = 0;
}

static int has_dynamic_dim(const kiln_rt_tensor_desc *d) {
  for (int32_t k = 0; k < d->rank; ++k)
    if (d->dims[k] < 0)
      return 1;
  return 0;
}

/* Fails the run unless `p` (`bytes` long) is memory the GPU can address. */
static void cu_check_device_pointer(kiln_cu_session *s, const char *kind,
                                    int32_t i, const char *name,
                                    const void *p, size_t bytes) {
  int type = 0;
  if (!bytes || s->failed ||
      kiln_cu_drv.cuPointerGetAttribute(&type,
                                        KILN_CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                        (CUdeviceptr)(uintptr_t)p) == 0)
    return;
  s->failed = 1;
  snprintf(s->error, sizeof(s->error),
           "run: %s %d ('%s'): data is not a CUDA device pointer "
           "(kiln_options.io_memory is KILN_IO_DEVICE)",
           kind, (int)i, name);
}

/* KILN_IO_DEVICE: the frame takes the caller's device pointers as they are;
 * an output with a dynamic dim goes to a session-owned device buffer
 * (kiln_cu_run hands it to the caller). */
static void cu_bind_device_io(kiln_cu_session *s, const kiln_frame *f) {
  const kiln_rt_model *m = &s->model;
  CUresult rc;
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    size_t bytes = tensor_bytes(&m->inputs[i], f->input_shapes[i]);
    cu_check_device_pointer(s, "input", i, m->inputs[i].name, f->inputs[i],
                            bytes);
    s->in_ptrs[i] = f->inputs[i];
  }
  for (int32_t o = 0; o < m->num_outputs; ++o) {
    size_t bytes = tensor_bytes(&m->outputs[o], f->output_shapes[o]);
    if (!has_dynamic_dim(&m->outputs[o])) {
      cu_check_device_pointer(s, "output", o, m->outputs[o].name,
                              f->outputs[o], bytes);
      s->out_ptrs[o] = f->outputs[o];
      continue;
    }
    if ((rc = ensure_device(&s->out_dev[o], &s->out_cap[o], bytes)) != 0)
      return cu_fail(s, "allocating an output on the device", rc);
    s->out_ptrs[o] = (void *)(uintptr_t)s->out_dev[o];
  }
}

/* The model's kernel as the host session sees it (see the file comment). */
static void kiln_cu_trampoline(const kiln_frame *f) {
  kiln_cu_session *s = kiln_cu_current;
  const kiln_rt_model *m = &s->model;
  CUresult rc;
  if (s->io_device) {
    cu_bind_device_io(s, f);
    if (s->failed)
      return;
  }
  for (int32_t i = 0; i < m->num_inputs && !s->io_device; ++i) {
    size_t bytes = tensor_bytes(&m->inputs[i], f->input_shapes[i]);
    if ((rc = ensure_device(&s->in_dev[i], &s->in_cap[i], bytes)) != 0)
      return cu_fail(s, "allocating an input on the device", rc);
    if (bytes && (rc = kiln_cu_drv.cuMemcpyHtoDAsync(
                      s->in_dev[i], f->inputs[i], bytes, s->stream)) != 0)
      return cu_fail(s, "copying an input to the device", rc);
    s->in_ptrs[i] = (void *)(uintptr_t)s->in_dev[i];
  }
  for (int32_t o = 0; o < m->num_outputs && !s->io_device; ++o) {
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
  if (s->ev_start)
    kiln_cu_drv.cuEventRecord(s->ev_start, s->stream);
  cu_launch_run(s, &dev);
  if (s->ev_stop)
    kiln_cu_drv.cuEventRecord(s->ev_stop, s->stream);
  for (int32_t o = 0; o < m->num_outputs && !s->failed && !s->io_device;
       ++o) {
    size_t bytes = tensor_bytes(&m->outputs[o], f->output_shapes[o]);
    if (bytes && (rc = kiln_cu_drv.cuMemcpyDtoHAsync(
                      f->outputs[o], s->out_dev[o], bytes, s->stream)) != 0)
      return cu_fail(s, "copying an output to the host", rc);
  }
  if ((rc = kiln_cu_drv.cuStreamSynchronize(s->stream)) != 0)
    return cu_fail(s, "running the kernels", rc);
  if (s->ev_start && !s->failed)
    cu_record_time(s);
  if (s->profile_path)
    cu_collect_profile(s);
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
  int io = opt ? opt->io_memory : KILN_IO_HOST;
  if (io != KILN_IO_HOST && io != KILN_IO_DEVICE)
    return cu_create_failed(NULL, KILN_ERR_INVALID_ARGUMENT,
                            "kiln_options.io_memory is neither KILN_IO_HOST "
                            "(0) nor KILN_IO_DEVICE (1)");
  if (m && io == KILN_IO_DEVICE) {
    /* Strings are host pointers, and data-dependent outputs are published
     * from host memory: neither can live on the device. */
    for (int32_t k = 0; k < m->num_inputs + m->num_outputs; ++k) {
      const kiln_rt_tensor_desc *d = k < m->num_inputs
                                         ? &m->inputs[k]
                                         : &m->outputs[k - m->num_inputs];
      int data_dependent = 0;
      for (int32_t j = 0; j < d->rank; ++j)
        data_dependent |= d->dims[j] < 0 && (!d->dim_syms || d->dim_syms[j] < 0);
      if (d->dtype == 8 || (k >= m->num_inputs && data_dependent)) {
        char msg[KILN_RT_ERROR_BYTES];
        snprintf(msg, sizeof(msg),
                 "kiln_options.io_memory is KILN_IO_DEVICE, but %s '%s' %s",
                 k < m->num_inputs ? "input" : "output", d->name,
                 d->dtype == 8 ? "is a string tensor"
                               : "has a data-dependent shape");
        return cu_create_failed(NULL, KILN_ERR_INVALID_ARGUMENT, msg);
      }
    }
  }
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
  s->model.flags |= KILN_RT_MODEL_WEIGHTS_IN_PLACE;
  /* The host session only validates and copies: one thread, no pool work. */
  kiln_options host_opt;
  memset(&host_opt, 0, sizeof(host_opt));
  if (opt)
    host_opt = *opt;
  host_opt.threads = 1;
  host_opt.io_memory = KILN_IO_HOST; /* the host session sees the pointers */
  s->io_device = io == KILN_IO_DEVICE;
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
  size_t ndims = 1;
  for (int32_t i = 0; i < m->num_inputs; ++i)
    ndims += (size_t)m->inputs[i].rank;
  s->graph_ptrs = (void **)calloc(n_in + n_out, sizeof(void *));
  s->graph_dims = (int64_t *)calloc(ndims, sizeof(int64_t));
  if (!s->in_dev || !s->out_dev || !s->in_cap || !s->out_cap || !s->in_ptrs ||
      !s->out_ptrs || !s->graph_ptrs || !s->graph_dims)
    return cu_create_failed(s, KILN_ERR_OUT_OF_MEMORY, "out of memory");
  /* Graphs on unless KILN_CUDA_GRAPH=0; profiling times launches one by
   * one, so it runs eagerly. */
  const char *env = getenv("KILN_CUDA_GRAPH");
  s->use_graph = !(env && strcmp(env, "0") == 0);
  env = getenv("KILN_CUDA_PROFILE");
  s->profile_path = env && *env ? env : NULL;
  if (s->profile_path)
    s->use_graph = 0;
  /* Host code that waits for device values cannot be captured. */
  if (m->flags & KILN_RT_MODEL_HOST_READS_DEVICE)
    s->use_graph = 0;
  env = getenv("KILN_CUDA_TIMING");
  s->timing_path = env && *env ? env : NULL;
  char msg[KILN_RT_ERROR_BYTES];
  CUresult cr = kiln_cu_drv.cuCtxSetCurrent(kiln_cu_drv.context);
  if (cr == 0)
    cr = kiln_cu_drv.cuStreamCreate(&s->stream, 0);
  if (cr != 0) {
    snprintf(msg, sizeof(msg), "cannot create a CUDA stream (%s)",
             cu_error_string(cr));
    return cu_create_failed(s, KILN_ERR_BAD_STATE, msg);
  }
  if (s->timing_path &&
      (kiln_cu_drv.cuEventCreate(&s->ev_start, 0) != 0 ||
       kiln_cu_drv.cuEventCreate(&s->ev_stop, 0) != 0))
    return cu_create_failed(s, KILN_ERR_BAD_STATE,
                            "cannot create CUDA events (KILN_CUDA_TIMING)");
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
  rc = kiln_rt_run(s->host, in, n_in, out, n_out);
  /* KILN_IO_DEVICE: a dynamic-dim output was written to the session's
   * device buffer, not to the host buffer the host session set. */
  if (rc == KILN_OK && !s->failed && s->io_device)
    for (int32_t o = 0; o < s->model.num_outputs; ++o)
      if (has_dynamic_dim(&s->model.outputs[o]))
        out[o].data = (void *)(uintptr_t)s->out_dev[o];
  return cu_finish_run(s, rc);
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

static int cu_compare_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static int cu_compare_kernel_time(const void *a, const void *b) {
  double x = ((const struct kiln_cu_kernel_time *)a)->ms;
  double y = ((const struct kiln_cu_kernel_time *)b)->ms;
  return (x < y) - (x > y);
}

/* KILN_CUDA_TIMING / KILN_CUDA_PROFILE reports, appended at destroy. */
static void cu_write_reports(kiln_cu_session *s) {
  FILE *f;
  if (s->timing_path && s->runs && (f = fopen(s->timing_path, "a"))) {
    qsort(s->run_ms, s->runs, sizeof(float), cu_compare_float);
    fprintf(f,
            "runs %zu min_ms %.4f median_ms %.4f graph %d captures %ld "
            "updates %ld\n",
            s->runs, s->run_ms[0], s->run_ms[s->runs / 2], s->use_graph,
            s->graph_captures, s->graph_updates);
    fclose(f);
  }
  if (s->profile_path && s->num_kernel_times &&
      (f = fopen(s->profile_path, "a"))) {
    qsort(s->kernel_times, s->num_kernel_times, sizeof(*s->kernel_times),
          cu_compare_kernel_time);
    double total = 0;
    for (size_t k = 0; k < s->num_kernel_times; ++k)
      total += s->kernel_times[k].ms;
    fprintf(f, "# total_ms calls name (all runs; sum %.3f ms)\n", total);
    for (size_t k = 0; k < s->num_kernel_times; ++k) {
      const char *name = NULL;
      if (kiln_cu_drv.cuFuncGetName)
        kiln_cu_drv.cuFuncGetName(&name, s->kernel_times[k].fn);
      fprintf(f, "%.4f %ld %s\n", s->kernel_times[k].ms,
              s->kernel_times[k].calls, name ? name : "?");
    }
    fclose(f);
  }
}

void kiln_cu_destroy(kiln_cu_session *s) {
  if (!s)
    return;
  if (kiln_cu_drv.ok) {
    kiln_cu_drv.cuCtxSetCurrent(kiln_cu_drv.context);
    if (s->stream)
      kiln_cu_drv.cuStreamSynchronize(s->stream);
    cu_write_reports(s);
    cu_graph_forget(s);
    if (s->ev_start)
      kiln_cu_drv.cuEventDestroy(s->ev_start);
    if (s->ev_stop)
      kiln_cu_drv.cuEventDestroy(s->ev_stop);
    for (size_t i = 0; i < s->launch_cap; ++i) {
      if (s->launches[i].start)
        kiln_cu_drv.cuEventDestroy(s->launches[i].start);
      if (s->launches[i].stop)
        kiln_cu_drv.cuEventDestroy(s->launches[i].stop);
    }
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
  free(s->graph_ptrs);
  free(s->graph_dims);
  free(s->run_ms);
  free(s->launches);
  free(s->kernel_times);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

/* The GPU and driver this process runs on ("" before the first create). */
const char *kiln_cu_device_name(void) { return kiln_cu_drv.device_name; }
int kiln_cu_driver_version(void) { return kiln_cu_drv.driver_version; }
