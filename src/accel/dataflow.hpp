#pragma once
// Dataflows as constraints on the mapping space (survey §V; ISCA'16 comparison):
//   WS   weight stationary: one weight in the PE's RF, the whole R x S filter plane spatial (S on
//        X, R on Y, C and M on either); the PE runs every N E F MAC of its weight; psums are
//        added in the array over S and C, through the buffer over R.
//   OS_A output stationary, single output channel / multiple output pixels (ShiDianNao): X F, Y E,
//        and the batch N on either.
//   OS_B multiple output channels and pixels: X F, Y M, and N on either.
//   OS_C multiple output channels / single output pixel: X M, Y M, and N on either.
//        OS PEs run every C R S MAC of their output before it leaves.
//   IS   input stationary: inputs stay in the RF, spatial over F (X) and C (Y).
//   NLR  no local reuse: the RF is bypassed, spatial over M (X) and C (Y) (DianNao).
//   RS   row stationary (Eyeriss): a logical PE set of R filter rows x E output rows, folded into
//        strips of the array's width, stacked and replicated over C / M / N; the RF keeps a row
//        of filter weights, a sliding window of inputs and a row of partial sums.
// What a dataflow allows the PE temporal loops to be follows from what it keeps stationary. The
// hardware of WS / OS / NLR is the one ISCA'16 evaluates: its authors' analysis framework
// (cnnflow, github.com/ominux/eyeriss-dataflow at 8ce1562 "GOLDEN: ISCA final edit";
// docs/accel.md). The whole-dimension and psum rules below apply on archs with that framework's
// operand forwarding (Arch::inter_pe_forwarding; the mapper drops them elsewhere).
#include <array>
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
  std::array<bool, 3> pe_keeps;    // weights, inputs, outputs in the PE-level storage
  std::vector<Dim> pe_temporal;    // dims the PE-level temporal loops may take
  bool row_stationary = false;     // spatial split by Eyeriss's logical PE sets
  std::vector<Dim> spatial_whole;  // dims mapped entirely in space (WS: the R x S filter plane)
  std::vector<Dim> pe_whole;       // PE temporal dims that run to the end in the PE (WS: N E F)
  // Dims whose spatial loops do not add partial sums in the array: each PE's psum goes to the
  // buffer (WS: the filter rows R).
  std::vector<Dim> psums_via_buffer;
  // What the buffer above the PEs keeps when the array forwards operands between PEs
  // (Arch::inter_pe_forwarding); WS: partial sums only, ifmaps stream through a line buffer.
  std::array<bool, 3> buffer_keeps = {true, true, true};
};

DataflowSpec dataflow_spec(Dataflow d);

}  // namespace loupe::accel
