// FFT convolution (fft_conv.hpp).
#include "kernels/conv/fft_conv.hpp"

#include <algorithm>
#include <vector>

#include "kernels/conv/internal.hpp"
#include "kernels/fft/cmac.hpp"
#include "kernels/fft/fft.hpp"
#include "loupe/error.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {
namespace {

constexpr int64_t kMaxSpectrumFloats = int64_t{1} << 28;  // 1 GiB of fp32

int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }  // keeps 64-byte alignment

struct FftSizes {
  int64_t P = 0, Q = 0, bins = 0;
};

FftSizes sizes_for(const ops::LayerShape& s) {
  FftSizes z;
  z.P = fft::fast_size(s.H + s.pad_top + s.pad_bottom);
  z.Q = fft::fast_size(s.W + s.pad_left + s.pad_right);
  z.bins = z.P * (z.Q / 2 + 1);
  return z;
}

// Runs body(task, slot) for task < tasks, with slot < threads naming the scratch a thread owns.
template <typename Body>
void for_slots(int64_t tasks, int threads, const Body& body) {
  const int64_t chunks = std::min<int64_t>(tasks, threads);
  auto chunk = [&](int64_t i) {
    for (int64_t t = tasks * i / chunks; t < tasks * (i + 1) / chunks; ++t) body(t, i);
  };
  if (chunks <= 1) {
    for (int64_t t = 0; t < tasks; ++t) body(t, 0);
    return;
  }
  ThreadPool::global().parallel_for(chunks, chunk, static_cast<int>(chunks));
}

class FftConvPrimitive final : public ConvPrimitive {
 public:
  FftConvPrimitive(const ConvDesc& d, const float* weights, const float* bias)
      : d_(d),
        z_(sizes_for(d.shape)),
        fft_(z_.P, z_.Q),
        threads_(resolve_threads(d)),
        cmac_(fft::cmac_conj(d.isa)) {
    const ops::LayerShape& s = d.shape;
    const int64_t B = z_.bins;
    // Weight spectra [m][c] as (re[B], im[B]), scaled by the inverse transform's 1 / (P Q).
    spectra_.assign(static_cast<size_t>(s.M * s.C * 2 * B), 0.0f);
    const float scale = 1.0f / static_cast<float>(z_.P * z_.Q);
    std::vector<float> scratch(static_cast<size_t>(threads_ * fft_.scratch_floats()));
    for_slots(s.M * s.C, threads_, [&](int64_t mc, int64_t slot) {
      float* re = spectra_.data() + mc * 2 * B;
      float* im = re + B;
      fft_.forward(weights + mc * s.R * s.S, s.R, s.S, s.S, 0, 0, re, im,
                   scratch.data() + slot * fft_.scratch_floats());
      for (int64_t b = 0; b < 2 * B; ++b) re[b] *= scale;
    });
    if (bias != nullptr && d.has_bias) bias_.assign(bias, bias + s.M);
  }

  std::string_view algorithm() const override { return "fft"; }

  int64_t workspace_floats() const override {
    const ops::LayerShape& s = d_.shape;
    return round16(s.N * s.C * 2 * z_.bins) + threads_ * slot_floats();
  }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    const ops::LayerShape& s = d_.shape;
    const int64_t B = z_.bins;
    float* xs = workspace;  // input spectra [n][c] as (re[B], im[B])
    float* slots = workspace + round16(s.N * s.C * 2 * B);
    for_slots(s.N * s.C, threads_, [&](int64_t nc, int64_t slot) {
      float* re = xs + nc * 2 * B;
      fft_.forward(x + nc * s.H * s.W, s.H, s.W, s.W, s.pad_top, s.pad_left, re, re + B,
                   slots + slot * slot_floats() + round16(s.N * 2 * B));
    });
    // One task per output channel m, all images at once: each weight spectrum W_mc is read
    // once per run and reused from cache for the N images (it is the largest stream: M C bins
    // complex floats, far more than the M C R S weights).
    const ScalarEpilogue ep = scalar_epilogue(d_);
    for_slots(s.M, threads_, [&](int64_t m, int64_t slot) {
      float* acc = slots + slot * slot_floats();  // N spectra (re[B], im[B])
      float* scratch = acc + round16(s.N * 2 * B);
      std::fill(acc, acc + s.N * 2 * B, 0.0f);
      for (int64_t c = 0; c < s.C; ++c) {
        const float* wr = spectra_.data() + (m * s.C + c) * 2 * B;
        for (int64_t n = 0; n < s.N; ++n) {
          const float* xr = xs + (n * s.C + c) * 2 * B;
          float* a = acc + n * 2 * B;
          cmac_(xr, xr + B, wr, wr + B, a, a + B, B);
        }
      }
      const float b = bias_.empty() ? 0.0f : bias_[m];
      for (int64_t n = 0; n < s.N; ++n) {
        const int64_t nm = n * s.M + m;
        float* yp = y + nm * s.E * s.F;
        fft_.inverse(acc + n * 2 * B, acc + n * 2 * B + B, yp, s.E, s.F, s.F, scratch);
        const float* rp = residual != nullptr && d_.residual ? residual + nm * s.E * s.F : nullptr;
        for (int64_t i = 0; i < s.E * s.F; ++i) {
          yp[i] = ep.apply(yp[i] + b + (rp ? rp[i] : 0.0f));
        }
      }
    });
  }

 private:
  // Per thread: the N accumulated spectra of one output channel, then transform scratch.
  int64_t slot_floats() const {
    return round16(d_.shape.N * 2 * z_.bins) + round16(fft_.scratch_floats());
  }

  ConvDesc d_;
  FftSizes z_;
  fft::RealFft2d fft_;
  int threads_;
  fft::CmacFn cmac_;
  std::vector<float> spectra_;
  std::vector<float> bias_;
};

class FftConvAlgorithm final : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "fft"; }

  bool supports(const ConvDesc& d) const override {
    const ops::LayerShape& s = d.shape;
    if (!valid_desc(d) || !plain_output(d) || s.G != 1 || s.U != 1 || s.U_w != 1 || s.dil_h != 1 ||
        s.dil_w != 1) {
      return false;
    }
    if (!isa_supported(d.isa == Isa::automatic ? Isa::scalar : d.isa)) return false;
    const FftSizes z = sizes_for(s);
    // Overflow-safe size checks: each factor is far below 2^31 once the first tests pass.
    if (z.P > (1 << 15) || z.Q > (1 << 15)) return false;
    const int64_t per_plane = 2 * z.bins;
    return s.M * s.C <= kMaxSpectrumFloats / per_plane &&
           s.N * s.C <= kMaxSpectrumFloats / per_plane;
  }

  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    if (!supports(d)) fail("conv fft: layer not supported (stride, dilation, groups or size)");
    return std::make_unique<FftConvPrimitive>(d, weights, bias);
  }
};

}  // namespace

const ConvAlgorithm& fft_algorithm() {
  static const FftConvAlgorithm algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
