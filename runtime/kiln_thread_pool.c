/*===- kiln_thread_pool.c - The session thread pool and parallel_for -----===*
 *
 * Each session owns a pool of `threads` threads: the thread calling run plus
 * threads-1 workers started at create (no thread is started inside run).
 * kiln_rt_parallel_for splits [0, n) into min(threads, n) contiguous chunks
 * of near-equal size; chunk 0 runs on the caller, chunk k on worker k.
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdlib.h>

#include "runtime/kiln_internal.h"

struct kiln_rt_pool {
  int32_t threads;
  int32_t started; /* workers actually running */
  pthread_t *workers;
  pthread_mutex_t mu;
  pthread_cond_t work_cv;
  pthread_cond_t done_cv;
  uint64_t generation;
  int32_t stop;
  int32_t pending;
  /* The current job. */
  int64_t n;
  int64_t chunks;
  void (*fn)(void *ctx, int64_t begin, int64_t end);
  void *ctx;
};

typedef struct kiln_rt_worker_arg {
  kiln_rt_pool *pool;
  int64_t index;
} kiln_rt_worker_arg;

/* Set while a thread runs a chunk: nested parallel_for calls run serially. */
static _Thread_local int kiln_rt_in_parallel;

void kiln_rt_chunk(int64_t n, int64_t chunks, int64_t c, int64_t *begin,
                   int64_t *end) {
  int64_t base = n / chunks, extra = n % chunks;
  *begin = c * base + (c < extra ? c : extra);
  *end = *begin + base + (c < extra ? 1 : 0);
}

static void run_chunk(kiln_rt_pool *p, int64_t c) {
  int64_t begin, end;
  if (c >= p->chunks)
    return;
  kiln_rt_chunk(p->n, p->chunks, c, &begin, &end);
  if (begin < end)
    p->fn(p->ctx, begin, end);
}

static void *worker_main(void *raw) {
  kiln_rt_worker_arg *arg = (kiln_rt_worker_arg *)raw;
  kiln_rt_pool *p = arg->pool;
  int64_t index = arg->index;
  free(arg);
  kiln_rt_in_parallel = 1;
  uint64_t seen = 0;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->generation == seen)
      pthread_cond_wait(&p->work_cv, &p->mu);
    if (p->stop) {
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    seen = p->generation;
    pthread_mutex_unlock(&p->mu);
    run_chunk(p, index);
    pthread_mutex_lock(&p->mu);
    if (--p->pending == 0)
      pthread_cond_signal(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
  }
}

kiln_rt_pool *kiln_rt_pool_create(int32_t threads) {
  if (threads < 1)
    threads = 1;
  kiln_rt_pool *p = (kiln_rt_pool *)calloc(1, sizeof(kiln_rt_pool));
  if (!p)
    return NULL;
  p->threads = threads;
  if (pthread_mutex_init(&p->mu, NULL) != 0) {
    free(p);
    return NULL;
  }
  pthread_cond_init(&p->work_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  if (threads == 1)
    return p;
  p->workers = (pthread_t *)calloc((size_t)threads - 1, sizeof(pthread_t));
  if (!p->workers) {
    kiln_rt_pool_destroy(p);
    return NULL;
  }
  for (int32_t i = 1; i < threads; ++i) {
    kiln_rt_worker_arg *arg =
        (kiln_rt_worker_arg *)malloc(sizeof(kiln_rt_worker_arg));
    if (!arg) {
      kiln_rt_pool_destroy(p);
      return NULL;
    }
    arg->pool = p;
    arg->index = i;
    if (pthread_create(&p->workers[i - 1], NULL, worker_main, arg) != 0) {
      free(arg);
      kiln_rt_pool_destroy(p);
      return NULL;
    }
    p->started = i;
  }
  return p;
}

void kiln_rt_pool_destroy(kiln_rt_pool *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  for (int32_t i = 0; i < p->started; ++i)
    pthread_join(p->workers[i], NULL);
  free(p->workers);
  pthread_cond_destroy(&p->work_cv);
  pthread_cond_destroy(&p->done_cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

int32_t kiln_rt_num_threads(void *runtime) {
  return runtime ? ((kiln_rt_pool *)runtime)->threads : 1;
}

void kiln_rt_parallel_for(void *runtime, int64_t n,
                          void (*fn)(void *ctx, int64_t begin, int64_t end),
                          void *ctx) {
  kiln_rt_pool *p = (kiln_rt_pool *)runtime;
  if (n <= 0 || !fn)
    return;
  if (!p || p->started == 0 || kiln_rt_in_parallel || n == 1) {
    fn(ctx, 0, n);
    return;
  }
  int64_t chunks = p->started + 1;
  if (chunks > n)
    chunks = n;
  pthread_mutex_lock(&p->mu);
  p->n = n;
  p->chunks = chunks;
  p->fn = fn;
  p->ctx = ctx;
  p->pending = p->started;
  p->generation++;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);

  kiln_rt_in_parallel = 1;
  run_chunk(p, 0);
  kiln_rt_in_parallel = 0;

  pthread_mutex_lock(&p->mu);
  while (p->pending > 0)
    pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
