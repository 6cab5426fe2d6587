#pragma once
// Dataflows as constraints on the mapping space (survey §V; ISCA'16 comparison):
//   WS   weight stationary: weights stay in the PE's RF, spatial over M (X) and C, R, S (Y).
//   OS_A output stationary, single output channel / multiple output pixels (ShiDianNao): X F, Y E.
//   OS_B multiple output channels and pixels: X F, Y M.
//   OS_C multiple output channels / single output pixel: X M, Y M.
//   IS   input stationary: inputs stay in the RF, spatial over F (X) and C (Y).
//   NLR  no local reuse: the RF is bypassed, spatial over M (X) and C (Y) (DianNao).
//   RS   row stationary (Eyeriss): a logical PE set of R filter rows x E output rows, folded into
//        strips of the array's width, stacked and replicated over C / M / N; the RF keeps a row
//        of filter weights, a sliding window of inputs and a row of partial sums.
// What a dataflow allows the PE temporal loops to be follows from what it keeps stationary.
#include <string_view>
#include <vector>

#include "accel/workload.hpp"

namespace loupe::accel {

enum class Dataflow { ws, os_a, os_b, os_c, is, nlr, rs };

std::string_view dataflow_name(Dataflow d);
// "ws", "os" (= os_a), "os_a", "os_b", "os_c", "is", "nlr", "rs", or "all" (every one above).
std::vector<Dataflow> parse_dataflows(std::string_view text);

struct DataflowSpec {
  std::vector<Dim> x_dims;  // dims the spatial X loops may take
  std::vector<Dim> y_dims;
  std::array<bool, 3> pe_keeps;  // weights, inputs, outputs in the PE-level storage
  std::vector<Dim> pe_temporal;  // dims the PE-level temporal loops may take
  bool row_stationary = false;   // spatial split by Eyeriss's logical PE sets
};

DataflowSpec dataflow_spec(Dataflow d);

}  // namespace loupe::accel
