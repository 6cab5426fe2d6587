#include "kernels/conv/winograd_matrices.hpp"

#include <vector>

#include "kernels/conv/winograd_kernel.hpp"
#include "loupe/error.hpp"

namespace loupe::kernels::conv {
namespace {

template <int m>
WinogradMatrices from_constants() {
  const WinogradConstants<m>& c = kWinograd<m>;
  WinogradMatrices w;
  w.m = m;
  w.alpha = c.alpha;
  w.at.assign(c.at.begin(), c.at.end());
  w.g.assign(c.g.begin(), c.g.end());
  w.bt.assign(c.bt.begin(), c.bt.end());
  return w;
}

}  // namespace

WinogradMatrices winograd_matrices(int m) {
  switch (m) {
    case 2:
      return from_constants<2>();
    case 4:
      return from_constants<4>();
    case 6:
      return from_constants<6>();
    default:
      throw Error("winograd: F(m x m, 3 x 3) is built for m = 2, 4, 6 only");
  }
}

}  // namespace loupe::kernels::conv
