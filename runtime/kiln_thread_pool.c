/*===- kiln_thread_pool.c - The session thread pool and parallel_for -----===*
 *
 * Each session owns a pool of `threads` threads: the thread calling run plus
 * threads-1 workers started at create (no thread is started inside run).
 * kiln_rt_parallel_for splits [0, n) into min(threads, n) contiguous chunks
 * of near-equal size; chunk 0 runs on the caller, chunk k on worker k.
 *
 * A model's run is a sequence of many short parallel_for calls (one per
 * dispatch, often well under a millisecond each), so handing out a job must
 * not wait for the scheduler to wake a sleeping thread (a futex wake-up,
 * and on a virtual machine the wake-up of a halted vCPU, can cost as much
 * as a small dispatch's whole work). Workers and the caller therefore spin on
 * atomics for a while (KILN_RT_SPIN_US, or the KILN_SPIN_US environment
 * variable at create; 0: never) before they block on a condition variable;
 * the job is published with a release store of `generation`, completion
 * counted down in `pending`. Sleeping is announced in `sleepers` /
 * `caller_sleeping` (sequentially consistent, checked again under the mutex)
 * so that the other side only takes the mutex and signals when someone
 * actually sleeps.
 *
 * A run (kiln_rt_pool_run_begin .. run_end) wakes the workers at its start,
 * so that their wake-up overlaps the run's first serial work, and keeps
 * every thread spinning between its jobs until it ends (the spin time counts
 * from the end of the run): on a VM, a thread that sleeps between two
 * dispatches can take milliseconds to run again. Spinning threads yield the
 * CPU every few microseconds, and run_begin keeps the workers off the CPU
 * the caller runs on: a woken thread is queued on its waker's CPU, where it
 * waited behind the spinning caller until the next tick (cold runs of
 * MobileNetV2 with 2 threads took 2x their warm time).
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "runtime/kiln_internal.h"

/* How long a thread spins for the next job (or the caller for the last
 * chunk) before it sleeps. */
#define KILN_RT_SPIN_US 1000

struct kiln_rt_pool {
  int32_t threads;
  int32_t started; /* workers actually running */
  int64_t spin_ns;
  pthread_t *workers;
  pthread_mutex_t mu;
  pthread_cond_t work_cv;
  pthread_cond_t done_cv;
  _Atomic uint64_t generation;
  _Atomic int32_t stop;
  _Atomic int32_t pending;
  _Atomic int32_t sleepers;        /* workers blocked on work_cv */
  _Atomic int32_t caller_sleeping; /* the caller blocked on done_cv */
  _Atomic int64_t no_spin_until;   /* monotonic ns; see spin_step */
  _Atomic int32_t in_run;          /* between run_begin and run_end */
  _Atomic uint64_t wake_epoch;     /* bumped by every run_begin */
  int caller_cpu; /* the caller's CPU at the last run_begin (-1: none) */
  int has_cpus;   /* whether `cpus` could be read */
  cpu_set_t cpus; /* the workers' CPUs at create (the creator's mask) */
  /* The current job, written before `generation` is bumped. */
  int64_t n;
  int64_t chunks;
  void (*fn)(void *ctx, int64_t begin, int64_t end);
  void *ctx;
  kiln_rt_strings *strings; /* the caller's run's, for string helpers */
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

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* A bounded spin: a pause per step and, every 64 steps, a look at the
 * clock. Spinning only pays while this thread keeps its CPU: a spinning
 * thread that the scheduler preempted (the machine has more runnable
 * threads than CPUs) has used up its claim to be run promptly when the
 * thread it waits for signals, which a sleeping thread keeps. So a gap of
 * more than KILN_RT_PREEMPTED_NS between two looks at the clock ends the
 * spin and turns spinning off for the whole pool for KILN_RT_BACKOFF_NS,
 * when the machine is oversubscribed (see oversubscribed). */
#define KILN_RT_PREEMPTED_NS 200000
#define KILN_RT_BACKOFF_NS 100000000
typedef struct spin_state {
  uint32_t step;
  int64_t start, last;
} spin_state;

static int spin_begin(kiln_rt_pool *p, spin_state *s) {
  if (p->spin_ns <= 0)
    return 0;
  s->step = 0;
  s->start = s->last = now_ns();
  return s->start >= atomic_load_explicit(&p->no_spin_until,
                                          memory_order_relaxed);
}

/* Whether this OS has more runnable threads than online CPUs (the
 * "running/total" field of /proc/loadavg); 1 where that cannot be read.
 * A thread that did not get to run looks the same to the one waiting for
 * it whether other runnable threads took its CPU or, on a virtual machine,
 * the host took the vCPU away for a while; only the first is a reason to
 * stop spinning (nobody else here wants the CPU in the second). Read only
 * when about to back off; no allocation. */
static int oversubscribed(void) {
  char buf[128];
  int fd = open("/proc/loadavg", O_RDONLY);
  if (fd < 0)
    return 1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 1;
  buf[n] = '\0';
  /* "0.52 0.58 0.59 3/111 4242": the number before the '/'. */
  char *slash = buf;
  while (*slash && *slash != '/')
    ++slash;
  if (!*slash)
    return 1;
  char *digits = slash;
  while (digits > buf && digits[-1] >= '0' && digits[-1] <= '9')
    --digits;
  if (digits == slash)
    return 1;
  long running = strtol(digits, NULL, 10);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus <= 0 || running > cpus;
}

static void spin_back_off(kiln_rt_pool *p, int64_t t) {
  if (!oversubscribed())
    return;
  atomic_store_explicit(&p->no_spin_until, t + KILN_RT_BACKOFF_NS,
                        memory_order_relaxed);
}

/* Returns 0 when the thread should stop spinning and sleep; `give_up`:
 * whether running out of spin time counts as a sign of preemption too. */
static int spin_step(kiln_rt_pool *p, spin_state *s, int give_up) {
  cpu_relax();
  if ((++s->step & 63) != 0)
    return 1;
  int64_t t = now_ns();
  if (t - s->last > KILN_RT_PREEMPTED_NS) {
    spin_back_off(p, t);
    return 0;
  }
  if (atomic_load_explicit(&p->in_run, memory_order_relaxed))
    s->start = t;
  if (t - s->start >= p->spin_ns) {
    if (give_up)
      spin_back_off(p, t);
    return 0;
  }
  /* Lets a thread queued on this CPU run (time it spends there is not
   * preemption of this one). */
  sched_yield();
  s->last = now_ns();
  return 1;
}

/* Spins until `generation` differs from `seen` or the pool stops; returns
 * 0 if it gave up first. */
static int spin_for_job(kiln_rt_pool *p, uint64_t seen) {
  spin_state s;
  if (!spin_begin(p, &s))
    return 0;
  for (;;) {
    if (atomic_load_explicit(&p->generation, memory_order_acquire) != seen ||
        atomic_load_explicit(&p->stop, memory_order_relaxed))
      return 1;
    if (!spin_step(p, &s, 0))
      return 0;
  }
}

/* Spins until every worker is done with the current job. Chunks are of
 * equal size, so a worker still busy after the whole spin time was most
 * likely not running: that counts as preemption. */
static int spin_for_workers(kiln_rt_pool *p) {
  spin_state s;
  if (!spin_begin(p, &s))
    return 0;
  for (;;) {
    if (atomic_load_explicit(&p->pending, memory_order_acquire) == 0)
      return 1;
    if (!spin_step(p, &s, 1))
      return 0;
  }
}

static void *worker_main(void *raw) {
  kiln_rt_worker_arg *arg = (kiln_rt_worker_arg *)raw;
  kiln_rt_pool *p = arg->pool;
  int64_t index = arg->index;
  free(arg);
  kiln_rt_in_parallel = 1;
  uint64_t seen = 0;
  for (;;) {
    uint64_t epoch = atomic_load(&p->wake_epoch);
    if (!spin_for_job(p, seen)) {
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleepers, 1);
      while (!atomic_load(&p->stop) && atomic_load(&p->generation) == seen &&
             atomic_load(&p->wake_epoch) == epoch)
        pthread_cond_wait(&p->work_cv, &p->mu);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop))
      return NULL;
    if (atomic_load_explicit(&p->generation, memory_order_acquire) == seen)
      continue; /* woken by run_begin: spin for the run's first job */
    seen = atomic_load_explicit(&p->generation, memory_order_acquire);
    kiln_rt_strings_make_current(p->strings);
    run_chunk(p, index);
    kiln_rt_strings_make_current(NULL);
    /* The last one done wakes the caller if it went to sleep. */
    if (atomic_fetch_sub(&p->pending, 1) == 1 &&
        atomic_load(&p->caller_sleeping)) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->done_cv);
      pthread_mutex_unlock(&p->mu);
    }
  }
}

static int64_t spin_ns_setting(void) {
  int64_t us = KILN_RT_SPIN_US;
  const char *env = getenv("KILN_SPIN_US");
  if (env && *env) {
    char *end = NULL;
    long v = strtol(env, &end, 10);
    if (end && *end == '\0' && v >= 0 && v <= 1000000)
      us = v;
  }
  return us * 1000;
}

kiln_rt_pool *kiln_rt_pool_create(int32_t threads) {
  if (threads < 1)
    threads = 1;
  kiln_rt_pool *p = (kiln_rt_pool *)calloc(1, sizeof(kiln_rt_pool));
  if (!p)
    return NULL;
  p->threads = threads;
  p->spin_ns = spin_ns_setting();
  p->caller_cpu = -1;
  p->has_cpus = sched_getaffinity(0, sizeof p->cpus, &p->cpus) == 0;
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
  atomic_store(&p->stop, 1);
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

/* Allows the workers every CPU they had at create but the one the caller
 * runs on now (all of them when that is the only one); a system call per
 * worker only when the caller's CPU changed since the last run. */
static void keep_off_caller_cpu(kiln_rt_pool *p) {
  int cpu = sched_getcpu();
  if (!p->has_cpus || cpu < 0 || cpu == p->caller_cpu)
    return;
  p->caller_cpu = cpu;
  cpu_set_t set = p->cpus;
  if (cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set)) {
    CPU_CLR(cpu, &set);
    if (CPU_COUNT(&set) == 0)
      set = p->cpus;
  }
  for (int32_t i = 0; i < p->started; ++i)
    pthread_setaffinity_np(p->workers[i], sizeof set, &set);
}

void kiln_rt_pool_run_begin(kiln_rt_pool *p) {
  if (!p || p->started == 0)
    return;
  keep_off_caller_cpu(p);
  atomic_store(&p->in_run, 1);
  atomic_fetch_add(&p->wake_epoch, 1);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
  }
}

void kiln_rt_pool_run_end(kiln_rt_pool *p) {
  if (p)
    atomic_store(&p->in_run, 0);
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
  /* Every worker finished the last job (pending reached 0) before this
   * call: the job fields are free to be rewritten. */
  p->n = n;
  p->chunks = chunks;
  p->fn = fn;
  p->ctx = ctx;
  p->strings = kiln_rt_strings_current();
  atomic_store(&p->pending, p->started);
  atomic_fetch_add(&p->generation, 1);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
  }

  kiln_rt_in_parallel = 1;
  run_chunk(p, 0);
  kiln_rt_in_parallel = 0;

  if (!spin_for_workers(p)) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->caller_sleeping, 1);
    while (atomic_load(&p->pending) > 0)
      pthread_cond_wait(&p->done_cv, &p->mu);
    atomic_store(&p->caller_sleeping, 0);
    pthread_mutex_unlock(&p->mu);
  }
}
