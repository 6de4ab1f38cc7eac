//===- ArenaPlanner.h - static placement of buffers in one arena -*- C++ -*-===//
//
// The placement problem of the static memory plan, apart from the IR: given
// buffers with a byte size and a live interval, choose offsets so that buffers
// live at the same time never overlap, with as small an arena as the greedy
// heuristic finds.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_BUFFERIZE_ARENAPLANNER_H
#define KILN_LOWERING_BUFFERIZE_ARENAPLANNER_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace kiln {

/// One buffer to place: live from `start` to `end` (inclusive positions in
/// program order), needing `size` bytes at an offset multiple of `alignment`.
struct ArenaBuffer {
  int64_t start;
  int64_t end;
  int64_t size;
  int64_t alignment;
};

/// The plan: one offset per buffer (same order) and the arena's size.
struct ArenaPlan {
  std::vector<int64_t> offsets;
  int64_t totalBytes = 0;
};

/// Greedy best-fit by decreasing size: each buffer takes the smallest gap
/// between the already placed buffers whose intervals overlap its own, or the
/// end of them. Deterministic for a given input.
ArenaPlan planArena(llvm::ArrayRef<ArenaBuffer> buffers);

} // namespace kiln

#endif // KILN_LOWERING_BUFFERIZE_ARENAPLANNER_H
