/*===- kiln_random.c - Streams of the unseeded random ops -----------------===*
 *
 * The random ops are counter-based: each element's bits are a hash of the
 * op's stream and the element's index, computed inline by the lowered code
 * (lowering/to-linalg/Random.cpp), so the numbers never depend on the
 * thread count. A seeded op's stream is its seed. An unseeded op takes a
 * fresh stream from the session here each time it runs: the session counts
 * its unseeded draws, one session runs on one thread at a time, and the
 * draw is taken on the thread running the kernel, so no lock is needed.
 *===----------------------------------------------------------------------===*/

#include "runtime/kiln_internal.h"

int64_t kiln_rt_random_draw(void) {
  kiln_rt_session *s = kiln_rt_running_session();
  if (!s)
    return 0;
  return (int64_t)s->random_draws++;
}
