#include <cpuinfo.h>

#include "kernels/isa.hpp"
#include "kernels/peak/peak.hpp"

namespace loupe::kernels::peak {

bool vnni_supported() {
  return isa_supported(Isa::avx512) && cpuinfo_initialize() && cpuinfo_has_x86_avx512vnni();
}

}  // namespace loupe::kernels::peak
