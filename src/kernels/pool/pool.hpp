#pragma once
// Fast fp32 NCHW pooling (MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool), tested against
// ops::pool_reference (tests/kernels/pool/).
//
// A window is separable: its valid part is a rectangle of rows x columns, so each output row is
// computed in two passes. The vertical pass reduces the window's valid input rows into one
// padded row buffer (contiguous, full-width vector loads); the horizontal pass reduces S strided
// columns of that buffer per output. The buffer's borders hold the padding value (-inf for max,
// 0 for average), so neither pass tests bounds. The average's divisor is separable too:
// rows counted x columns counted. Planes (n, c) are split over the thread pool. An ISA may add
// a plane kernel (a padded copy of each plane, whole-vector taps) and a lane kernel (eight planes
// transposed so that each vector lane is one plane: ukernel.hpp), which then take those planes.
//
// The graph executor calls, for a node with input shape x and its ops::PoolParams p:
//   const PoolDesc d = pool_desc(p, x);              // once, at plan time
//   pool(d, x_data, y_data, threads, isa);           // every run; y is [N,C,E,F]
// or directly global_pool(kind, N * C, H * W, x, y, threads, isa) for Global*Pool.
#include <cstdint>

#include "kernels/isa.hpp"
#include "loupe/tensor.hpp"
#include "ops/op.hpp"
#include "ops/pool.hpp"

namespace loupe::kernels::pool {

struct PoolDesc {
  ops::PoolKind kind = ops::PoolKind::max;
  // N C H W E F R S, strides U / U_w, dilation, resolved pads (M and G are ignored).
  ops::LayerShape shape;
  bool count_include_pad = false;  // average only
};

// The description of a pooling node (auto_pad, ceil_mode and global resolved by the ops rules).
PoolDesc pool_desc(const ops::PoolParams& p, const Shape& x);

// y[N,C,E,F] from x[N,C,H,W]. threads 0: ThreadPool::global().size(). Throws Error for an
// unsupported ISA or a shape with non-positive sizes.
void pool(const PoolDesc& d, const float* x, float* y, int threads = 0, Isa isa = Isa::automatic);
inline void max_pool(PoolDesc d, const float* x, float* y, int threads = 0,
                     Isa isa = Isa::automatic) {
  d.kind = ops::PoolKind::max;
  pool(d, x, y, threads, isa);
}
inline void average_pool(PoolDesc d, const float* x, float* y, int threads = 0,
                         Isa isa = Isa::automatic) {
  d.kind = ops::PoolKind::average;
  pool(d, x, y, threads, isa);
}

// Global pooling: y[p] = max or mean of the `plane` contiguous floats x[p * plane ...] for each
// of `planes` planes (N * C planes of H * W for NCHW).
void global_pool(ops::PoolKind kind, int64_t planes, int64_t plane, const float* x, float* y,
                 int threads = 0, Isa isa = Isa::automatic);

}  // namespace loupe::kernels::pool
