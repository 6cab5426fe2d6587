#pragma once
// FFT convolution (algorithm "fft"): correlation of each input plane with each filter as a
// pointwise product of 2-D spectra, Y_m = sum_c X_c conj(W_mc) (Mathieu, Henaff, LeCun 2014;
// REFERENCE.md §2: pays off for large filters, and the FFT size follows the feature map, not the
// filter). The transform is P x Q = fast_size(H + pads) x fast_size(W + pads), so the circular
// correlation equals the linear one on every output that is kept.
//
// create() transforms the weights once (M x C spectra of P x (Q/2 + 1) bins, scaled by 1/(PQ));
// run() transforms the N x C input planes (threads over planes), then for each m (threads over
// output channels) sums the C products bin by bin for every image (so each weight spectrum is
// read once per batch), transforms back, crops E x F and applies bias, residual and clamp.
// Supports stride 1, dilation 1, groups 1, any padding; the weight spectra cost M C P (Q/2+1)
// complex floats, so supports() refuses layers whose spectra would pass 1 GiB.
#include "kernels/conv/conv.hpp"

namespace loupe::kernels::conv {

const ConvAlgorithm& fft_algorithm();

}  // namespace loupe::kernels::conv
