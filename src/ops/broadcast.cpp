#include "ops/broadcast.hpp"

#include <algorithm>

namespace loupe::ops {

Shape broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Missing leading dims count as 1.
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      fail("shapes {} and {} cannot be broadcast", shape_str(a), shape_str(b));
    }
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

bool broadcasts_to(std::span<const int64_t> from, std::span<const int64_t> to) {
  if (from.size() > to.size()) return false;
  for (size_t i = 0; i < from.size(); ++i) {
    const int64_t df = from[from.size() - 1 - i];
    if (df != 1 && df != to[to.size() - 1 - i]) return false;
  }
  return true;
}

BroadcastIndex::BroadcastIndex(std::span<const int64_t> in, std::span<const int64_t> out)
    : out_(out.begin(), out.end()), strides_(out.size(), 0) {
  LOUPE_CHECK(broadcasts_to(in, out));
  same_ = std::equal(in.begin(), in.end(), out.begin(), out.end());
  const size_t lead = out.size() - in.size();
  int64_t stride = 1;
  for (size_t d = in.size(); d-- > 0;) {
    strides_[lead + d] = in[d] == 1 ? 0 : stride;
    stride *= in[d];
  }
}

int normalize_axis(int64_t axis, int rank, std::string_view what, bool allow_rank) {
  const int64_t hi = allow_rank ? rank : rank - 1;
  if (axis < -rank || axis > hi) {
    fail("{} {} is out of range [{}, {}] for rank {}", what, axis, -rank, hi, rank);
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

void require_plain(const Tensor& t, std::string_view what) {
  if (t.layout() != Layout::NCHW) {
    fail("{} has layout {}; the reference needs plain NCHW", what, layout_name(t.layout()));
  }
}

}  // namespace loupe::ops
