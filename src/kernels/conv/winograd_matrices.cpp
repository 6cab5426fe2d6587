#include <cmath>
#include <vector>

#include "kernels/conv/winograd_kernel.hpp"
#include "loupe/error.hpp"

namespace loupe::kernels::conv {

WinogradMatrices winograd_matrices(int m) {
  std::vector<double> points;
  switch (m) {
    case 2:
      points = {0.0, 1.0, -1.0};
      break;
    case 4:
      points = {0.0, 1.0, -1.0, 2.0, -2.0};
      break;
    case 6:
      points = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};
      break;
    default:
      throw Error("winograd: F(m x m, 3 x 3) is built for m = 2, 4, 6 only");
  }
  const int a = m + 2, last = a - 1;
  // Vandermonde matrix with the point at infinity as the last row, then its inverse by
  // Gauss-Jordan elimination with partial pivoting (a <= 8: no need for anything cleverer).
  std::vector<double> v(static_cast<size_t>(a * a), 0.0), inv(static_cast<size_t>(a * a), 0.0);
  for (int p = 0; p < a; ++p) {
    for (int k = 0; k < a; ++k) {
      v[p * a + k] = p < last ? std::pow(points[p], k) : (k == last ? 1.0 : 0.0);
    }
    inv[p * a + p] = 1.0;
  }
  for (int col = 0; col < a; ++col) {
    int piv = col;
    for (int r = col + 1; r < a; ++r) {
      if (std::abs(v[r * a + col]) > std::abs(v[piv * a + col])) piv = r;
    }
    for (int k = 0; k < a; ++k) {
      std::swap(v[col * a + k], v[piv * a + k]);
      std::swap(inv[col * a + k], inv[piv * a + k]);
    }
    const double d = v[col * a + col];
    for (int k = 0; k < a; ++k) {
      v[col * a + k] /= d;
      inv[col * a + k] /= d;
    }
    for (int r = 0; r < a; ++r) {
      if (r == col) continue;
      const double f = v[r * a + col];
      for (int k = 0; k < a; ++k) {
        v[r * a + k] -= f * v[col * a + k];
        inv[r * a + k] -= f * inv[col * a + k];
      }
    }
  }
  WinogradMatrices w;
  w.m = m;
  w.alpha = a;
  w.at.resize(static_cast<size_t>(m * a));
  w.g.resize(static_cast<size_t>(a * 3));
  w.bt.resize(static_cast<size_t>(a * a));
  auto power = [&](int p, int k, int degree) {  // row p of A (degree m-1) or G (degree 2)
    return p < last ? std::pow(points[p], k) : (k == degree ? 1.0 : 0.0);
  };
  for (int p = 0; p < a; ++p) {
    for (int i = 0; i < m; ++i) w.at[i * a + p] = static_cast<float>(power(p, i, m - 1));
    for (int k = 0; k < 3; ++k) w.g[p * 3 + k] = static_cast<float>(power(p, k, 2));
    for (int k = 0; k < a; ++k) {
      const double b = inv[k * a + p];  // B^T = V^-T
      w.bt[p * a + k] = std::abs(b) < 1e-12 ? 0.0f : static_cast<float>(b);
    }
  }
  return w;
}

}  // namespace loupe::kernels::conv
