// The list of algorithms and the default per-layer heuristic (docs/kernels.md, "Choosing an
// algorithm").
#include "kernels/conv/direct_kernel.hpp"
#include "kernels/conv/fft_conv.hpp"
#include "kernels/conv/internal.hpp"
#include "loupe/error.hpp"

namespace loupe::kernels::conv {

const std::vector<const ConvAlgorithm*>& algorithms() {
  static const std::vector<const ConvAlgorithm*> all = {
      &im2col_gemm_algorithm(),   &gemm_1x1_algorithm(),      &direct_nchw16c_algorithm(),
      &winograd_f2x3_algorithm(), &winograd_f4x3_algorithm(), &winograd_f6x3_algorithm(),
      &depthwise_algorithm(),     &fft_algorithm(),           &implicit_gemm_algorithm(),
      &direct_nchw_algorithm(),   &direct_phased_algorithm(),
  };
  return all;
}

const ConvAlgorithm* find_algorithm(std::string_view name) {
  for (const ConvAlgorithm* a : algorithms()) {
    if (a->name() == name) return a;
  }
  return nullptr;
}

const ConvAlgorithm& choose_algorithm(const ConvDesc& d) {
  // Rules from bench_conv's medians (docs/kernels.md, "Choosing an algorithm"): the most
  // specific algorithm first, each only where it measured ahead of the general paths.
  const ops::LayerShape& s = d.shape;
  auto pick = [&](std::string_view name) -> const ConvAlgorithm* {
    const ConvAlgorithm* a = find_algorithm(name);
    return a != nullptr && a->supports(d) ? a : nullptr;
  };
  if (const ConvAlgorithm* a = pick("depthwise")) return *a;
  if (const ConvAlgorithm* a = pick("gemm_1x1")) return *a;
  // Winograd's element-wise stage streams (m+2)^2 C M transformed weights once per image and
  // reuses each over the T = ceil(E/m) ceil(F/m) output tiles: when those weights do not stay in
  // half the L3, T must be >= 16 for the products to outrun DRAM (512 x 512 at 7 x 7 on 1 thread:
  // F(4x4) 2.7 ms, T = 4; F(2x2) 1.55 ms, T = 16; direct 2.1 ms). F(4x4) first (fewer MACs), then
  // F(2x2).
  // Channels: the transforms pay from 16 in and 32 out, now that they work one register at a
  // time (winograd_lanes.hpp; with AVX2 they had been 16-float register pairs, and direct_nchw16c
  // led up to 128 channels; AVX-512's bar of 64 dated from before the unrolled, constant-size
  // transforms). Min of 20-60 calls, Zen 3 (AVX2), ms F(4x4) vs direct_nchw16c on 1 thread:
  // ResNet-50's 56 x 56 x 64 1.75-2.65 vs 2.75-3.38, GoogLeNet's conv3 (64 -> 192, 56 x 56)
  // 4.4-5.9 vs 8.3-9.6, its 96 -> 128 at 28 x 28 1.24-1.50 vs 1.98-2.35; SqueezeNet's 16 -> 64
  // at 55 x 55 0.57-0.60 vs 0.68-0.73, 32 -> 128 at 27 x 27 0.37-0.52 vs 0.61-0.70, 48 -> 192 at
  // 13 x 13 0.24-0.25 vs 0.33-0.35; GoogLeNet's 16 -> 48 and 24 -> 64 at 14 x 14, 16 -> 32 at
  // 28 x 28 by 5-25% (18 of 18 rounds on 1 and 2 threads). Zen 4 (AVX-512), bench_conv medians,
  // 1 / 2 threads: the same three SqueezeNet layers 0.50 / 0.27 vs 0.73 / 0.38, 0.29 / 0.18 vs
  // 0.65 / 0.36, 0.18 / 0.10 vs 0.34 / 0.18.
  // Tiles: with AVX2 on 2 threads, F(4x4) needs 36 (maps of ~24 pixels) to pay for its larger
  // transforms: at 13-14 pixels (16 tiles) F(2x2) won 5 of 9 rounds (min of 40 calls:
  // ResNet-50's 14 x 14 x 256, AlexNet's 192 -> 384 at 13 x 13, GoogLeNet's 128 -> 256 at
  // 14 x 14). On 1 thread F(4x4) won all 9, by 5-18% (1.55-2.20 vs 1.64-2.38 ms on the first).
  const int threads = resolve_threads(d);
  const Isa isa = resolve_isa(d.isa);
  const bool avx512 = isa == Isa::avx512;
  if (s.C >= 16 && s.M >= 32 && s.E >= 7 && s.F >= 7) {
    for (const int64_t m : {int64_t{4}, int64_t{2}}) {
      const int64_t tiles = (s.E + m - 1) / m * ((s.F + m - 1) / m);
      const int64_t weight_bytes = (m + 2) * (m + 2) * (s.C / s.G) * s.M * 4;
      if (weight_bytes > cache_sizes().l3 / 2 && tiles < 16) continue;
      if (!avx512 && m == 4 && tiles < (threads > 1 ? 36 : 16)) continue;
      // With AVX-512, neither takes 16 tiles or fewer over the batch (F(4x4) on 13 x 13 or
      // 14 x 14 maps, F(2x2) on 7 x 7 ones): on so few tiles each
      // frequency's product has one vector of columns, and the transformed weights ((m+2)^2 per
      // filter tap pair, read once per image) outweigh the work. loupe profile
      // --all-algorithms, Xeon (2 vCPUs), 2 threads, batch 1, ms F(4x4) / F(2x2) /
      // direct_nchw16c: GoogLeNet's 14 x 14 layers 0.28-0.63 / 0.19-0.40 / 0.26-0.66, e.g.
      // inception4d's 112 -> 288 0.53 / 0.33 / 0.47; its 7 x 7 ones, inception5a's 160 -> 320
      // 0.48 / 0.24 / 0.18, 5b's 192 -> 384 0.48 / 0.34 / 0.25; ResNet-50's 14 x 14 x 256
      // 0.57-0.69 / 0.52-0.61, its 7 x 7 x 512 1.5-1.6 / 0.90-0.95 / 0.94-0.95; AlexNet's 13 x 13
      // 0.55-0.90 / 0.48-0.70. On 1 thread F(2x2) led on 14 x 14 (GoogLeNet 0.31-0.72 vs
      // 0.38-0.80) and tied direct on 7 x 7 (0.32 / 0.34). Whole models, loupe profile, 2 threads,
      // batch 1, three rounds: GoogLeNet 9.6-10.1 -> 8.6-8.8 ms (1 thread 17.4-17.7 -> 16.0-16.3),
      // AlexNet's three 13 x 13 layers 2.23-2.24 -> 1.71-1.72; ResNet-50, SqueezeNet and VGG-16
      // within noise. At batch 8 the choices stay as before. Since the direct kernel fetches the
      // weights of a 7 x 7 map's next chunk a quarter per tile (stop 30), it leads F(2x2) on one
      // thread too: 30 layers' weights rotated, ms, F(2x2) / direct: 512 -> 512 1.86-1.90 /
      // 1.50-1.54, GoogLeNet's 160 -> 320 0.39-0.40 / 0.29-0.30, 192 -> 384 0.56 / 0.44-0.45
      // (with the weights hot F(2x2) led by 10-12%); whole models, loupe profile, 1 thread,
      // three alternating rounds, ms of steps: ResNet-50 48.1 -> 46.5, GoogLeNet 15.2 -> 14.7.
      if (avx512 && tiles * s.N <= 16) continue;
      if (const ConvAlgorithm* a = pick(m == 4 ? "winograd_f4x3" : "winograd_f2x3")) return *a;
    }
  }
  // The blocked direct kernel (AVX-512 or AVX2; elsewhere it is the plain loop nest) rounds C up
  // to 16, which wastes most of the work below 16 channels. With AVX2 it also rounds M up to 32
  // (4 vectors per pixel), and im2col + GEMM (4 x 24 tiles) wins once that wastes more than an
  // eighth. AVX2, 1 thread, Zen 4: ResNet-50's 56 x 56 x 64 3x3 direct 2.96-3.37 ms, im2col
  // 3.40-3.97, oneDNN 2.77; its 3x3 stride-2 layers direct 3.75-4.01 vs im2col 4.06-4.10.
  // At stride 1 with AVX-512, direct_phased (the same register tile over phase-split planes,
  // each step's broadcasts from one or two lines) leads direct_nchw16c; at stride 2 it trails it
  // on 2 threads. Xeon (2 vCPUs), bench_conv medians in one interleaved run, us, 1 / 2 threads,
  // phased vs blocked: ResNet-50's 3x3 stride-1 layers 1276-1515 / 714-823 vs 1409-1556 /
  // 756-836, VGG-16's conv3_2 23603 / 12157 vs 24194 / 12168 and conv4_2 22453 / 11200 vs
  // 23871 / 11909, GoogLeNet's conv3 4379 / 2203 vs 4574 / 2399, AlexNet's conv2 (5x5) 2404 vs
  // 2698 on 1 thread. At stride 2, ResNet-50's 3x3 layers went 1513-1689 / 883-946 vs
  // 1511-1656 / 826-866, and after PhasedPlane's AVX-512 row fill tied in bench_conv but lost in
  // the model (loupe profile, 2 threads, the three layers 3.03-3.14 vs 2.83-2.92 ms). (Winograd
  // takes most stride-1 3x3 layers before this.)
  // Not on maps at most 7 wide: direct_nchw16c computes those a filter group at a time, its
  // weights streamed once (GoogLeNet's 7 x 7 layers on 2 threads, ms phased / blocked: 0.24 /
  // 0.18, 0.33 / 0.25, 0.038 / 0.024, 0.048 / 0.031; ResNet-50's 512 -> 512 0.86-0.95 /
  // 0.94-0.95).
  if (avx512 && s.C >= 16 && s.U == 1 && s.U_w == 1 && s.F > kDirectMaxPixels / 2) {
    if (const ConvAlgorithm* a = pick("direct_phased")) return *a;
  }
  const int64_t m_waste = (s.M + 31) / 32 * 32 - s.M;
  if (s.C >= 16 && (avx512 || (isa == Isa::avx2 && 8 * m_waste <= s.M))) {
    if (const ConvAlgorithm* a = pick("direct_nchw16c")) return *a;
  }
  // A first layer (C = 3: K = C R S of 147 for ResNet-50's 7x7, 363 for AlexNet's 11x11): the
  // implicit GEMM packs its B panels straight from a padded copy of the image instead of writing
  // the im2col matrix. Bench_conv, AVX2, 1 / 2 threads, ms implicit vs im2col in the same runs:
  // ResNet-50 conv1 3.4-4.4 vs 3.5-4.8 and 2.4-2.5 vs 1.9-3.9; AlexNet conv1 2.2-2.6 vs
  // 2.7-3.4 and 1.4-2.4 vs 1.6-3.8. With K = 27 (3x3) the lowering is cheap and im2col stays
  // ahead (MobileNet v2 conv1 0.51-0.58 vs 0.59-0.69).
  // With AVX2, direct_nchw reads the taps straight from the phase-split image and writes plain
  // NCHW rows (no B panels to pack): bench_conv, 1 / 2 threads, Zen 3, ms direct_nchw vs
  // implicit vs im2col in the same runs: ResNet-50 conv1 2.72-2.74 vs 2.99-3.00 vs 3.08-3.12 and
  // 1.45 vs 1.59-1.60 vs 1.59-1.66; AlexNet conv1 1.82-1.85 vs 1.86-1.91 vs 2.32-2.35 and
  // 0.97-1.04 vs 0.97-1.04 vs 1.21-1.26. At K = 27 it does not lead (SqueezeNet conv1 0.75 vs
  // im2col 0.70; MobileNet v2 0.40 vs 0.40).
  // With AVX-512 its tile is 8 channels x 48 pixels (24 accumulators) and it leads from K = 27
  // too: min of 80 calls, Zen 4, ms direct_nchw vs im2col, 1 / 2 threads: MobileNet v2 conv1
  // 0.24-0.28 vs 0.32-0.40 and 0.19-0.22 vs 0.17-0.28, SqueezeNet conv1 0.45-0.54 vs 0.53-0.62
  // and 0.32-0.41 vs 0.31-0.37, ResNet-50 conv1 2.2-2.6 vs 2.8-3.0 (implicit 2.8-3.2), AlexNet
  // conv1 1.49-1.63 vs 1.86-1.88 (implicit 1.72-1.75), VGG-16 conv1_1 1.9-2.3 vs 3.0-3.9.
  // With AVX-512 a first layer of long K takes direct_phased's tile (pixels broadcast, output
  // channels along the lanes); at K = 147 (ResNet-50's 7x7) the two tie, and at K = 27 the
  // phased tile's store and its 14-pixel strips cost a third more. bench_conv medians, Xeon (2
  // vCPUs), us, 1 / 2 threads, phased vs direct_nchw: AlexNet conv1 (K = 363) 961 / 538 vs
  // 1103 / 589, ResNet-50 conv1 1547 / 816 vs 1554 / 792, SqueezeNet conv1 497 / 290 vs 366 / 196.
  const int64_t K = s.C * s.R * s.S;
  if (avx512 && s.C < 16 && s.G == 1 && K >= 256) {
    if (const ConvAlgorithm* a = pick("direct_phased")) return *a;
  }
  if (s.C < 16 && s.G == 1) {
    if (isa == Isa::avx512 || (isa == Isa::avx2 && K >= 100)) {
      if (const ConvAlgorithm* a = pick("direct_nchw")) return *a;
    }
    if (K >= 100) {
      if (const ConvAlgorithm* a = pick("implicit_gemm")) return *a;
    }
  }
  if (const ConvAlgorithm* a = pick("im2col_gemm")) return *a;
  throw Error("conv: no algorithm supports the layer (malformed shape)");
}

}  // namespace loupe::kernels::conv
