#pragma once
// Winograd F(m x m, 3 x 3) pieces: the transform matrices, and the input / output transforms of
// one chunk of tiles, written once in winograd_lanes.hpp and compiled per ISA.
//
// For the 1-D algorithm F(m, 3) on alpha = m + 2 inputs d and taps g:
//   y = A^T [ (G g) .* (B^T d) ]
// from the Toom-Cook product of a degree m-1 and a degree 2 polynomial evaluated at alpha - 1
// finite points and infinity, transposed (correlation is the transpose of polynomial product):
// with V the alpha x alpha Vandermonde matrix of the points (infinity's row e_{alpha-1}),
// B^T = V^-T, and row p of A (alpha x m) and G (alpha x 3) are the powers of point p. In 2-D,
// Y = A^T [ (G g G^T) .* (B^T d B) ] A. The points (0, +-1, +-2, +-1/2) are the usual ones.
#include <cstdint>
#include <vector>

namespace loupe::kernels::conv {

struct WinogradMatrices {
  int m = 0, alpha = 0;
  std::vector<float> at;  // m x alpha
  std::vector<float> g;   // alpha x 3
  std::vector<float> bt;  // alpha x alpha
};
// m = 2, 4 or 6; computed in double, rounded once to float.
WinogradMatrices winograd_matrices(int m);

// One image's tiles [t_begin, t_begin + t_count) of the E x F output, tiles_w tiles per row.
// Input transform: v[pos][t][c] = (B^T d_{t,c} B)[pos] for the alpha x alpha input window of
// tile t in channel c, pos = i * alpha + j. The input arrives as a band of whole tile rows
// already blocked by 16 channels with the padding written out: band[C/16][Hb][Wb][16], where
// band row (th - th0) * m + i and column tw * m + j hold the input pixel of tile (th, tw)'s window
// element (i, j) (zero outside the image).
struct WinogradInput {
  int alpha = 0;  // m + 2: the transforms' matrices are kWinograd<m> (winograd_matrices.hpp)
  const float* band = nullptr;
  int64_t C = 0, Hb = 0, Wb = 0, tiles_w = 0;
  int64_t t_begin = 0, t_count = 0;  // t_begin is the first tile of band row 0 (th0 * tiles_w)
  float* v = nullptr;                // alpha^2 matrices of t_count x C
  int64_t pos_stride = 0;            // floats from one pos's matrix to the next (>= t_count C)
};

// Output transform: y_{t,m} = A^T o_{t,m} A + bias[m] (+ residual, clamp), written where the
// tile lies inside E x F; o[pos][t][m] is the element-wise stage's result.
struct WinogradOutput {
  int alpha = 0;  // m + 2: the transforms' matrices are kWinograd<m> (winograd_matrices.hpp)
  const float* o = nullptr;  // alpha^2 matrices of t_count x M
  int64_t pos_stride = 0;    // floats from one pos's matrix to the next (>= t_count M)
  int64_t M = 0, E = 0, F = 0, tiles_w = 0;
  int64_t t_begin = 0, t_count = 0;
  const float* bias = nullptr;      // M or null
  const float* residual = nullptr;  // the image's M x E x F or null
  float* y = nullptr;               // the image's M x E x F
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

void winograd_input_scalar(const WinogradInput& p);
void winograd_input_avx2(const WinogradInput& p);
void winograd_input_avx512(const WinogradInput& p);
void winograd_output_scalar(const WinogradOutput& p);
void winograd_output_avx2(const WinogradOutput& p);
void winograd_output_avx512(const WinogradOutput& p);

}  // namespace loupe::kernels::conv
