/*===- kiln_internal.h - Runtime-private structures ------------------------===*
 *
 * The session and thread pool layouts shared by the runtime's C files. Not
 * installed, not part of any generated header.
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_KILN_INTERNAL_H
#define KILN_RUNTIME_KILN_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/kiln_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_RT_ERROR_BYTES 512

typedef struct kiln_rt_pool kiln_rt_pool;

/// Starts a pool of `threads` threads (the caller counts as one; threads-1
/// workers are created). Returns NULL on failure.
kiln_rt_pool *kiln_rt_pool_create(int32_t threads);
void kiln_rt_pool_destroy(kiln_rt_pool *pool);
/// Brackets one run of a model on the pool: run_begin wakes sleeping
/// workers and keeps them off the caller's CPU; until run_end, threads
/// between jobs spin (yielding) instead of sleeping. NULL: nothing.
void kiln_rt_pool_run_begin(kiln_rt_pool *pool);
void kiln_rt_pool_run_end(kiln_rt_pool *pool);

/// Chunk `c` of `chunks` over [0, n): [*begin, *end).
void kiln_rt_chunk(int64_t n, int64_t chunks, int64_t c, int64_t *begin,
                   int64_t *end);

/// Weights mapped from a `.weights` file.
typedef struct kiln_rt_mapping {
  void *base;  /* whole mapping (header included) */
  size_t size; /* mapping size */
  const void *blob;
} kiln_rt_mapping;

/// Maps `path` read-only and checks its header against the model. On
/// failure writes a message into err (KILN_RT_ERROR_BYTES) and returns an
/// error code.
int kiln_rt_map_weights(const kiln_rt_model *m, const char *path,
                        kiln_rt_mapping *map, char *err);
void kiln_rt_unmap_weights(kiln_rt_mapping *map);

/// Weights and arenas of at least this size live in 2 MiB pages.
#define KILN_RT_LARGE_BYTES ((uint64_t)4 << 20)

/// `bytes` of zeroed read-write memory starting on a 2 MiB boundary, advised
/// for transparent huge pages; *mapped receives the size to free. NULL when
/// the system has no memory for it.
void *kiln_rt_large_alloc(size_t bytes, size_t *mapped);
void kiln_rt_large_free(void *p, size_t mapped);

/// The weights a session of `m` reads: for embedded weights of at least
/// KILN_RT_LARGE_BYTES, one read-only copy in huge pages shared by the
/// process's sessions of `m` (counted); otherwise, or when the copy cannot
/// be made, m->weights itself. Pair with kiln_rt_release_weights.
const void *kiln_rt_acquire_weights(const kiln_rt_model *m);
void kiln_rt_release_weights(const kiln_rt_model *m, const void *weights);

/// Output buffer owned by a session (dynamic-shape outputs only).
typedef struct kiln_rt_buffer {
  void *data;
  size_t capacity;
} kiln_rt_buffer;

/// The strings a run makes (StringConcat, StringSplit, StringNormalizer):
/// bump-allocated in chunks the session owns, so that string outputs stay
/// valid until the next run or destroy. Helpers may run on pool workers, so
/// allocation takes `mu`. A helper that cannot finish (out of memory, text it
/// cannot process) records the first failure here and returns a NULL element;
/// run then fails with that message.
typedef struct kiln_rt_str_chunk kiln_rt_str_chunk;
typedef struct kiln_rt_strings {
  pthread_mutex_t mu;
  int32_t ready;    /* mu initialized */
  int32_t failed;   /* KILN_ERR_* of the first failure, 0 if none */
  uint64_t generation; /* unique per run (process-wide counter) */
  kiln_rt_str_chunk *chunks; /* newest (and largest) first */
  char error[KILN_RT_ERROR_BYTES];
} kiln_rt_strings;

/// 0 on success. A zeroed kiln_rt_strings is valid to free.
int kiln_rt_strings_init(kiln_rt_strings *st);
/// Starts a run: drops the previous run's strings (keeping the largest
/// chunk for reuse), clears the failure and takes a new generation.
void kiln_rt_strings_reset(kiln_rt_strings *st);
void kiln_rt_strings_free(kiln_rt_strings *st);
/// Makes the `n` string elements at `elems` session-owned: each element not
/// in the session's chunks (an input's string passed through) is copied
/// there, a NULL element becomes "". Returns KILN_OK or
/// KILN_ERR_OUT_OF_MEMORY.
int kiln_rt_strings_adopt(kiln_rt_strings *st, const char **elems, size_t n);

/// The kernel's heap buffers of a session's run (kiln_heap.c): a list, so
/// that a failed run-time check can free what the kernel still held. Each
/// block starts with this 32-byte header (the caller's pointer keeps
/// malloc's 16-byte alignment); `head` is the list's sentinel.
typedef struct kiln_rt_heap kiln_rt_heap;
typedef struct kiln_rt_heap_block {
  struct kiln_rt_heap_block *prev, *next;
  kiln_rt_heap *heap; /* NULL: not linked (made outside a run's thread) */
  size_t reserved;
} kiln_rt_heap_block;
struct kiln_rt_heap {
  pthread_mutex_t mu;
  int32_t ready; /* mu initialized */
  kiln_rt_heap_block head;
};

/// 0 on success. A zeroed kiln_rt_heap is valid to free.
int kiln_rt_heap_init(kiln_rt_heap *h);
void kiln_rt_heap_free(kiln_rt_heap *h);
/// The heap that blocks allocated on this thread join (NULL: none); set by
/// run around the kernel. Setting it returns the previous one.
kiln_rt_heap *kiln_rt_heap_make_current(kiln_rt_heap *h);
/// Frees every block still linked (after a failed check).
void kiln_rt_heap_release(kiln_rt_heap *h);
/// Unlinks every block still linked without freeing it (after a run that
/// completed: none should be left, and any that is stays a visible leak).
void kiln_rt_heap_forget(kiln_rt_heap *h);

/// The string arena of the run on this thread (NULL outside a run): set by
/// run for the kernel and by the pool for the chunks it runs. Setting it
/// returns the previous one.
kiln_rt_strings *kiln_rt_strings_current(void);
kiln_rt_strings *kiln_rt_strings_make_current(kiln_rt_strings *st);

struct kiln_rt_session {
  const kiln_rt_model *model;
  int32_t threads;
  const void *weights;
  kiln_rt_mapping mapping;
  void *arena;
  size_t arena_mapped; /* nonzero: arena from kiln_rt_large_alloc */
  kiln_rt_pool *pool;
  /* Frame arrays, one slot per input/output, preallocated at create. */
  void **in_ptrs;
  const int64_t **in_shapes;
  void **out_ptrs;
  const int64_t **out_shapes;
  int64_t *out_dims; /* all output dims, outputs back to back */
  int64_t *sym_values;
  kiln_tensor *infer_in; /* tensors kiln_rt_infer builds, preallocated */
  kiln_tensor *infer_out;
  kiln_rt_buffer *out_buffers;
  unsigned char *published; /* data-dependent outputs the kernel published */
  kiln_rt_strings strings;  /* strings made by the last run */
  uint64_t random_draws;    /* unseeded random ops run so far (kiln_random.c) */
  kiln_rt_heap heap;        /* the kernel's heap buffers during a run */
  char error[KILN_RT_ERROR_BYTES];
};

/// The session whose kernel runs on this thread (NULL outside a run and on
/// pool workers).
kiln_rt_session *kiln_rt_running_session(void);

/// Dispatch timers of --profile builds (kiln_profile.c): the monotonic
/// clock in nanoseconds, and adding the time since `start` and one call to
/// slot[0] and slot[1].
int64_t kiln_rt_prof_now(void);
void kiln_rt_prof_add(int64_t *slot, int64_t start);

/// printf-style message into s->error; returns `code`.
int kiln_rt_fail(kiln_rt_session *s, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_KILN_INTERNAL_H */
