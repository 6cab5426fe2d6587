#pragma once
// Offsets of activation buffers in one arena, reused by liveness: two values share memory only
// when their lifetimes (inclusive step ranges) do not overlap. Greedy best-fit by decreasing size,
// the usual heuristic for this interval-packing problem (optimal packing is NP-hard).
#include <cstdint>
#include <span>
#include <vector>

namespace loupe::graph {

struct ArenaRequest {
  int64_t bytes = 0;
  int64_t first = 0;  // step that writes it
  int64_t last = 0;   // last step that reads it
};

struct ArenaPlan {
  std::vector<int64_t> offsets;  // per request, 64-byte aligned
  int64_t bytes = 0;             // arena size
};

ArenaPlan plan_arena(std::span<const ArenaRequest> requests);

}  // namespace loupe::graph
