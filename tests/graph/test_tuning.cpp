// --tune's measurement (graph/tuning.cpp): whatever it times, the algorithm it returns must run
// the layer. Which one wins depends on the machine, so the tests check the contract, not a name.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "graph/tuning.hpp"
#include "kernels/conv/conv.hpp"
#include "loupe/random.hpp"

namespace loupe::graph {
namespace {

using kernels::conv::ConvDesc;

ConvDesc layer(int64_t C, int64_t M, int64_t HW, int64_t R, int64_t U, int64_t G) {
  ConvDesc d;
  ops::LayerShape& s = d.shape;
  s.N = 1;
  s.C = C;
  s.M = M;
  s.H = s.W = HW;
  s.R = s.S = R;
  s.U = s.U_w = U;
  s.G = G;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = R / 2;
  s.E = (HW + 2 * (R / 2) - R) / U + 1;
  s.F = s.E;
  d.has_bias = true;
  return d;
}

TEST(Tuning, MeasureFastestReturnsAnAlgorithmThatRunsTheLayer) {
  // A 3x3 layer (direct, Winograd, im2col, FFT...), a 1x1, a strided 5x5, a depthwise.
  const std::vector<ConvDesc> layers = {layer(16, 24, 12, 3, 1, 1), layer(32, 16, 9, 1, 1, 1),
                                        layer(8, 8, 11, 5, 2, 1), layer(12, 12, 10, 3, 1, 12)};
  Rng rng(5);
  for (const ConvDesc& d : layers) {
    const ops::LayerShape& s = d.shape;
    std::vector<float> w(static_cast<size_t>(s.M * (s.C / s.G) * s.R * s.S));
    std::vector<float> b(static_cast<size_t>(s.M));
    for (float& v : w) v = static_cast<float>(rng.normal());
    for (float& v : b) v = static_cast<float>(rng.normal());
    const std::string heuristic(kernels::conv::choose_algorithm(d).name());
    // With the heuristic's choice as the incumbent, and with one that is not a candidate (the
    // fastest measured then wins outright).
    for (const std::string& incumbent : {heuristic, std::string("no_such_algorithm")}) {
      const std::string name = measure_fastest(d, w.data(), b.data(), incumbent);
      const kernels::conv::ConvAlgorithm* a = kernels::conv::find_algorithm(name);
      ASSERT_NE(a, nullptr) << "C=" << s.C << " M=" << s.M << " R=" << s.R << ": \"" << name
                            << "\"";
      EXPECT_TRUE(a->supports(d)) << name << " C=" << s.C << " M=" << s.M << " R=" << s.R;
    }
  }
}

}  // namespace
}  // namespace loupe::graph
