#include "graph/arena.hpp"

#include <algorithm>
#include <numeric>

namespace loupe::graph {

namespace {
constexpr int64_t kAlign = 64;
int64_t align_up(int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }
}  // namespace

ArenaPlan plan_arena(std::span<const ArenaRequest> requests) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), -1);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });
  std::vector<size_t> placed;
  for (size_t r : order) {
    const ArenaRequest& q = requests[r];
    const int64_t size = align_up(std::max<int64_t>(q.bytes, 1));
    // Blocks already placed whose lifetime meets this one, by offset.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t p : placed) {
      const ArenaRequest& o = requests[p];
      if (o.last < q.first || q.last < o.first) continue;
      busy.emplace_back(plan.offsets[p], plan.offsets[p] + align_up(std::max<int64_t>(o.bytes, 1)));
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds it, else the end of the busy blocks.
    int64_t best = -1, best_gap = 0, cursor = 0;
    for (const auto& [begin, end] : busy) {
      const int64_t gap = begin - cursor;
      if (gap >= size && (best < 0 || gap < best_gap)) {
        best = cursor;
        best_gap = gap;
      }
      cursor = std::max(cursor, end);
    }
    if (best < 0) best = cursor;
    plan.offsets[r] = best;
    plan.bytes = std::max(plan.bytes, best + size);
    placed.push_back(r);
  }
  return plan;
}

}  // namespace loupe::graph
