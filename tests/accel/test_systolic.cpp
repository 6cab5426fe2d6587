// SCALE-Sim v2 golden trace, AlexNet conv1 on a 32x32 weight-stationary array (REFERENCE.md §5).
#include <gtest/gtest.h>

#include "accel/systolic.hpp"
#include "accel/workload.hpp"

namespace loupe::accel {
namespace {

TEST(Systolic, Section5AlexNetConv1) {
  // REFERENCE.md §5 "Layer": 224x224 input, 11x11 filters, C=3, M=96, stride 4 -> 55x55.
  const Workload w = parse_layer_spec("conv:C=3,M=96,E=55,F=55,R=11,S=11,U=4");
  const SystolicResult r = simulate_systolic_ws(w, 32, 32);
  EXPECT_EQ(r.row_folds, 12);                               // §5 "Closed form": 363 taps, 12 folds
  EXPECT_EQ(r.col_folds, 3);                                // 96 filters, 3 folds
  EXPECT_EQ(r.cycles, 112283);                              // §5 "112,283 cycles"
  EXPECT_EQ(r.ifmap_reads, 3294225);                        // §5 "SRAM reads: ifmap 3,294,225"
  EXPECT_EQ(r.filter_reads, 34848);                         // "filter 34,848"
  EXPECT_EQ(r.ofmap_writes, 3484800);                       // "SRAM ofmap writes 3,484,800"
  EXPECT_NEAR(r.mapping_efficiency * 100, 94.53125, 1e-9);  // "mapping efficiency 94.53125%"
  EXPECT_NEAR(r.utilization * 100, 91.683, 5e-4);           // "overall utilization 91.683%"
}

TEST(Systolic, RejectsEmptyArray) {
  const Workload w = parse_layer_spec("fc:C=8,M=8");
  EXPECT_THROW(simulate_systolic_ws(w, 0, 4), loupe::Error);
}

}  // namespace
}  // namespace loupe::accel
