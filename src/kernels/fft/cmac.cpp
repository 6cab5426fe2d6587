// ISA dispatch of the pointwise stage.
#include "kernels/fft/cmac.hpp"

namespace loupe::kernels::fft {

CmacFn cmac_conj(Isa isa) {
  switch (resolve_isa(isa)) {
    case Isa::avx512:
      return cmac_conj_avx512();
    case Isa::avx2:
      return cmac_conj_avx2();
    default:
      return cmac_conj_scalar();
  }
}

}  // namespace loupe::kernels::fft
