// Element-wise driver: ISA dispatch, broadcasting, per-channel loops and threading.
#include "kernels/eltwise/eltwise.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/eltwise/ukernel.hpp"
#include "loupe/error.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::eltwise {
namespace {

const EltwiseMicrokernels& microkernels_for(Isa isa) {
  switch (resolve_isa(isa)) {
    case Isa::avx512:
      return eltwise_microkernels_avx512();
    case Isa::avx2:
      return eltwise_microkernels_avx2();
    default:
      return eltwise_microkernels_scalar();
  }
}

int resolve_threads(int threads) { return threads > 0 ? threads : ThreadPool::global().size(); }

// body(first, last) over [0, n) in contiguous pieces; below ~32k elements (a few microseconds
// of work) the pool's wake-up would cost more than it saves, so it runs inline. `grain` keeps
// the cut points on vector (64-float) boundaries.
template <typename Body>
void split(int64_t n, int64_t cost_per_item, int threads, int64_t grain, const Body& body) {
  threads = resolve_threads(threads);
  if (threads == 1 || n * cost_per_item < 32768 || n <= grain) {
    body(0, n);
    return;
  }
  const int64_t pieces = std::min<int64_t>(threads * 2, (n + grain - 1) / grain);
  auto cut = [&](int64_t i) { return i == pieces ? n : n * i / pieces / grain * grain; };
  ThreadPool::global().parallel_for(
      pieces,
      [&](int64_t i) {
        const int64_t lo = cut(i), hi = cut(i + 1);
        if (lo < hi) body(lo, hi);
      },
      threads);
}

int64_t cost_of(const Unary& u) {
  return u.kind == UnaryKind::relu || u.kind == UnaryKind::clip ? 1 : 8;
}

}  // namespace

void unary(const Unary& u, const float* x, float* y, int64_t n, int threads, Isa isa) {
  const EltwiseMicrokernels& k = microkernels_for(isa);
  split(n, cost_of(u), threads, 64,
        [&](int64_t lo, int64_t hi) { k.unary(u, x + lo, y + lo, hi - lo); });
}

void binary(BinaryKind kind, const float* a, const float* b, float* y, int64_t n, int threads,
            Isa isa) {
  const EltwiseMicrokernels& k = microkernels_for(isa);
  split(n, 1, threads, 64,
        [&](int64_t lo, int64_t hi) { k.binary(kind, a + lo, b + lo, y + lo, hi - lo); });
}

void binary_scalar(BinaryKind kind, const float* a, float b, float* y, int64_t n, int threads,
                   Isa isa) {
  const EltwiseMicrokernels& k = microkernels_for(isa);
  split(n, 1, threads, 64,
        [&](int64_t lo, int64_t hi) { k.binary_scalar(kind, a + lo, b, y + lo, hi - lo); });
}

void binary_per_channel(BinaryKind kind, const float* a, const float* b, float* y, int64_t N,
                        int64_t C, int64_t HW, int threads, Isa isa) {
  const EltwiseMicrokernels& k = microkernels_for(isa);
  split(N * C, HW, threads, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) k.binary_scalar(kind, a + p * HW, b[p % C], y + p * HW, HW);
  });
}

void binary_broadcast(BinaryKind kind, const float* a, const Shape& a_shape, const float* b,
                      const Shape& b_shape, float* y, int threads, Isa isa) {
  // Align ranks (NumPy: leading 1s) and check.
  const size_t rank = std::max(a_shape.size(), b_shape.size());
  std::vector<int64_t> da(rank, 1), db(rank, 1), dy(rank, 1);
  std::copy(a_shape.begin(), a_shape.end(), da.begin() + (rank - a_shape.size()));
  std::copy(b_shape.begin(), b_shape.end(), db.begin() + (rank - b_shape.size()));
  for (size_t i = 0; i < rank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) {
      fail("cannot broadcast shapes {} and {}", shape_str(a_shape), shape_str(b_shape));
    }
    dy[i] = da[i] == 1 ? db[i] : da[i];
  }
  int64_t na = 1, nb = 1, ny = 1;
  for (size_t i = 0; i < rank; ++i) {
    na *= da[i];
    nb *= db[i];
    ny *= dy[i];
  }
  if (ny == 0) return;
  // Fast paths. Add and Mul commute, so a broadcast `a` swaps with `b`.
  if (na == ny && nb == ny) return binary(kind, a, b, y, ny, threads, isa);
  if (nb == 1 && na == ny) return binary_scalar(kind, a, b[0], y, ny, threads, isa);
  if (na == 1 && nb == ny) return binary_scalar(kind, b, a[0], y, ny, threads, isa);
  // Per-channel: one operand is full, the other has a single non-1 axis c that is not the last:
  // treat y as [outer, C, inner].
  auto per_channel = [&](const std::vector<int64_t>& full, const std::vector<int64_t>& small,
                         const float* f, const float* s) {
    if (full != dy) return false;
    int axis = -1;
    for (size_t i = 0; i < rank; ++i) {
      if (small[i] != 1) {
        if (axis >= 0 || small[i] != dy[i]) return false;
        axis = static_cast<int>(i);
      }
    }
    if (axis < 0) return false;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= dy[i];
    for (size_t i = axis + 1; i < rank; ++i) inner *= dy[i];
    binary_per_channel(kind, f, s, y, outer, dy[axis], inner, threads, isa);
    return true;
  };
  if (per_channel(da, db, a, b) || per_channel(db, da, b, a)) return;
  // General case: walk the outer index of y, the last axis is one kernel call per row.
  const EltwiseMicrokernels& k = microkernels_for(isa);
  std::vector<int64_t> sa(rank), sb(rank);
  int64_t ta = 1, tb = 1;
  for (size_t i = rank; i-- > 0;) {
    sa[i] = da[i] == 1 ? 0 : ta;
    sb[i] = db[i] == 1 ? 0 : tb;
    ta *= da[i];
    tb *= db[i];
  }
  const int64_t L = dy[rank - 1];
  const int64_t rows = ny / L;
  split(rows, L, threads, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (size_t i = rank - 1; i-- > 0;) {
        const int64_t idx = rem % dy[i];
        rem /= dy[i];
        oa += idx * sa[i];
        ob += idx * sb[i];
      }
      float* yr = y + r * L;
      if (da[rank - 1] == L && db[rank - 1] == L) {
        k.binary(kind, a + oa, b + ob, yr, L);
      } else if (db[rank - 1] == 1 && da[rank - 1] == L) {
        k.binary_scalar(kind, a + oa, b[ob], yr, L);
      } else if (da[rank - 1] == 1 && db[rank - 1] == L) {
        k.binary_scalar(kind, b + ob, a[oa], yr, L);
      } else {  // both 1 along the last axis: L == 1
        yr[0] = kind == BinaryKind::add ? a[oa] + b[ob] : a[oa] * b[ob];
      }
    }
  });
}

void batch_norm_coefficients(const float* gamma, const float* beta, const float* mean,
                             const float* var, float epsilon, int64_t C, float* scale,
                             float* shift) {
  for (int64_t c = 0; c < C; ++c) {
    const double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + epsilon);
    scale[c] = static_cast<float>(s);
    shift[c] = static_cast<float>(beta[c] - mean[c] * s);
  }
}

void scale_shift(const float* x, const float* scale, const float* shift, float* y, int64_t N,
                 int64_t C, int64_t HW, int threads, Isa isa) {
  const EltwiseMicrokernels& k = microkernels_for(isa);
  split(N * C, HW, threads, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      k.scale_shift(x + p * HW, scale[p % C], shift[p % C], y + p * HW, HW);
    }
  });
}

void softmax(const float* x, float* y, int64_t rows, int64_t cols, bool log, int threads, Isa isa) {
  if (rows < 0 || cols < 1) fail("softmax: {} rows of {} columns", rows, cols);
  const EltwiseMicrokernels& k = microkernels_for(isa);
  split(rows, cols * 8, threads, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) k.softmax_row(x + r * cols, y + r * cols, cols, log);
  });
}

void lrn(const float* x, float* y, int64_t N, int64_t C, int64_t HW, int64_t size, float alpha,
         float beta, float bias, int threads, Isa isa) {
  if (size < 1) fail("lrn: size {} must be positive", size);
  const EltwiseMicrokernels& k = microkernels_for(isa);
  const LrnPower power = beta == 1.0f    ? LrnPower::inv
                         : beta == 0.5f  ? LrnPower::inv_sqrt
                         : beta == 0.75f ? LrnPower::inv_pow_075
                                         : LrnPower::base;
  const float scale = alpha / static_cast<float>(size);
  const int64_t before = (size - 1) / 2, after = size / 2;
  split(N * C, HW * (size + 2), threads, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const int64_t n = p / C, c = p % C;
      const int64_t c0 = std::max<int64_t>(0, c - before), c1 = std::min(C - 1, c + after);
      const float* xp = x + p * HW;
      float* yp = y + p * HW;
      k.lrn_row(x + (n * C + c0) * HW, c1 - c0 + 1, HW, xp, yp, HW, scale, bias, power);
      if (power == LrnPower::base) {
        for (int64_t i = 0; i < HW; ++i) yp[i] = xp[i] / std::pow(yp[i], beta);
      }
    }
  });
}

}  // namespace loupe::kernels::eltwise
