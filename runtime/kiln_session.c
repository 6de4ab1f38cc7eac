/*===- kiln_session.c - Session create/run/destroy and input validation ---===*
 *
 * The generic body of every generated `<m>_create/_run/_destroy/_error`.
 * run validates every input against the model descriptor before the kernel
 * sees a pointer: count, NULL pointers, dtype, rank, non-negative dims,
 * static dims, one value per symbolic dim, element counts that fit in
 * memory. Frame arrays and the arena are allocated at create; run only
 * allocates for outputs with dynamic shapes (see kiln_runtime.h).
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/kiln_internal.h"

/* Message of this thread's last failure that has no session to hold it. */
static _Thread_local char kiln_rt_thread_error[KILN_RT_ERROR_BYTES];

/* The run in progress on this thread, where a failed kernel check returns. */
static _Thread_local kiln_rt_session *kiln_rt_running;
static _Thread_local jmp_buf *kiln_rt_check_jump;

kiln_rt_session *kiln_rt_running_session(void) { return kiln_rt_running; }

void kiln_rt_check_failed(const char *message) {
  kiln_rt_session *s = kiln_rt_running;
  if (!s || !kiln_rt_check_jump) {
    fprintf(stderr, "kiln: run-time check failed outside a run: %s\n",
            message ? message : "");
    abort();
  }
  kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT, "run: %s",
               message ? message : "a run-time check failed");
  longjmp(*kiln_rt_check_jump, 1);
}

static int fail_thread(int code, const char *msg) {
  snprintf(kiln_rt_thread_error, sizeof(kiln_rt_thread_error), "%s", msg);
  return code;
}

int kiln_rt_fail(kiln_rt_session *s, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->error, sizeof(s->error), fmt, ap);
  va_end(ap);
  return code;
}

static void *alloc_aligned(size_t bytes) {
  size_t rounded = (bytes + 63) & ~(size_t)63;
  if (rounded < bytes)
    return NULL;
  return aligned_alloc(64, rounded ? rounded : 64);
}

static int32_t default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    return 1;
  return n > 256 ? 256 : (int32_t)n;
}

static int has_dynamic_dim(const kiln_rt_tensor_desc *t) {
  for (int32_t d = 0; d < t->rank; ++d)
    if (t->dims[d] < 0)
      return 1;
  return 0;
}

/* An output whose size is known only after running: a dynamic dim that no
 * input dim determines (no symbol). The kernel publishes it. */
static int is_data_dependent(const kiln_rt_tensor_desc *t) {
  for (int32_t d = 0; d < t->rank; ++d)
    if (t->dims[d] < 0 && (!t->dim_syms || t->dim_syms[d] < 0))
      return 1;
  return 0;
}

static int create_failed(kiln_rt_session *s, int code) {
  snprintf(kiln_rt_thread_error, sizeof(kiln_rt_thread_error), "%s",
           s->error);
  kiln_rt_destroy(s);
  return code;
}

int kiln_rt_create(const kiln_rt_model *m, kiln_rt_session **out,
                   const kiln_options *opt) {
  if (!out)
    return fail_thread(KILN_ERR_INVALID_ARGUMENT,
                       "create: the session out-pointer is NULL");
  *out = NULL;
  if (!m || m->abi_version != KILN_RT_ABI_VERSION)
    return fail_thread(KILN_ERR_BAD_STATE,
                       "create: model descriptor of another runtime ABI");
  /* Device pointers need the CUDA runtime (kiln_cu_create clears the
   * option before it creates its host session): never ignore it here. */
  if (opt && opt->io_memory == KILN_IO_DEVICE)
    return fail_thread(KILN_ERR_INVALID_ARGUMENT,
                       "create: kiln_options.io_memory is KILN_IO_DEVICE, "
                       "but this model was compiled for the CPU (device "
                       "pointers need --target cuda)");
  if (opt && opt->io_memory != KILN_IO_HOST)
    return fail_thread(KILN_ERR_INVALID_ARGUMENT,
                       "create: kiln_options.io_memory is neither "
                       "KILN_IO_HOST (0) nor KILN_IO_DEVICE (1)");
  kiln_rt_session *s = (kiln_rt_session *)calloc(1, sizeof(kiln_rt_session));
  if (!s)
    return fail_thread(KILN_ERR_OUT_OF_MEMORY, "create: out of memory");
  s->model = m;
  s->threads = opt && opt->threads > 0 ? opt->threads : default_threads();
  if (s->threads > 1024)
    s->threads = 1024;

  if (m->weights_in_file) {
    char fallback[KILN_RT_ERROR_BYTES];
    const char *path = opt ? opt->weights_path : NULL;
    if (!path) {
      snprintf(fallback, sizeof(fallback), "%s.weights", m->name);
      path = fallback;
    }
    int rc = kiln_rt_map_weights(m, path, &s->mapping, s->error);
    if (rc != KILN_OK)
      return create_failed(s, rc);
    s->weights = s->mapping.blob;
  } else {
    s->weights = kiln_rt_acquire_weights(m);
  }

  size_t n_in = (size_t)m->num_inputs, n_out = (size_t)m->num_outputs;
  size_t out_dims = 0;
  for (size_t o = 0; o < n_out; ++o)
    out_dims += (size_t)m->outputs[o].rank;
  if (m->workspace_bytes > 0) {
    if (m->workspace_bytes >= KILN_RT_LARGE_BYTES &&
        m->workspace_bytes <= (uint64_t)SIZE_MAX)
      s->arena = kiln_rt_large_alloc((size_t)m->workspace_bytes,
                                     &s->arena_mapped);
    if (!s->arena && (m->workspace_bytes > (uint64_t)SIZE_MAX - 64 ||
                      !(s->arena = alloc_aligned((size_t)m->workspace_bytes)))) {
      kiln_rt_fail(s, KILN_ERR_OUT_OF_MEMORY,
                   "create: cannot allocate the %llu-byte workspace",
                   (unsigned long long)m->workspace_bytes);
      return create_failed(s, KILN_ERR_OUT_OF_MEMORY);
    }
  }
  s->in_ptrs = (void **)calloc(n_in + 1, sizeof(void *));
  s->in_shapes = (const int64_t **)calloc(n_in + 1, sizeof(int64_t *));
  s->out_ptrs = (void **)calloc(n_out + 1, sizeof(void *));
  s->out_shapes = (const int64_t **)calloc(n_out + 1, sizeof(int64_t *));
  s->out_dims = (int64_t *)calloc(out_dims + 1, sizeof(int64_t));
  s->sym_values = (int64_t *)calloc((size_t)m->num_symbols + 1, sizeof(int64_t));
  s->infer_in = (kiln_tensor *)calloc(n_in + 1, sizeof(kiln_tensor));
  s->infer_out = (kiln_tensor *)calloc(n_out + 1, sizeof(kiln_tensor));
  s->out_buffers = (kiln_rt_buffer *)calloc(n_out + 1, sizeof(kiln_rt_buffer));
  s->published = (unsigned char *)calloc(n_out + 1, 1);
  if (!s->in_ptrs || !s->in_shapes || !s->out_ptrs || !s->out_shapes ||
      !s->out_dims || !s->sym_values || !s->infer_in || !s->infer_out ||
      !s->out_buffers || !s->published) {
    kiln_rt_fail(s, KILN_ERR_OUT_OF_MEMORY, "create: out of memory");
    return create_failed(s, KILN_ERR_OUT_OF_MEMORY);
  }
  size_t off = 0;
  for (size_t o = 0; o < n_out; ++o) {
    s->out_shapes[o] = s->out_dims + off;
    off += (size_t)m->outputs[o].rank;
  }
  if (kiln_rt_strings_init(&s->strings) != KILN_OK ||
      kiln_rt_heap_init(&s->heap) != KILN_OK) {
    kiln_rt_fail(s, KILN_ERR_OUT_OF_MEMORY, "create: out of memory");
    return create_failed(s, KILN_ERR_OUT_OF_MEMORY);
  }
  s->pool = kiln_rt_pool_create(s->threads);
  if (!s->pool) {
    kiln_rt_fail(s, KILN_ERR_OUT_OF_MEMORY,
                 "create: cannot start a pool of %d threads", (int)s->threads);
    return create_failed(s, KILN_ERR_OUT_OF_MEMORY);
  }
  *out = s;
  return KILN_OK;
}

void kiln_rt_destroy(kiln_rt_session *s) {
  if (!s)
    return;
  kiln_rt_pool_destroy(s->pool);
  kiln_rt_strings_free(&s->strings);
  kiln_rt_heap_free(&s->heap);
  if (s->out_buffers)
    for (int32_t o = 0; o < s->model->num_outputs; ++o)
      free(s->out_buffers[o].data);
  free(s->out_buffers);
  free(s->published);
  free(s->infer_in);
  free(s->infer_out);
  free(s->sym_values);
  free(s->out_dims);
  free(s->out_shapes);
  free(s->out_ptrs);
  free(s->in_shapes);
  free(s->in_ptrs);
  if (s->arena_mapped)
    kiln_rt_large_free(s->arena, s->arena_mapped);
  else
    free(s->arena);
  if (!s->model->weights_in_file)
    kiln_rt_release_weights(s->model, s->weights);
  kiln_rt_unmap_weights(&s->mapping);
  free(s);
}

const char *kiln_rt_error(const kiln_rt_session *s) {
  return s ? s->error : kiln_rt_thread_error;
}

/* Checks one input against its descriptor and binds its symbols. */
static int check_input(kiln_rt_session *s, size_t i, const kiln_tensor *t) {
  const kiln_rt_model *m = s->model;
  const kiln_rt_tensor_desc *d = &m->inputs[i];
  if (t->dtype != d->dtype)
    return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                        "input %zu ('%s'): dtype %d, expected %d", i, d->name,
                        (int)t->dtype, (int)d->dtype);
  if (t->rank != d->rank)
    return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                        "input %zu ('%s'): rank %d, expected %d", i, d->name,
                        (int)t->rank, (int)d->rank);
  if (d->rank > 0 && !t->shape)
    return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                        "input %zu ('%s'): shape is NULL", i, d->name);
  size_t elem = kiln_rt_dtype_size(d->dtype);
  uint64_t count = 1;
  for (int32_t k = 0; k < d->rank; ++k) {
    int64_t v = t->shape[k];
    if (v < 0)
      return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                          "input %zu ('%s'): dim %d is negative (%lld)", i,
                          d->name, (int)k, (long long)v);
    if (d->dims[k] >= 0 && v != d->dims[k])
      return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                          "input %zu ('%s'): dim %d is %lld, expected %lld", i,
                          d->name, (int)k, (long long)v,
                          (long long)d->dims[k]);
    int32_t sym = d->dim_syms ? d->dim_syms[k] : -1;
    if (sym >= 0 && sym < m->num_symbols) {
      if (s->sym_values[sym] < 0)
        s->sym_values[sym] = v;
      else if (s->sym_values[sym] != v)
        return kiln_rt_fail(
            s, KILN_ERR_INVALID_ARGUMENT,
            "input %zu ('%s'): dim %d ('%s') is %lld, but '%s' is %lld in "
            "an earlier input",
            i, d->name, (int)k, m->symbols[sym].name, (long long)v,
            m->symbols[sym].name, (long long)s->sym_values[sym]);
    }
    if (v != 0 && count > (uint64_t)(SIZE_MAX / (elem ? elem : 1)) / (uint64_t)v)
      return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                          "input %zu ('%s'): element count overflows", i,
                          d->name);
    count *= (uint64_t)v;
  }
  if (!t->data && count > 0)
    return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                        "input %zu ('%s'): data is NULL", i, d->name);
  return KILN_OK;
}

/* Derives output o's shape and picks its buffer. */
static int prepare_output(kiln_rt_session *s, size_t o, const kiln_tensor *t) {
  const kiln_rt_model *m = s->model;
  const kiln_rt_tensor_desc *d = &m->outputs[o];
  int64_t *dims = s->out_dims + (s->out_shapes[o] - s->out_dims);
  size_t elem = kiln_rt_dtype_size(d->dtype);
  uint64_t count = 1;
  if (is_data_dependent(d)) {
    /* The kernel publishes it (kiln_rt_publish_output). */
    s->out_ptrs[o] = NULL;
    s->published[o] = 0;
    return KILN_OK;
  }
  for (int32_t k = 0; k < d->rank; ++k) {
    int64_t v = d->dims[k];
    if (v < 0) {
      int32_t sym = d->dim_syms ? d->dim_syms[k] : -1;
      if (sym < 0 || sym >= m->num_symbols || s->sym_values[sym] < 0)
        return kiln_rt_fail(s, KILN_ERR_BAD_STATE,
                            "output %zu ('%s'): dim %d has no input to take "
                            "its value from",
                            o, d->name, (int)k);
      v = s->sym_values[sym];
    }
    dims[k] = v;
    if (v != 0 && count > (uint64_t)(SIZE_MAX / (elem ? elem : 1)) / (uint64_t)v)
      return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                          "output %zu ('%s'): element count overflows", o,
                          d->name);
    count *= (uint64_t)v;
  }
  size_t bytes = (size_t)count * elem;
  /* String outputs are session-owned whatever their shape. */
  if (!has_dynamic_dim(d) && d->dtype != 8) {
    if (!t->data && bytes > 0)
      return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                          "output %zu ('%s'): data is NULL (static outputs "
                          "are written into a caller buffer of %zu bytes)",
                          o, d->name, bytes);
    s->out_ptrs[o] = t->data;
    return KILN_OK;
  }
  kiln_rt_buffer *b = &s->out_buffers[o];
  if (!b->data || b->capacity < bytes) {
    void *fresh = alloc_aligned(bytes);
    if (!fresh)
      return kiln_rt_fail(s, KILN_ERR_OUT_OF_MEMORY,
                          "output %zu ('%s'): cannot allocate %zu bytes", o,
                          d->name, bytes);
    free(b->data);
    b->data = fresh;
    b->capacity = bytes;
  }
  s->out_ptrs[o] = b->data;
  return KILN_OK;
}

void kiln_rt_publish_output(int32_t o, const void *data,
                            const int64_t *dims_strides) {
  kiln_rt_session *s = kiln_rt_running;
  if (!s)
    kiln_rt_check_failed("an output was published outside a run");
  const kiln_rt_model *m = s->model;
  if (o < 0 || o >= m->num_outputs || !is_data_dependent(&m->outputs[o]))
    kiln_rt_check_failed("the kernel published an output the model does not "
                         "compute at run time");
  const kiln_rt_tensor_desc *d = &m->outputs[o];
  int32_t rank = d->rank;
  const int64_t *dims = dims_strides, *strides = dims_strides + rank;
  int64_t *out_dims = s->out_dims + (s->out_shapes[o] - s->out_dims);
  size_t elem = kiln_rt_dtype_size(d->dtype);
  uint64_t count = 1;
  for (int32_t k = 0; k < rank; ++k) {
    int64_t v = dims[k];
    if (v < 0 || (d->dims[k] >= 0 && v != d->dims[k])) {
      kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                   "run: output %d ('%s') dim %d is %lld, expected %lld",
                   (int)o, d->name, (int)k, (long long)v,
                   (long long)d->dims[k]);
      longjmp(*kiln_rt_check_jump, 1);
    }
    if (v != 0 && count > (uint64_t)(SIZE_MAX / (elem ? elem : 1)) / (uint64_t)v)
      kiln_rt_check_failed("an output's element count overflows");
    count *= (uint64_t)v;
    out_dims[k] = v;
  }
  size_t bytes = (size_t)count * elem;
  kiln_rt_buffer *b = &s->out_buffers[o];
  if (!b->data || b->capacity < bytes) {
    void *fresh = alloc_aligned(bytes);
    if (!fresh) {
      kiln_rt_fail(s, KILN_ERR_OUT_OF_MEMORY,
                   "run: output %d ('%s'): cannot allocate %zu bytes", (int)o,
                   d->name, bytes);
      longjmp(*kiln_rt_check_jump, 1);
    }
    free(b->data);
    b->data = fresh;
    b->capacity = bytes;
  }
  /* Strided source (element strides), dense row-major destination. */
  int64_t index[64] = {0};
  const char *src = (const char *)data;
  char *dst = (char *)b->data;
  if (rank > 64)
    kiln_rt_check_failed("an output of rank above 64 was published");
  for (uint64_t n = 0; n < count; ++n) {
    int64_t offset = 0;
    for (int32_t k = 0; k < rank; ++k)
      offset += index[k] * strides[k];
    memcpy(dst + n * elem, src + offset * (int64_t)elem, elem);
    for (int32_t k = rank - 1; k >= 0; --k) {
      if (++index[k] < dims[k])
        break;
      index[k] = 0;
    }
  }
  s->out_ptrs[o] = b->data;
  s->published[o] = 1;
}

/* Runs the kernel; a failed run-time check (kiln_rt_check_failed) comes back
 * here through longjmp, and the heap buffers the kernel had not freed yet
 * are freed. Nothing this function keeps in locals changes between setjmp
 * and longjmp. */
static int run_kernel(kiln_rt_session *s, const kiln_frame *frame) {
  jmp_buf jump;
  kiln_rt_session *outer = kiln_rt_running;
  jmp_buf *outer_jump = kiln_rt_check_jump;
  kiln_rt_strings *outer_strings = kiln_rt_strings_current();
  kiln_rt_heap *outer_heap = kiln_rt_heap_make_current(NULL);
  if (setjmp(jump)) {
    kiln_rt_pool_run_end(s->pool);
    kiln_rt_running = outer;
    kiln_rt_check_jump = outer_jump;
    kiln_rt_strings_make_current(outer_strings);
    kiln_rt_heap_make_current(outer_heap);
    kiln_rt_heap_release(&s->heap);
    return KILN_ERR_INVALID_ARGUMENT;
  }
  kiln_rt_running = s;
  kiln_rt_check_jump = &jump;
  kiln_rt_strings_make_current(&s->strings);
  kiln_rt_heap_make_current(&s->heap);
  kiln_rt_pool_run_begin(s->pool);
  s->model->kernel(frame);
  kiln_rt_pool_run_end(s->pool);
  kiln_rt_running = outer;
  kiln_rt_check_jump = outer_jump;
  kiln_rt_strings_make_current(outer_strings);
  kiln_rt_heap_make_current(outer_heap);
  kiln_rt_heap_forget(&s->heap);
  return KILN_OK;
}

int kiln_rt_run(kiln_rt_session *s, const kiln_tensor *in, size_t n_in,
                kiln_tensor *out, size_t n_out) {
  if (!s)
    return fail_thread(KILN_ERR_INVALID_ARGUMENT,
                       "run: the session is NULL (did create fail?)");
  const kiln_rt_model *m = s->model;
  if (n_in != (size_t)m->num_inputs)
    return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                        "run: %zu inputs given, model '%s' takes %d", n_in,
                        m->name, (int)m->num_inputs);
  if (n_out != (size_t)m->num_outputs)
    return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                        "run: %zu outputs given, model '%s' has %d", n_out,
                        m->name, (int)m->num_outputs);
  if ((n_in > 0 && !in) || (n_out > 0 && !out))
    return kiln_rt_fail(s, KILN_ERR_INVALID_ARGUMENT,
                        "run: the %s array is NULL", !out ? "output" : "input");
  for (int32_t k = 0; k < m->num_symbols; ++k)
    s->sym_values[k] = -1;
  for (size_t i = 0; i < n_in; ++i) {
    int rc = check_input(s, i, &in[i]);
    if (rc != KILN_OK)
      return rc;
    s->in_ptrs[i] = in[i].data;
    s->in_shapes[i] = in[i].shape;
  }
  for (size_t o = 0; o < n_out; ++o) {
    int rc = prepare_output(s, o, &out[o]);
    if (rc != KILN_OK)
      return rc;
  }
  kiln_frame frame;
  frame.weights = s->weights;
  frame.arena = s->arena;
  frame.inputs = s->in_ptrs;
  frame.input_shapes = s->in_shapes;
  frame.outputs = s->out_ptrs;
  frame.output_shapes = s->out_shapes;
  frame.runtime = s->pool;
  /* The previous run's strings (its string outputs) die here. */
  kiln_rt_strings_reset(&s->strings);
  if (run_kernel(s, &frame) != KILN_OK)
    return KILN_ERR_INVALID_ARGUMENT;
  if (s->strings.failed)
    return kiln_rt_fail(s, s->strings.failed, "%s", s->strings.error);
  for (size_t o = 0; o < n_out; ++o)
    if (is_data_dependent(&m->outputs[o]) && !s->published[o])
      return kiln_rt_fail(s, KILN_ERR_BAD_STATE,
                          "run: the kernel did not publish output %zu ('%s')",
                          o, m->outputs[o].name);
  for (size_t o = 0; o < n_out; ++o) {
    if (m->outputs[o].dtype != 8)
      continue;
    size_t count = 1;
    for (int32_t k = 0; k < m->outputs[o].rank; ++k)
      count *= (size_t)s->out_shapes[o][k];
    if (count > 0 &&
        kiln_rt_strings_adopt(&s->strings, (const char **)s->out_ptrs[o],
                              count) != KILN_OK)
      return kiln_rt_fail(s, KILN_ERR_OUT_OF_MEMORY, "%s", s->strings.error);
  }
  for (size_t o = 0; o < n_out; ++o) {
    out[o].data = s->out_ptrs[o];
    out[o].shape = s->out_shapes[o];
    out[o].rank = m->outputs[o].rank;
    out[o].dtype = m->outputs[o].dtype;
  }
  return KILN_OK;
}

int kiln_rt_infer(kiln_rt_session *s, const void *const *in,
                  void *const *out) {
  if (!s)
    return fail_thread(KILN_ERR_INVALID_ARGUMENT,
                       "infer: the session is NULL (did create fail?)");
  const kiln_rt_model *m = s->model;
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const kiln_rt_tensor_desc *d = &m->inputs[i];
    if (has_dynamic_dim(d))
      return kiln_rt_fail(s, KILN_ERR_BAD_STATE,
                          "infer: input '%s' has a dynamic shape; use run",
                          d->name);
    /* The runtime never writes through an input's data pointer. */
    kiln_tensor t = {NULL, d->dims, d->rank, d->dtype};
    memcpy(&t.data, &in[i], sizeof(void *));
    s->infer_in[i] = t;
  }
  for (int32_t o = 0; o < m->num_outputs; ++o) {
    const kiln_rt_tensor_desc *d = &m->outputs[o];
    kiln_tensor t = {out[o], NULL, d->rank, d->dtype};
    s->infer_out[o] = t;
  }
  return kiln_rt_run(s, s->infer_in, (size_t)m->num_inputs, s->infer_out,
                     (size_t)m->num_outputs);
}
