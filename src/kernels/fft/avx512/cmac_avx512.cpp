// FFT convolution's pointwise stage for avx512 (see cmac_loop.hpp).
#include "kernels/fft/cmac.hpp"
#include "kernels/fft/cmac_loop.hpp"

namespace loupe::kernels::fft {

CmacFn cmac_conj_avx512() { return cmac_conj_loop; }

}  // namespace loupe::kernels::fft
