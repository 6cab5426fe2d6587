// Winograd F(m x m, 3 x 3) convolution (m = 2, 4, 6) for 3x3, stride 1, dilation 1, ungrouped
// layers, any padding. Per image, the output is cut into m x m tiles; chunks of `tb` tiles go
// through three stages:
//   1. input transform  V[pos] (tb x C) = B^T d B for every tile and channel,
//   2. element-wise stage as alpha^2 GEMMs  O[pos] (tb x M) = V[pos] * U[pos] (C x M), where
//      U = G g G^T was computed and packed as the GEMM's B operand once in create(),
//   3. output transform  y = A^T O A + bias (+ residual, clamp) into the tile's m x m pixels.
// Each thread takes a range of (image, chunk) jobs with its own V / O buffers; the chunk size
// keeps a chunk's buffers near the L2 cache and leaves at least one job per thread. When the
// batch holds fewer ~64-tile chunks than threads (batch 1 at 28 x 28 and below), the threads
// split the output channels instead if U is larger than the L3: each transforms every chunk's
// input and runs the GEMMs and output transform on its share of M, so that each streams only its
// part of U from DRAM. Split by tiles, every thread would read all of U (alpha^2 C M floats,
// 38 MB for VGG-16's 512 x 512 layers under F(4x4)).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/conv/direct_kernel.hpp"
#include "kernels/conv/internal.hpp"
#include "kernels/conv/winograd_kernel.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {
namespace {

// Floats from one position's matrix of V (t_count x C) or O (t_count x M) to the next: the matrix
// in whole lines, an odd number of them. The transforms touch one line of each of the alpha^2
// positions per tile and 16 channels; at a stride of whole pages (VGG-16's conv1_2 under F(4x4):
// 112 tiles x 64 channels, 7 pages) those 36 lines fell in one set of the 12-way L1. An odd
// number of lines puts up to 64 positions in distinct sets: the output transform of such a
// chunk (harness, O in L2) 1-5% faster.
int64_t position_stride(int64_t floats) {
  const int64_t lines = (floats + 15) / 16;
  return (lines | 1) * 16;
}

class WinogradPrimitive : public ConvPrimitive {
 public:
  WinogradPrimitive(std::string_view name, int m, const ConvDesc& d, const float* weights,
                    const float* bias)
      : name_(name), d_(d), mat_(winograd_matrices(m)) {
    const ops::LayerShape& s = d.shape;
    const int a = mat_.alpha;
    if (d.has_bias) bias_.assign(bias, bias + s.M);
    tiles_w_ = (s.F + m - 1) / m;
    const int64_t tiles_h = (s.E + m - 1) / m;
    const int threads = resolve_threads(d);
    // A chunk is whole tile rows, ~64 tiles: V and O then take alpha^2 * 64 * (C + M) floats
    // and the GEMMs have enough rows to run at speed. With threads, the chunk count is raised
    // until every thread gets as many jobs, and the rows are spread evenly over the chunks
    // (chunk c: rows [c T / chunks, (c+1) T / chunks)): ResNet's 28 x 28 layers under F(4x4)
    // have 7 tile rows, which whole k-row chunks split 6 + 1 between 2 threads (a 1.2x speedup
    // on 2 cores); even chunks split them 3 + 4.
    const int64_t k0 = std::clamp<int64_t>((64 + tiles_w_ - 1) / tiles_w_, 1, tiles_h);
    int64_t chunks = (tiles_h + k0 - 1) / k0;
    // Output channels split in parts of whole 16-channel vectors, at least 128 channels each
    // (every part transforms the whole input), where U outgrows a quarter of the L3: in a model
    // the other layers' weights pass through the L3 between two runs of this one (ResNet-50's
    // 97 MiB), so U comes from DRAM unless it is a small share. bench_conv, Zen 4, 2 threads,
    // medians of 5, ms, tiles vs channels split: VGG-16's conv4_2 under F(4x4) (U 38 MB)
    // 7.09-7.17 -> 6.40-6.54, conv5_2 2.91-3.03 -> 2.43-2.90. Alone, where the L3 still holds U
    // between runs, ResNet-50's 256 x 256 at 14 x 14 (9.4 MB) lost: 0.43-0.47 -> 0.52-0.58. In
    // ResNet-50 (loupe profile, 2 threads, 2-vCPU Xeon, two rounds each) that layer gained,
    // 0.91-0.96 -> 0.67-0.72, and 512 x 512 at 7 x 7 under F(2x2) (16.8 MB) 1.57-1.75 ->
    // 1.03-1.11.
    const bool split_m = threads > 1 && s.N * chunks < threads && s.M >= 128 * threads &&
                         a * a * s.C * s.M * 4 > cache_sizes().l3 / 4;
    while (!split_m && threads > 1 && chunks < tiles_h && s.N * chunks % threads != 0) ++chunks;
    chunks_ = chunks;
    tiles_h_ = tiles_h;
    const int64_t k = (tiles_h + chunks - 1) / chunks;  // rows of the largest chunk
    tb_ = k * tiles_w_;
    band_h_ = k * m + 2;
    band_w_ = tiles_w_ * m + 2;
    band_floats_ = (s.C + 15) / 16 * 16 * band_h_ * band_w_;
    const int64_t jobs = s.N * chunks_;
    slots_ = split_m ? threads : static_cast<int>(std::min<int64_t>(threads, jobs));
    const bool wide = slots_ == 1 && threads > 1;
    const int64_t part_count = split_m ? threads : 1;
    for (int64_t i = 0; i < part_count; ++i) {
      Part part;
      part.m0 = s.M * i / part_count / 16 * 16;
      const int64_t m1 = i + 1 == part_count ? s.M : s.M * (i + 1) / part_count / 16 * 16;
      part.m = m1 - part.m0;
      parts_.push_back(std::move(part));
    }

    const Isa isa = resolve_isa(d.isa);
    input_ = isa == Isa::avx512 ? winograd_input_avx512
             : isa == Isa::avx2 ? winograd_input_avx2
                                : winograd_input_scalar;
    output_ = isa == Isa::avx512 ? winograd_output_avx512
              : isa == Isa::avx2 ? winograd_output_avx2
                                 : winograd_output_scalar;
    vector_fill_ = isa == Isa::avx512 || isa == Isa::avx2;

    for (Part& part : parts_) {
      GemmDesc g;
      g.M = tb_;
      g.N = part.m;
      g.K = s.C;
      g.ldb = s.M;  // the part's columns of U[pos] (C x M)
      g.isa = isa;
      g.threads = wide ? threads : 1;
      part.full = plan_gemm(g);
      g.kc = part.full.blocking().kc;     // both plans must accept the same packed U
      g.M = tiles_h / chunks * tiles_w_;  // the smaller chunks' tiles (= tb_ when all are equal)
      part.tail = plan_gemm(g);
    }

    // U[pos] (C x M) = (G g G^T)[pos] for every filter m and channel c, then packed.
    std::vector<float> u(static_cast<size_t>(a * a * s.C * s.M));
    std::vector<double> gg(static_cast<size_t>(a * 3));
    for (int64_t f = 0; f < s.M; ++f) {
      for (int64_t c = 0; c < s.C; ++c) {
        const float* w = weights + (f * s.C + c) * 9;
        for (int p = 0; p < a; ++p) {  // G g: alpha x 3
          for (int k = 0; k < 3; ++k) {
            double acc = 0.0;
            for (int q = 0; q < 3; ++q) acc += double{mat_.g[p * 3 + q]} * w[q * 3 + k];
            gg[p * 3 + k] = acc;
          }
        }
        for (int p = 0; p < a; ++p) {  // (G g) G^T: alpha x alpha
          for (int q = 0; q < a; ++q) {
            double acc = 0.0;
            for (int k = 0; k < 3; ++k) acc += gg[p * 3 + k] * mat_.g[q * 3 + k];
            u[((p * a + q) * s.C + c) * s.M + f] = static_cast<float>(acc);
          }
        }
      }
    }
    for (Part& part : parts_) {
      for (int pos = 0; pos < a * a; ++pos) {
        part.packed.push_back(pack_b(part.full, u.data() + pos * s.C * s.M + part.m0));
      }
    }
    v_floats_ = a * a * position_stride(tb_ * s.C);
    o_floats_ = a * a * position_stride(tb_ * s.M);
    slot_floats_ = v_floats_ + o_floats_ + band_floats_;
  }

  std::string_view algorithm() const override { return name_; }
  int64_t workspace_floats() const override { return slots_ * slot_floats_; }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    const ops::LayerShape& s = d_.shape;
    const int a2 = mat_.alpha * mat_.alpha;
    const int64_t jobs = s.N * chunks_;
    const bool split_m = parts_.size() > 1;
    auto slot = [&](int64_t t) {
      float* v = workspace + t * slot_floats_;
      float* o = v + v_floats_;
      float* band = o + o_floats_;
      // Split by channels, thread t takes every job on its part; else its range of jobs.
      const Part& part = parts_[split_m ? static_cast<size_t>(t) : 0];
      const int64_t first = split_m ? 0 : jobs * t / slots_;
      const int64_t last = split_m ? jobs : jobs * (t + 1) / slots_;
      for (int64_t job = first; job < last; ++job) {
        const int64_t n = job / chunks_, c = job % chunks_;
        const int64_t row0 = c * tiles_h_ / chunks_, row1 = (c + 1) * tiles_h_ / chunks_;
        const int64_t t_begin = row0 * tiles_w_, t_count = (row1 - row0) * tiles_w_;
        fill_band(x + n * s.C * s.H * s.W, row0 * mat_.m, band);
        WinogradInput in;
        in.alpha = mat_.alpha;
        in.band = band;
        in.C = s.C;
        in.Hb = band_h_;
        in.Wb = band_w_;
        in.tiles_w = tiles_w_;
        in.t_begin = t_begin;
        in.t_count = t_count;
        in.v = v;
        in.pos_stride = position_stride(t_count * s.C);
        input_(in);
        const GemmPlan& plan = t_count == tb_ ? part.full : part.tail;
        const int64_t o_stride = position_stride(t_count * part.m);
        for (int pos = 0; pos < a2; ++pos) {
          plan.run(v + pos * in.pos_stride, part.packed[static_cast<size_t>(pos)],
                   o + pos * o_stride);
        }
        WinogradOutput out;
        out.alpha = mat_.alpha;
        out.o = o;
        out.pos_stride = o_stride;
        out.M = part.m;
        out.E = s.E;
        out.F = s.F;
        out.tiles_w = tiles_w_;
        out.t_begin = t_begin;
        out.t_count = t_count;
        out.bias = d_.has_bias ? bias_.data() + part.m0 : nullptr;
        const int64_t y_off = (n * s.M + part.m0) * s.E * s.F;
        out.residual = d_.residual ? residual + y_off : nullptr;
        out.y = y + n * y_image_floats(d_) + part.m0 * s.E * s.F;
        out.clamp = d_.activation.clamp;
        out.lo = d_.activation.lo;
        out.hi = d_.activation.hi;
        output_(out);
      }
    };
    if (slots_ == 1) {
      slot(0);
    } else {
      ThreadPool::global().parallel_for(slots_, slot, slots_);
    }
  }

 private:
  // The input rows of one chunk, [C/16][band_h][band_w][16]: band row r, column c hold input
  // pixel (row0 + r - pad_top, c - pad_left) of each channel, zero outside the image and past C.
  void fill_band(const float* x, int64_t row0, float* band) const {
    const ops::LayerShape& s = d_.shape;
    std::memset(band, 0, sizeof(float) * band_floats_);
    const int64_t w_begin = std::max<int64_t>(0, -s.pad_left);
    const int64_t w_end = std::min(s.W, band_w_ - s.pad_left);
    const int64_t r_begin = std::max<int64_t>(0, s.pad_top - row0);
    const int64_t r_end = std::min(band_h_, s.H + s.pad_top - row0);
    if (vector_fill_ && w_begin == 0 && w_end == s.W && r_begin < r_end) {
      // Whole rows: the AVX2 transposes of the direct conv's reorder.
      for (int64_t cb = 0; cb < (s.C + 15) / 16; ++cb) {
        direct_reorder_avx2(x + (cb * 16 * s.H + row0 + r_begin - s.pad_top) * s.W,
                            std::min<int64_t>(16, s.C - cb * 16), r_end - r_begin, s.W, s.H * s.W,
                            band + cb * band_h_ * band_w_ * 16, band_w_, r_begin, s.pad_left);
      }
      return;
    }
    for (int64_t c = 0; c < s.C; ++c) {
      float* blk = band + (c / 16 * band_h_ * band_w_) * 16 + c % 16;
      for (int64_t r = 0; r < band_h_; ++r) {
        const int64_t ih = row0 + r - s.pad_top;
        if (ih < 0 || ih >= s.H) continue;
        const float* src = x + (c * s.H + ih) * s.W;
        float* dst = blk + (r * band_w_ + s.pad_left) * 16;
        for (int64_t w = w_begin; w < w_end; ++w) dst[w * 16] = src[w];
      }
    }
  }

  std::string_view name_;
  ConvDesc d_;
  WinogradMatrices mat_;
  std::vector<float> bias_;
  // Output channels [m0, m0 + m): their GEMM plans (full and tail chunks) and packed U.
  struct Part {
    int64_t m0 = 0, m = 0;
    GemmPlan full, tail;
    std::vector<PackedB> packed;  // U[pos]'s columns of the part, for every pos
  };
  std::vector<Part> parts_;  // one (all of M), or one per thread
  void (*input_)(const WinogradInput&) = nullptr;
  void (*output_)(const WinogradOutput&) = nullptr;
  int64_t tiles_w_ = 0, tb_ = 1, chunks_ = 1, slot_floats_ = 0, v_floats_ = 0, o_floats_ = 0;
  int64_t tiles_h_ = 1, band_h_ = 0, band_w_ = 0, band_floats_ = 0;
  int slots_ = 1;
  bool vector_fill_ = false;  // fill_band by direct_reorder_avx2 (AVX2 and AVX-512 CPUs)
};

class Winograd : public ConvAlgorithm {
 public:
  Winograd(const char* name, int m) : name_(name), m_(m) {}
  std::string_view name() const override { return name_; }
  bool supports(const ConvDesc& d) const override {
    const ops::LayerShape& s = d.shape;
    return valid_desc(d) && s.R == 3 && s.S == 3 && s.U == 1 && s.U_w == 1 && s.dil_h == 1 &&
           s.dil_w == 1 && s.G == 1;
  }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    return std::make_unique<WinogradPrimitive>(name_, m_, d, weights, bias);
  }

 private:
  const char* name_;
  int m_;
};

}  // namespace

const ConvAlgorithm& winograd_f2x3_algorithm() {
  static const Winograd algorithm("winograd_f2x3", 2);
  return algorithm;
}
const ConvAlgorithm& winograd_f4x3_algorithm() {
  static const Winograd algorithm("winograd_f4x3", 4);
  return algorithm;
}
const ConvAlgorithm& winograd_f6x3_algorithm() {
  static const Winograd algorithm("winograd_f6x3", 6);
  return algorithm;
}

}  // namespace loupe::kernels::conv
