// Every SGEMM path this CPU can run (scalar, avx2, avx512) against the fp64-accumulating oracle
// ops::gemm_reference, on a generated list of shapes: odd sizes, 1, primes, sizes straddling
// MR / NR / KC / MC / NC (small block overrides make multi-block loops cheap to reach),
// transposes, padded leading dimensions, alpha / beta, each epilogue, pre-packed B, and
// threads 1 and 2.
//
// Tolerance: with entries in [-1, 1] the K products are zero-mean terms of size <= P =
// |alpha| max|a| max|b|. The partial sums grow like sqrt(k) P / 3, and each fp32 addition
// errs by at most u = 2^-24 of its partial sum; those errors are independent, so they add in
// quadrature to about u K P / 3 (6e-6 P at K = 300). |err| <= 1e-5 sqrt(K) P is above that
// for every K <= 2.5e5 (>= 10x margin at the sizes here), while a single dropped or
// duplicated product (|a b| ~ P / 4 on average) is far above it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/gemm/gemm.hpp"
#include "loupe/error.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"
#include "ops/gemm.hpp"

namespace loupe::kernels {
namespace {

struct Case {
  int64_t M, N, K;
  bool ta = false, tb = false;
  int64_t pad_a = 0, pad_b = 0, pad_c = 0;  // extra leading-dimension elements
  float alpha = 1.0f, beta = 0.0f;
  GemmEpilogue ep;
  int threads = 1;
  int64_t mc = 0, nc = 0, kc = 0;
  bool prepack = false;
  bool tc = false;  // C and the residual stored transposed (GemmDesc::trans_c)

  Case(int64_t m, int64_t n, int64_t k) : M(m), N(n), K(k) {}
  Case() : Case(1, 1, 1) {}

  std::string str() const {
    return fmt::format(
        "M={} N={} K={} ta={} tb={} pads={},{},{} alpha={} beta={} bias={} res={} clamp={}[{},{}] "
        "threads={} blocks={},{},{} prepack={} tc={}",
        M, N, K, ta, tb, pad_a, pad_b, pad_c, alpha, beta, static_cast<int>(ep.bias), ep.residual,
        ep.clamp, ep.lo, ep.hi, threads, mc, nc, kc, prepack, tc);
  }
};

// Padded leading dimensions (3 in 10 cases) and alpha / beta (-1.5 / 0.75, beta 1, alpha 0.5,
// or the defaults), drawn for a generated case.
void random_lds_and_scalars(Case& c, Rng& rng) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
  };
  if (rng.uniform() < 0.3) {
    c.pad_a = pick(1, 9);
    c.pad_b = pick(1, 9);
    c.pad_c = pick(1, 9);
  }
  const double ab = rng.uniform();
  if (ab < 0.2) {
    c.alpha = -1.5f;
    c.beta = 0.75f;
  } else if (ab < 0.4) {
    c.beta = 1.0f;
  } else if (ab < 0.5) {
    c.alpha = 0.5f;
  }
}

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  // Hand-picked edges: 1, primes, around MR (4, 6, 14) and NR (8, 16, 32).
  const int64_t edge[] = {1, 2, 3, 5, 6, 7, 13, 14, 15, 16, 17, 29, 31, 32, 33, 47};
  for (int64_t m : edge) cases.emplace_back(m, 17, 9);
  for (int64_t n : edge) cases.emplace_back(13, n, 11);
  for (int64_t k : {1, 2, 3, 7, 64, 127, 129, 191, 193, 257}) cases.emplace_back(15, 33, k);
  cases.emplace_back(0, 5, 3);
  cases.emplace_back(5, 0, 3);
  Case no_k(5, 7, 0);
  no_k.beta = 0.5f;
  no_k.ep = GemmEpilogue::relu();
  cases.push_back(no_k);
  Case r50(64, 49, 301);
  r50.threads = 2;
  cases.push_back(r50);
  Case all(97, 131, 67);
  all.ta = all.tb = all.prepack = true;
  all.pad_a = 3;
  all.pad_b = 5;
  all.pad_c = 7;
  all.alpha = -0.5f;
  all.beta = 2.0f;
  all.threads = 2;
  all.mc = 28;
  all.nc = 64;
  all.kc = 16;
  cases.push_back(all);

  Rng rng(20240605);
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
  };
  while (cases.size() < 240) {
    Case c;
    c.M = pick(1, 90);
    c.N = pick(1, 110);
    c.K = pick(1, 5) == 1 ? pick(150, 420) : pick(1, 80);
    c.ta = rng.uniform() < 0.4;
    c.tb = rng.uniform() < 0.4;
    random_lds_and_scalars(c, rng);
    switch (pick(0, 6)) {
      case 1:
        c.ep.bias = BiasKind::per_row;
        break;
      case 2:
        c.ep = GemmEpilogue::relu();
        c.ep.bias = BiasKind::per_col;
        break;
      case 3:
        c.ep = GemmEpilogue::relu6();
        c.ep.residual = true;
        break;
      case 4:
        c.ep = GemmEpilogue::clamped(-0.5f, 0.5f);
        c.ep.bias = BiasKind::per_row;
        c.ep.residual = true;
        break;
      case 5:  // gemm_1x1's pixel rows with a residual: column bias and residual in one store
        c.ep = GemmEpilogue::clamped(-0.5f, 0.5f);
        c.ep.bias = BiasKind::per_col;
        c.ep.residual = true;
        break;
      default:
        break;
    }
    c.threads = rng.uniform() < 0.5 ? 1 : 2;
    if (rng.uniform() < 0.4) {  // small blocks: several jc, pc and ic iterations
      c.mc = pick(1, 3) * 14;
      c.nc = pick(1, 3) * 32;
      c.kc = pick(5, 60);
    }
    c.prepack = rng.uniform() < 0.3;
    cases.push_back(c);
  }
  return cases;
}

GemmDesc desc(int64_t M, int64_t N, int64_t K, Isa isa = Isa::automatic) {
  GemmDesc d;
  d.M = M;
  d.N = N;
  d.K = K;
  d.isa = isa;
  return d;
}

std::vector<Isa> available_isas() {
  std::vector<Isa> isas{Isa::scalar};
  if (isa_supported(Isa::avx2)) isas.push_back(Isa::avx2);
  if (isa_supported(Isa::avx512)) isas.push_back(Isa::avx512);
  return isas;
}

std::vector<float> random_floats(Rng& rng, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

// Copies a dense rows x cols matrix into one with leading dimension ld.
std::vector<float> with_ld(const std::vector<float>& dense, int64_t rows, int64_t cols,
                           int64_t ld) {
  std::vector<float> out(static_cast<size_t>(std::max<int64_t>(rows * ld, 1)), 1e30f);
  for (int64_t i = 0; i < rows; ++i) {
    std::copy_n(dense.begin() + i * cols, cols, out.begin() + i * ld);
  }
  return out;
}

void check_case(const Case& c, const std::vector<Isa>& isas, uint64_t seed) {
  Rng rng(seed);
  const int64_t a_rows = c.ta ? c.K : c.M, a_cols = c.ta ? c.M : c.K;
  const int64_t b_rows = c.tb ? c.N : c.K, b_cols = c.tb ? c.K : c.N;
  const std::vector<float> a = random_floats(rng, a_rows * a_cols);
  const std::vector<float> b = random_floats(rng, b_rows * b_cols);
  const std::vector<float> c0 = random_floats(rng, c.M * c.N);
  const std::vector<float> bias = random_floats(rng, std::max(c.M, c.N));
  const std::vector<float> residual = random_floats(rng, c.M * c.N);

  // Reference: alpha*AB + beta*C0 from the oracle, then the epilogue in double.
  std::vector<double> ref(static_cast<size_t>(c.M * c.N));
  if (c.M > 0 && c.N > 0) {
    ops::GemmParams p{c.alpha, c.beta, c.ta, c.tb};
    Tensor ta = Tensor::from({a_rows, a_cols}, a);
    Tensor tb = Tensor::from({b_rows, b_cols}, b);
    Tensor tc = Tensor::from({c.M, c.N}, c0);
    Tensor y({c.M, c.N});
    if (c.K == 0) {
      for (int64_t i = 0; i < c.M * c.N; ++i) y.data<float>()[i] = c.beta * c0[i];
    } else {
      ops::gemm_reference(p, ta, tb, c.beta != 0.0f ? &tc : nullptr, y);
    }
    for (int64_t i = 0; i < c.M; ++i) {
      for (int64_t j = 0; j < c.N; ++j) {
        double v = y.data<float>()[i * c.N + j];
        if (c.ep.bias == BiasKind::per_row) v += bias[i];
        if (c.ep.bias == BiasKind::per_col) v += bias[j];
        if (c.ep.residual) v += residual[i * c.N + j];
        if (c.ep.clamp) v = std::min(std::max(v, double{c.ep.lo}), double{c.ep.hi});
        ref[i * c.N + j] = v;
      }
    }
  }
  const double tol =
      1e-5 * std::sqrt(static_cast<double>(std::max<int64_t>(c.K, 1))) * std::abs(c.alpha) +
      1e-6 * (1.0 + std::abs(c.beta)) + 1e-6;

  // With tc, C (and the residual) are held as C^T: N rows of M.
  const int64_t c_rows = c.tc ? c.N : c.M, c_cols = c.tc ? c.M : c.N;
  const auto stored = [&](const std::vector<float>& m) {
    if (!c.tc) return m;
    std::vector<float> t(m.size());
    for (int64_t i = 0; i < c.M; ++i) {
      for (int64_t j = 0; j < c.N; ++j) t[j * c.M + i] = m[i * c.N + j];
    }
    return t;
  };
  const std::vector<float> c0_stored = stored(c0), residual_stored = stored(residual);
  const int64_t lda = a_cols + c.pad_a, ldb = b_cols + c.pad_b, ldc = c_cols + c.pad_c;
  const std::vector<float> a_ld = with_ld(a, a_rows, a_cols, lda);
  const std::vector<float> b_ld = with_ld(b, b_rows, b_cols, ldb);
  for (Isa isa : isas) {
    GemmDesc d;
    d.M = c.M;
    d.N = c.N;
    d.K = c.K;
    d.trans_a = c.ta;
    d.trans_b = c.tb;
    d.lda = lda;
    d.ldb = ldb;
    d.ldc = ldc;
    d.trans_c = c.tc;
    d.alpha = c.alpha;
    d.beta = c.beta;
    d.epilogue = c.ep;
    d.threads = c.threads;
    d.isa = isa;
    d.mc = c.mc;
    d.nc = c.nc;
    d.kc = c.kc;
    const GemmPlan plan = plan_gemm(d);
    ASSERT_EQ(plan.isa(), isa);
    std::vector<float> out = with_ld(c0_stored, c_rows, c_cols, ldc);
    if (c.beta == 0.0f) {  // C is write-only: garbage (NaN) in it must not leak through
      for (int64_t i = 0; i < c_rows; ++i) std::fill_n(out.begin() + i * ldc, c_cols, NAN);
    }
    GemmEpilogueData e{bias.data(), residual_stored.data(), c_cols};
    if (c.prepack && seed % 2 == 1) {  // the weights as A instead (a conv's filters)
      const PackedA packed = pack_a(plan, a_ld.data());
      plan.run(packed, b_ld.data(), out.data(), e);
    } else if (c.prepack) {
      const PackedB packed = pack_b(plan, b_ld.data());
      plan.run(a_ld.data(), packed, out.data(), e);
    } else {
      plan.run(a_ld.data(), b_ld.data(), out.data(), e);
    }
    double worst = 0.0;
    for (int64_t i = 0; i < c.M; ++i) {
      for (int64_t j = 0; j < c.N; ++j) {
        const double got = c.tc ? out[j * ldc + i] : out[i * ldc + j];
        const double err = std::abs(got - ref[i * c.N + j]);
        worst = std::isnan(err) ? INFINITY : std::max(worst, err);
      }
    }
    for (int64_t i = 0; i + 1 < c_rows; ++i) {
      // The padding between rows of C is never written.
      for (int64_t j = c_cols; j < ldc; ++j) {
        ASSERT_EQ(out[i * ldc + j], 1e30f) << isa_name(isa) << " wrote C padding; " << c.str();
      }
    }
    EXPECT_LE(worst, tol) << isa_name(isa) << " (" << plan.kernel_name() << "): " << c.str();
  }
}

TEST(Gemm, AllIsasMatchReferenceOnGeneratedShapes) {
  const std::vector<Case> cases = make_cases();
  ASSERT_GE(cases.size(), 200u);
  const std::vector<Isa> isas = available_isas();
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], isas, 1000 + i);
}

TEST(Gemm, LargeShapesAcrossDefaultBlocks) {
  // Default (cache-derived) blocks on shapes large enough to cross KC and MC, both threads.
  const std::vector<Isa> isas = available_isas();
  Case a(301, 67, 517);
  a.threads = 2;
  check_case(a, isas, 7);
  Case b(33, 530, 263);
  b.tb = true;
  b.beta = 1.0f;
  b.ep = GemmEpilogue::relu();
  b.threads = 2;
  check_case(b, isas, 8);
  Case c(1100, 40, 70);
  c.ta = true;
  check_case(c, isas, 9);
  // Narrow enough that a raw_a microkernel reads A's rows unpacked (gemm.cpp kRawAPanels),
  // across K blocks, with every epilogue term and a padded lda.
  Case d(130, 49, 900);
  d.pad_a = 5;
  d.beta = 1.0f;
  d.ep = GemmEpilogue::clamped(-2.0f, 2.0f);
  d.ep.bias = BiasKind::per_row;
  d.ep.residual = true;
  d.threads = 2;
  check_case(d, isas, 10);
  // Rows over MC (an eighth of L2 at K blocks of 344) in row blocks of equal whole tiles
  // (gemm.cpp execute; on a 2 MiB L2, 400 rows as 210 + 190 on one thread), the first block's
  // tiles packing B for the second (pack_block_in_tile), then on 2 threads.
  Case e(400, 128, 2048);
  e.ep.bias = BiasKind::per_row;
  check_case(e, isas, 21);
  e.threads = 2;
  check_case(e, isas, 22);
}

TEST(Gemm, PackedABlockAcrossColumnBlocks) {
  // One K block (at K > 128: gemm.cpp's rows-outer order at K <= 128 takes its own column
  // blocks) and several column blocks: a single row block's packed A serves every column
  // block (gemm.cpp execute, a_ready), where several row blocks each pack their own again. Wide
  // enough (over kRawAPanels micro-panels) that A is packed, not read where it lies.
  const std::vector<Isa> isas = available_isas();
  Case one(28, 500, 200);
  one.mc = 28;
  one.nc = 128;
  one.ep.bias = BiasKind::per_row;
  check_case(one, isas, 28);
  Case three(60, 500, 200);
  three.mc = 28;
  three.nc = 128;
  three.beta = 1.0f;
  check_case(three, isas, 29);
}

TEST(Gemm, PackOnReadAcrossBlocksAndEdges) {
  // 2-5 row panels with B's rows 4 KiB apart (all on one L1 set: not read raw throughout), so a
  // pack_on_read microkernel's first row panel packs B for the others (gemm.cpp
  // kPackOnReadTiles): two K blocks (beta 1 on the second), several column blocks, a narrow
  // last panel packed by the driver, a 5-row edge tile, each epilogue term; then alpha and beta
  // through the general tile on 2 threads.
  const std::vector<Isa> isas = available_isas();
  Case a(61, 203, 700);
  a.pad_b = 1024 - 203;
  a.beta = 1.0f;
  a.ep = GemmEpilogue::clamped(-3.0f, 3.0f);
  a.ep.bias = BiasKind::per_row;
  a.ep.residual = true;
  check_case(a, isas, 11);
  Case b(40, 330, 300);
  b.pad_b = 2048 - 330;
  b.alpha = -0.5f;
  b.beta = 0.75f;
  b.ep.bias = BiasKind::per_col;
  b.threads = 2;
  check_case(b, isas, 12);
  Case c(9, 100, 300);  // one row panel: B read raw on the aliasing stride, the edge packed
  c.pad_b = 1024 - 100;
  c.ep = GemmEpilogue::relu();
  check_case(c, isas, 16);
  // Dense B, where both would serve (gemm.cpp pack_on_read_first): 3 row panels pack on read,
  // 5 row panels on a block of a few micro-panels read B raw.
  Case d(30, 150, 200);
  d.ep = GemmEpilogue::relu();
  d.ep.bias = BiasKind::per_row;
  check_case(d, isas, 17);
  Case e(61, 100, 200);
  e.beta = 1.0f;
  e.ep.residual = true;
  check_case(e, isas, 18);
  // Up to gemm.cpp's kRowsOuterMaxK the first row panel packs the whole block (rows outer) and
  // the others sweep it, a call each (a kernel with sweeps: UkrArgs::panels); above it, as in
  // the cases before, the first tile of each micro-panel packs it (columns outer).
  Case f(40, 300, 100);
  f.ep = GemmEpilogue::relu();
  f.ep.bias = BiasKind::per_row;
  check_case(f, isas, 19);
  // ... whatever the number of row panels at that K: 18 row panels ending in a 12-row edge, a
  // narrow last column panel and a residual; on 1 thread two column blocks of the rows-outer
  // order (on a 2 MiB L2: 768 + 732 columns, equal blocks of at most 1280), the first block's
  // sweeps cut into a call per raw row of the second that they fetch; on 2 threads the columns
  // split between them.
  Case g(250, 1500, 100);
  g.ep.residual = true;
  g.ep.bias = BiasKind::per_col;
  check_case(g, isas, 20);
  g.threads = 2;
  check_case(g, isas, 23);
  // Above that K, a single row block packs in the tile whatever its number of row panels, here
  // more than gemm.cpp's kRawBTiles (B never read raw): 200 rows, two K blocks, a 12-column edge
  // panel packed by the driver; with A packed per call (13 row panels, the last 18 rows as 9 + 9:
  // gemm.cpp tile_rows), then pre-packed (14 row panels and a 4-row edge).
  Case h(200, 300, 400);
  h.beta = 1.0f;
  h.ep = GemmEpilogue::relu();
  h.ep.bias = BiasKind::per_row;
  check_case(h, isas, 24);
  h.prepack = true;
  check_case(h, isas, 25);
  // A few row tiles take K in one block of up to 576 (gemm.cpp kFewRowsTiles): 5 row panels
  // packing in the tile across 576 k steps, a 16-column edge.
  Case k(64, 400, 576);
  k.ep.residual = true;
  check_case(k, isas, 30);
  // ... and for 6 to 10 row panels on a block wide enough to pack on read rather than read B raw
  // (gemm.cpp pack_on_read_first): 9 row panels ending in an 8-row edge, 1100 columns.
  Case w(120, 1100, 200);
  w.ep.bias = BiasKind::per_row;
  check_case(w, isas, 27);
  // A stored transposed and read where it lies (a raw_trans_a kernel) while B, its rows 4 KiB
  // apart, is packed in the tile: 4 row panels, a 5-row edge, two K blocks.
  Case t(47, 130, 300);
  t.ta = true;
  t.pad_a = 3;
  t.pad_b = 1024 - 130;
  t.ep.residual = true;
  check_case(t, isas, 26);
}

TEST(Gemm, PackAOnReadInTheFirstColumnPanel) {
  // Columns outer with A packed per call (above K 128, several row blocks): the first column
  // panel's tiles read A's rows where they lie and store the packed panels that the tiles after
  // them read (gemm.cpp pack_a_in_tile). 183 rows (two row blocks on a 2 MiB L2, the last one's
  // edge shared as 8 + 7 rows), a padded lda, a 24-column edge panel, the epilogue; then alpha
  // and beta, whose tiles pack the panel before the general tile; then 2 threads.
  const std::vector<Isa> isas = available_isas();
  Case a(183, 600, 300);
  a.mc = 98;
  a.pad_a = 7;
  a.ep = GemmEpilogue::relu();
  a.ep.bias = BiasKind::per_row;
  a.ep.residual = true;
  check_case(a, isas, 31);
  Case b = a;
  b.alpha = -0.5f;
  b.beta = 0.75f;
  check_case(b, isas, 32);
  a.threads = 2;
  check_case(a, isas, 33);
}

TEST(Gemm, RowVectorOnPackedB) {
  // One row on pre-packed B (a fully connected layer at batch 1): a row_vector microkernel reads
  // A's row where it lies (gemm.cpp row_vector). Three K blocks, a 20-column edge panel, a
  // per-column bias and the clamp, a padded lda, 2 threads; alpha and beta; then A stored
  // transposed (not a contiguous row: packed as before). Even seeds pre-pack B.
  const std::vector<Isa> isas = available_isas();
  Case a(1, 84, 900);
  a.prepack = true;
  a.pad_a = 3;
  a.ep = GemmEpilogue::clamped(-1.0f, 1.0f);
  a.ep.bias = BiasKind::per_col;
  a.threads = 2;
  check_case(a, isas, 20);
  Case b(1, 50, 300);
  b.prepack = true;
  b.alpha = -0.5f;
  b.beta = 0.75f;
  check_case(b, isas, 22);
  Case c(1, 40, 200);
  c.prepack = true;
  c.ta = true;
  c.pad_a = 2;
  check_case(c, isas, 24);
}

TEST(Gemm, TransposedOrientationWhereNWastesLanes) {
  // A 7 x 7 map as N fills 49 of 64 vector lanes; with a transposing packer the plan computes
  // C^T instead and brings it back through the epilogue (gemm.cpp transpose_pays).
  const bool avx512 = isa_supported(Isa::avx512);
  EXPECT_EQ(plan_gemm(desc(512, 49, 300, Isa::automatic)).transposed(), avx512);
  EXPECT_FALSE(plan_gemm(desc(64, 3136, 300)).transposed());  // N tiles evenly
  EXPECT_FALSE(plan_gemm(desc(8, 1000, 300)).transposed());   // M would waste more
  // 196 columns waste 6% of the lanes; at K = 256 the pass that transposes C^T back costs more
  // (ResNet-50's 1024 x 196 x 256), at K = 2304 it does not.
  EXPECT_FALSE(plan_gemm(desc(1024, 196, 256)).transposed());
  EXPECT_EQ(plan_gemm(desc(256, 196, 2304, Isa::automatic)).transposed(), avx512);
  EXPECT_FALSE(plan_gemm(desc(512, 49, 300, Isa::scalar)).transposed());
  const std::vector<Isa> isas = available_isas();
  Case a(96, 49, 300);  // every epilogue term, alpha and beta, padded operands, 2 threads
  a.pad_a = 3;
  a.pad_b = 2;
  a.pad_c = 5;
  a.alpha = -0.5f;
  a.beta = 0.75f;
  a.ep = GemmEpilogue::clamped(-4.0f, 4.0f);
  a.ep.bias = BiasKind::per_row;
  a.ep.residual = true;
  a.threads = 2;
  check_case(a, isas, 13);
  Case b(50, 7, 33);  // both operands stored transposed, a per-column bias, one thread
  b.ta = b.tb = true;
  b.ep.bias = BiasKind::per_col;
  b.beta = 1.0f;
  check_case(b, isas, 14);
  Case c(130, 17, 1000);  // several K blocks, C rows in more than one 16-row block per thread
  c.ep = GemmEpilogue::relu();
  c.threads = 2;
  check_case(c, isas, 15);
}

TEST(Gemm, TransposedCMatchesReference) {
  // C stored transposed (a 1x1 conv with pixels as rows writing NCHW): the AVX-512 kernel
  // transposes its tile in registers, the others go through the driver's buffer. Random shapes
  // over every tile edge, K blocks (beta then accumulates onto the transposed C), epilogue,
  // pre-packed operand and threads, and the layer shapes it serves.
  const std::vector<Isa> isas = available_isas();
  std::vector<Case> cases;
  Case r50(49, 512, 1100);  // ResNet-50's 7 x 7 layers: pixels x channels, two K blocks
  r50.ta = r50.tb = r50.prepack = true;
  r50.kc = 1024;
  r50.threads = 2;
  r50.ep = GemmEpilogue::relu();
  r50.ep.bias = BiasKind::per_col;
  r50.ep.residual = true;
  r50.threads = 2;
  cases.push_back(r50);
  Case seven(49, 64, 70);  // a 7 x 7 map, several K blocks
  seven.ta = seven.tb = true;
  seven.kc = 24;
  seven.beta = 1.0f;
  cases.push_back(seven);
  Case no_k(5, 7, 0);  // no product: beta * C and the epilogue, still transposed
  no_k.beta = 0.5f;
  no_k.ep = GemmEpilogue::relu();
  no_k.ep.residual = true;
  cases.push_back(no_k);
  Rng rng(20261205);
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
  };
  while (cases.size() < 120) {
    Case c(pick(1, 60), pick(1, 80), pick(1, 4) == 1 ? pick(150, 420) : pick(1, 80));
    c.tc = true;
    c.ta = rng.uniform() < 0.6;
    c.tb = rng.uniform() < 0.6;
    random_lds_and_scalars(c, rng);
    switch (pick(0, 3)) {
      case 1:
        c.ep = GemmEpilogue::clamped(-0.5f, 0.5f);
        c.ep.bias = BiasKind::per_col;
        c.ep.residual = true;
        break;
      case 2:
        c.ep = GemmEpilogue::relu();
        c.ep.bias = BiasKind::per_row;
        break;
      case 3:
        c.ep.residual = true;
        break;
      default:
        break;
    }
    c.threads = rng.uniform() < 0.5 ? 1 : 2;
    if (rng.uniform() < 0.4) {
      c.mc = pick(1, 3) * 14;
      c.nc = pick(1, 3) * 32;
      c.kc = pick(5, 60);
    }
    c.prepack = rng.uniform() < 0.4;
    cases.push_back(c);
  }
  for (Case& c : cases) c.tc = true;
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], isas, 5000 + i);
}

TEST(Gemm, ThreadsGiveIdenticalResults) {
  // The split never changes the order of a C element's accumulation: 1 and 2 threads agree
  // bit for bit.
  Rng rng(3);
  const int64_t M = 77, N = 301, K = 211;
  const std::vector<float> a = random_floats(rng, M * K), b = random_floats(rng, K * N);
  std::vector<float> c1(M * N), c2(M * N);
  for (Isa isa : available_isas()) {
    GemmDesc d = desc(M, N, K, isa);
    d.threads = 1;
    plan_gemm(d).run(a.data(), b.data(), c1.data());
    d.threads = 2;
    const GemmPlan p2 = plan_gemm(d);
    EXPECT_EQ(p2.threads(), 2);
    p2.run(a.data(), b.data(), c2.data());
    EXPECT_EQ(c1, c2) << isa_name(isa);
  }
}

TEST(Gemm, RejectsBadDescriptionsAndMismatchedPackedB) {
  EXPECT_THROW(plan_gemm(desc(-1, 2, 3)), Error);
  GemmDesc bad_ld = desc(4, 2, 3);
  bad_ld.lda = 2;
  EXPECT_THROW(plan_gemm(bad_ld), Error);
  GemmDesc d = desc(4, 8, 3, Isa::scalar);
  const std::vector<float> b(24, 1.0f);
  const PackedB packed = pack_b(plan_gemm(d), b.data());
  d.K = 4;
  std::vector<float> a(16), c(32);
  EXPECT_THROW(plan_gemm(d).run(a.data(), packed, c.data()), Error);
  EXPECT_THROW(parse_isa("sse9"), Error);
}

TEST(Gemm, PackedAServesAnyN) {
  // A conv's filters packed once at load serve every feature-map size, and with threads each
  // takes one block of columns (gemm.cpp): N = 500 and 1500 split that way on 2 or more
  // threads.
  Rng rng(6);
  const int64_t M = 37, K = 70;
  const std::vector<float> a = random_floats(rng, M * K);
  for (Isa isa : available_isas()) {
    const PackedA packed = pack_a(plan_gemm(desc(M, 1, K, isa)), a.data());
    for (int64_t N : {1, 3, 49, 100, 500, 1500}) {
      const std::vector<float> b = random_floats(rng, K * N);
      std::vector<float> c1(M * N), c2(M * N);
      const GemmPlan plan = plan_gemm(desc(M, N, K, isa));
      plan.run(a.data(), b.data(), c1.data());
      plan.run(packed, b.data(), c2.data());
      EXPECT_EQ(c1, c2) << isa_name(isa) << " N=" << N;
    }
  }
}

TEST(Gemm, PackedBServesAnyM) {
  // Weights packed once at load serve every batch size.
  Rng rng(5);
  const int64_t N = 45, K = 70;
  const std::vector<float> b = random_floats(rng, K * N);
  for (Isa isa : available_isas()) {
    const PackedB packed = pack_b(plan_gemm(desc(1, N, K, isa)), b.data());
    for (int64_t M : {1, 3, 29}) {
      const std::vector<float> a = random_floats(rng, M * K);
      std::vector<float> c1(M * N), c2(M * N);
      const GemmPlan plan = plan_gemm(desc(M, N, K, isa));
      plan.run(a.data(), b.data(), c1.data());
      plan.run(a.data(), packed, c2.data());
      EXPECT_EQ(c1, c2) << isa_name(isa) << " M=" << M;
    }
  }
}

}  // namespace
}  // namespace loupe::kernels
