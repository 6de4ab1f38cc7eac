//===- ArenaPlanner.cpp - greedy best-fit placement over live intervals ---===//

#include "lowering/bufferize/ArenaPlanner.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <numeric>

namespace kiln {

ArenaPlan planArena(llvm::ArrayRef<ArenaBuffer> buffers) {
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);

  // Largest first (ties: earliest first, then input order) so big buffers
  // claim low offsets and small ones fill the gaps they leave.
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (buffers[a].size != buffers[b].size)
      return buffers[a].size > buffers[b].size;
    return buffers[a].start < buffers[b].start;
  });

  std::vector<size_t> placed;
  for (size_t id : order) {
    const ArenaBuffer &buffer = buffers[id];
    uint64_t align = std::max<int64_t>(buffer.alignment, 1);

    // Byte ranges taken by buffers live at the same time, by offset.
    llvm::SmallVector<std::pair<int64_t, int64_t>> busy;
    for (size_t other : placed) {
      const ArenaBuffer &o = buffers[other];
      if (o.start <= buffer.end && buffer.start <= o.end && o.size > 0)
        busy.push_back({plan.offsets[other], plan.offsets[other] + o.size});
    }
    llvm::sort(busy);

    // Smallest gap that fits; the space after the last busy range otherwise.
    int64_t bestOffset = -1, bestGap = 0, cursor = 0;
    for (auto [begin, end] : busy) {
      int64_t candidate = llvm::alignTo(cursor, align);
      if (candidate + buffer.size <= begin) {
        int64_t gap = begin - candidate;
        if (bestOffset < 0 || gap < bestGap) {
          bestOffset = candidate;
          bestGap = gap;
        }
      }
      cursor = std::max(cursor, end);
    }
    if (bestOffset < 0)
      bestOffset = llvm::alignTo(cursor, align);

    plan.offsets[id] = bestOffset;
    plan.totalBytes = std::max(plan.totalBytes, bestOffset + buffer.size);
    placed.push_back(id);
  }
  return plan;
}

} // namespace kiln
