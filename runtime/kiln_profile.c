/*===- kiln_profile.c - Dispatch timers of models built with --profile -----===*
 *
 * `kiln compile --profile` puts `t = kiln_rt_prof_now()` before every
 * dispatch of the kernel and `kiln_rt_prof_add(slot, t)` after it
 * (codegen/cpu/InstrumentDispatches.cpp); slot points at the dispatch's
 * {nanoseconds, calls} pair in the model's exported
 * `<m>_profile_counters`. Models compiled without --profile never call
 * these, and the linker drops them.
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <time.h>

#include "runtime/kiln_internal.h"

int64_t kiln_rt_prof_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void kiln_rt_prof_add(int64_t *slot, int64_t start) {
  int64_t elapsed = kiln_rt_prof_now() - start;
  /* Sessions of one model may run concurrently: they share the counters. */
  __atomic_fetch_add(&slot[0], elapsed, __ATOMIC_RELAXED);
  __atomic_fetch_add(&slot[1], 1, __ATOMIC_RELAXED);
}
