// Pooling driver: ISA dispatch, the separable two-pass window (see pool.hpp), threading over
// planes.
#include "kernels/pool/pool.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/pool/ukernel.hpp"
#include "loupe/error.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::pool {
namespace {

const PoolMicrokernels& microkernels_for(Isa isa) {
  switch (resolve_isa(isa)) {
    case Isa::avx512:
      return pool_microkernels_avx512();
    case Isa::avx2:
      return pool_microkernels_avx2();
    default:
      return pool_microkernels_scalar();
  }
}

// Runs body(first, last) over [0, planes) split in contiguous chunks, a few per thread so that
// an uneven split costs little.
template <typename Body>
void for_planes(int64_t planes, int64_t work_per_plane, int threads, const Body& body) {
  if (threads <= 0) threads = ThreadPool::global().size();
  // Below ~64k touched elements the pool's wake-up costs more than the work.
  if (planes * work_per_plane < 65536) threads = 1;
  const int64_t chunks = std::min<int64_t>(planes, threads == 1 ? 1 : 4 * threads);
  if (chunks <= 1) {
    body(0, planes);
    return;
  }
  ThreadPool::global().parallel_for(
      chunks, [&](int64_t i) { body(planes * i / chunks, planes * (i + 1) / chunks); }, threads);
}

// Count of window taps k < K at positions o*stride - pad + k*dil that fall in [lo, hi).
int64_t taps_inside(int64_t o, int64_t stride, int64_t pad, int64_t dil, int64_t K, int64_t lo,
                    int64_t hi) {
  int64_t n = 0;
  for (int64_t k = 0; k < K; ++k) {
    const int64_t p = o * stride - pad + k * dil;
    n += p >= lo && p < hi;
  }
  return n;
}

}  // namespace

PoolDesc pool_desc(const ops::PoolParams& p, const Shape& x) {
  PoolDesc d;
  d.kind = p.kind;
  d.shape = ops::pool_layer_shape(p, x);
  d.count_include_pad = p.count_include_pad;
  return d;
}

void pool(const PoolDesc& d, const float* x, float* y, int threads, Isa isa) {
  const ops::LayerShape& s = d.shape;
  for (int64_t v : {s.N, s.C, s.H, s.W, s.E, s.F, s.R, s.S, s.U, s.U_w, s.dil_h, s.dil_w}) {
    if (v < 1) fail("pool: non-positive size in the window description");
  }
  if (std::min({s.pad_top, s.pad_left, s.pad_bottom, s.pad_right}) < 0) {
    fail("pool: negative padding");
  }
  const PoolMicrokernels& k = microkernels_for(isa);
  const bool is_max = d.kind == ops::PoolKind::max;
  const float fill = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
  // The row buffer spans every column any window reaches: [-pad_left, reach).
  const int64_t reach = (s.F - 1) * s.U_w + (s.S - 1) * s.dil_w + 1;  // from -pad_left
  const int64_t row_len = std::max(reach, s.pad_left + s.W);
  // Average divisor, separable: rows counted x columns counted. count_include_pad counts the
  // explicit padding but not what ceil_mode reaches beyond it (as ops::pool_reference).
  std::vector<float> inv_cols;
  std::vector<float> inv_rows;
  if (!is_max) {
    const int64_t w_lo = d.count_include_pad ? -s.pad_left : 0;
    const int64_t w_hi = d.count_include_pad ? s.W + s.pad_right : s.W;
    const int64_t h_lo = d.count_include_pad ? -s.pad_top : 0;
    const int64_t h_hi = d.count_include_pad ? s.H + s.pad_bottom : s.H;
    inv_cols.resize(s.F);
    inv_rows.resize(s.E);
    for (int64_t f = 0; f < s.F; ++f) {
      inv_cols[f] =
          1.0f / static_cast<float>(taps_inside(f, s.U_w, s.pad_left, s.dil_w, s.S, w_lo, w_hi));
    }
    for (int64_t e = 0; e < s.E; ++e) {
      inv_rows[e] =
          1.0f / static_cast<float>(taps_inside(e, s.U, s.pad_top, s.dil_h, s.R, h_lo, h_hi));
    }
  }
  PoolWindow window;
  window.H = s.H;
  window.W = s.W;
  window.pad_top = s.pad_top;
  window.pad_left = s.pad_left;
  window.E = s.E;
  window.F = s.F;
  window.R = s.R;
  window.S = s.S;
  window.U = s.U;
  window.U_w = s.U_w;
  window.dil_h = s.dil_h;
  window.dil_w = s.dil_w;
  window.max = is_max;
  window.inv_rows = inv_rows.data();
  window.inv_cols = inv_cols.data();
  const int64_t all_planes = s.N * s.C;
  // Max pools straight from the plane where the ISA has the kernel (AVX-512): no padded copy and
  // no transposes. Xeon (2 vCPUs), 2 threads, loupe profile, two or three alternating rounds,
  // ms: GoogLeNet's inception pools 0.059 -> 0.026 on 192 x 28 x 28, 0.034-0.040 -> 0.013-0.017
  // on 14 x 14 (ONNX Runtime's NCHWc pools 0.022-0.043), its 13 pools 0.71-0.77 -> 0.50-0.51;
  // VGG-16's pool4 0.12 -> 0.05. On wider planes, 112 columns: ResNet-50's pool 0.157 -> 0.132-
  // 0.136, GoogLeNet's first two 0.15 / 0.106-0.111 -> 0.128 / 0.085-0.088, SqueezeNet's
  // 0.123-0.127 / 0.066-0.068 -> 0.104-0.111 / 0.050-0.051; but VGG-16's 6.4 and 12.8 MB inputs
  // lost (0.32-0.36 -> 0.36-0.41, 0.61-0.63 -> 0.75-0.78), so wide planes take it only while the
  // input fits twice L2.
  const int64_t input_bytes = all_planes * s.H * s.W * 4;
  if (is_max && k.max_rows != nullptr && s.R == s.S && s.U == s.U_w && s.dil_h == 1 &&
      s.dil_w == 1 && s.pad_top == s.pad_left && max_rows_supports(s.R, s.U, s.pad_top) &&
      (s.U == 2 || (s.pad_bottom == 1 && s.pad_right == 1)) &&
      (s.W <= 32 || input_bytes <= 2 * cache_sizes().l2)) {
    for_planes(all_planes, s.H * s.W + s.E * s.F, threads, [&](int64_t first, int64_t last) {
      MaxRows m;
      static_cast<PoolWindow&>(m) = window;
      for (int64_t p = first; p < last; ++p) {
        m.x = x + p * s.H * s.W;
        m.y = y + p * s.E * s.F;
        k.max_rows(m);
      }
    });
    return;
  }
  int64_t done = 0;
  // The plane kernel takes strides 1 and 2 without dilation, an output row at a time.
  const bool plane_ok =
      k.plane != nullptr && s.U == s.U_w && (s.U == 1 || s.U == 2) && s.dil_h == 1 && s.dil_w == 1;
  // Eight planes per vector when the ISA has the lane kernel: on short rows it beats the plane
  // kernel's per-row setup. Measured (loupe profile, 1 thread, AVX2 Zen 3, ms, lanes vs plane):
  // GoogLeNet's 14 x 14 s1 pools 0.046-0.051 vs 0.103-0.123, 28 x 28 s1 0.070-0.077 vs 0.10,
  // 480 x 28 x 28 s2 0.094-0.107 vs 0.14; at 55-56 columns they tie (0.09-0.17); from 111
  // columns the lane kernel's transposes of the whole input cost twice the plane kernel
  // (SqueezeNet's 64 x 111 x 111 s2 0.23-0.26 vs 0.13-0.15, GoogLeNet's 64 x 112 x 112 0.25-0.32
  // vs 0.12-0.15).
  const bool wide = plane_ok && s.W >= 48;
  // The padded input both the lane and the plane kernels reduce from: the explicit pads and
  // whatever ceil_mode's windows reach beyond them.
  const int64_t hp =
      std::max(s.pad_top + s.H + s.pad_bottom, (s.E - 1) * s.U + (s.R - 1) * s.dil_h + 1);
  const int64_t wp =
      std::max(s.pad_left + s.W + s.pad_right, (s.F - 1) * s.U_w + (s.S - 1) * s.dil_w + 1);
  if (k.lanes != nullptr && all_planes >= 8 && !wide) {
    const int64_t groups = all_planes / 8;
    for_planes(groups, 8 * (s.H * s.W + s.E * s.F * s.R * s.S), threads,
               [&](int64_t first, int64_t last) {
                 std::vector<float> buf(static_cast<size_t>(hp * wp * 8), fill);
                 std::vector<float> out(static_cast<size_t>(s.E * s.F * 8));
                 PoolLanes pl;
                 static_cast<PoolWindow&>(pl) = window;
                 pl.buf = buf.data();
                 pl.wp = wp;
                 pl.out = out.data();
                 for (int64_t g = first; g < last; ++g) {
                   pl.x = x + g * 8 * s.H * s.W;
                   pl.y = y + g * 8 * s.E * s.F;
                   k.lanes(pl);
                 }
               });
    done = groups * 8;
  }
  // The planes left: all, or the last N C % 8 after the lane kernel.
  const int64_t planes = all_planes - done;
  if (planes == 0) return;
  x += done * s.H * s.W;
  y += done * s.E * s.F;
  if (plane_ok) {
    // Stride 2: two phases of ceil(wp / 2) columns, + 8 so that a phase's last vector stays in
    // its row.
    const int64_t phase = s.U == 2 ? (wp + 1) / 2 + 8 : 0;
    const int64_t row = s.U == 2 ? 2 * phase : wp;
    // Prefetch from inputs of a quarter of the L3 up. Min of 40 calls, Zen 4, 1 / 2 threads,
    // ms: VGG-16's 64 x 224 x 224 2 x 2 / 2 (12.8 MB) 0.45-0.84 -> 0.35-0.49 and 0.20-0.25 ->
    // 0.16-0.18 (1.56-2.18 in earlier rounds); in the model (loupe profile) 1.8-2.0 -> 1.0-1.2
    // (ONNX Runtime 0.88). Smaller inputs lost up to 10%: its second pool (6.4 MB) 0.30-0.40 ->
    // 0.34-0.44 in the model, GoogLeNet's 192 x 56 x 56 and SqueezeNet's 64 x 111 x 111 alone.
    const bool prefetch = s.N * s.C * s.H * s.W * 4 >= cache_sizes().l3 / 4;
    for_planes(planes, s.H * s.W + s.E * s.F * s.S, threads, [&](int64_t first, int64_t last) {
      std::vector<float> padded(static_cast<size_t>(row + 32), fill);
      PoolPlane pp;
      static_cast<PoolWindow&>(pp) = window;
      pp.buf = padded.data();
      pp.phase = phase;
      pp.prefetch = prefetch;
      for (int64_t p = first; p < last; ++p) {
        pp.x = x + p * s.H * s.W;
        pp.y = y + p * s.E * s.F;
        k.plane(pp);
      }
    });
    return;
  }
  for_planes(planes, s.H * s.W + s.E * s.F * s.S, threads, [&](int64_t first, int64_t last) {
    std::vector<float> row(row_len + 32, fill);  // + the slack the vector kernels may read
    float* interior = row.data() + s.pad_left;
    for (int64_t p = first; p < last; ++p) {
      const float* xp = x + p * s.H * s.W;
      float* yp = y + p * s.E * s.F;
      for (int64_t e = 0; e < s.E; ++e) {
        bool first_row = true;
        for (int64_t r = 0; r < s.R; ++r) {
          const int64_t h = e * s.U - s.pad_top + r * s.dil_h;
          if (h < 0 || h >= s.H) continue;
          if (first_row) {
            std::copy(xp + h * s.W, xp + (h + 1) * s.W, interior);
            first_row = false;
          } else if (is_max) {
            k.vmax(interior, xp + h * s.W, s.W);
          } else {
            k.vadd(interior, xp + h * s.W, s.W);
          }
        }
        if (first_row) std::fill(interior, interior + s.W, fill);  // window holds no row
        if (is_max) {
          k.hmax(row.data(), yp + e * s.F, s.F, s.S, s.U_w, s.dil_w);
        } else {
          k.hsum(row.data(), yp + e * s.F, s.F, s.S, s.U_w, s.dil_w, inv_rows[e], inv_cols.data());
        }
      }
    }
  });
}

void global_pool(ops::PoolKind kind, int64_t planes, int64_t plane, const float* x, float* y,
                 int threads, Isa isa) {
  if (planes < 0 || plane < 1) fail("global pool: {} planes of {} elements", planes, plane);
  const PoolMicrokernels& k = microkernels_for(isa);
  const float inv = 1.0f / static_cast<float>(plane);
  for_planes(planes, plane, threads, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      y[p] = kind == ops::PoolKind::max ? k.reduce_max(x + p * plane, plane)
                                        : k.reduce_sum(x + p * plane, plane) * inv;
    }
  });
}

}  // namespace loupe::kernels::pool
