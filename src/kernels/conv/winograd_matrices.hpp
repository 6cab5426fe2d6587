#pragma once
// The Winograd F(m x m, 3 x 3) matrices built at compile time (winograd_kernel.hpp has the
// construction's derivation), so that the transforms in winograd_lanes.hpp see every
// coefficient as a constant: the terms whose coefficient is 0 drop out and those of +-1 need no
// multiply. B^T of F(4x4) is 6 x 6 with 14 zeros; A^T 4 x 6 with 6 zeros and 12 ones.
// winograd_matrices() hands the same values out at run time.
#include <array>
#include <utility>

namespace loupe::kernels::conv {

template <int m>
struct WinogradConstants {
  static constexpr int alpha = m + 2;
  std::array<float, m * alpha> at{};      // m x alpha
  std::array<float, alpha * 3> g{};       // alpha x 3
  std::array<float, alpha * alpha> bt{};  // alpha x alpha
};

namespace detail {

constexpr double power(double x, int k) {
  double r = 1.0;
  for (int i = 0; i < k; ++i) r *= x;
  return r;
}

constexpr double magnitude(double x) { return x < 0.0 ? -x : x; }

// The interpolation points 0, +-1, +-2, +-1/2 (the first alpha - 1; infinity is the last row).
constexpr std::array<double, 7> kPoints = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};

template <int m>
constexpr WinogradConstants<m> build_winograd() {
  static_assert(m == 2 || m == 4 || m == 6, "F(m x m, 3 x 3) is built for m = 2, 4, 6 only");
  constexpr int a = m + 2, last = a - 1;
  // Vandermonde matrix with the point at infinity as the last row, then its inverse by
  // Gauss-Jordan elimination with partial pivoting (a <= 8: no need for anything cleverer), in
  // double, rounded once to float.
  std::array<double, a * a> v{}, inv{};
  for (int p = 0; p < a; ++p) {
    for (int k = 0; k < a; ++k) {
      v[p * a + k] = p < last ? power(kPoints[p], k) : (k == last ? 1.0 : 0.0);
    }
    inv[p * a + p] = 1.0;
  }
  for (int col = 0; col < a; ++col) {
    int piv = col;
    for (int r = col + 1; r < a; ++r) {
      if (magnitude(v[r * a + col]) > magnitude(v[piv * a + col])) piv = r;
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
  // Row p of A (degree m - 1) or G (degree 2): the powers of point p.
  const auto row_power = [](int p, int k, int degree) {
    return p < last ? power(kPoints[p], k) : (k == degree ? 1.0 : 0.0);
  };
  WinogradConstants<m> w;
  for (int p = 0; p < a; ++p) {
    for (int i = 0; i < m; ++i) w.at[i * a + p] = static_cast<float>(row_power(p, i, m - 1));
    for (int k = 0; k < 3; ++k) w.g[p * 3 + k] = static_cast<float>(row_power(p, k, 2));
    for (int k = 0; k < a; ++k) {
      const double b = inv[k * a + p];  // B^T = V^-T
      w.bt[p * a + k] = magnitude(b) < 1e-12 ? 0.0f : static_cast<float>(b);
    }
  }
  return w;
}

}  // namespace detail

template <int m>
inline constexpr WinogradConstants<m> kWinograd = detail::build_winograd<m>();

}  // namespace loupe::kernels::conv
