#include "accel/dataflow.hpp"

#include <utility>

#include "loupe/error.hpp"

namespace loupe::accel {

std::string_view dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::ws:
      return "ws";
    case Dataflow::os_a:
      return "os_a";
    case Dataflow::os_b:
      return "os_b";
    case Dataflow::os_c:
      return "os_c";
    case Dataflow::is:
      return "is";
    case Dataflow::nlr:
      return "nlr";
    case Dataflow::rs:
      return "rs";
  }
  return "?";
}

std::vector<Dataflow> parse_dataflows(std::string_view text) {
  if (text == "all") {
    return {Dataflow::rs,   Dataflow::ws, Dataflow::os_a, Dataflow::os_b,
            Dataflow::os_c, Dataflow::is, Dataflow::nlr};
  }
  if (text == "os") return {Dataflow::os_a};
  for (Dataflow d : {Dataflow::ws, Dataflow::os_a, Dataflow::os_b, Dataflow::os_c, Dataflow::is,
                     Dataflow::nlr, Dataflow::rs}) {
    if (dataflow_name(d) == text) return {d};
  }
  fail("--dataflow {}: expected rs, ws, os, os_a, os_b, os_c, is, nlr or all", text);
}

namespace {

DataflowSpec make_spec(std::vector<Dim> x, std::vector<Dim> y, std::array<bool, 3> pe_keeps,
                       std::vector<Dim> pe_temporal, bool row_stationary) {
  DataflowSpec s;
  s.x_dims = std::move(x);
  s.y_dims = std::move(y);
  s.pe_keeps = pe_keeps;
  s.pe_temporal = std::move(pe_temporal);
  s.row_stationary = row_stationary;
  return s;
}

DataflowSpec make_os(std::vector<Dim> x, std::vector<Dim> y) {
  using enum Dim;
  DataflowSpec s = make_spec(std::move(x), std::move(y), {false, false, true}, {C, R, S}, false);
  s.pe_whole = {C, R, S};
  return s;
}

}  // namespace

DataflowSpec dataflow_spec(Dataflow d) {
  using enum Dim;
  switch (d) {
    case Dataflow::ws: {
      // cnnflow ws_flow: R x S x r x t PEs (the filter plane whole, r input and t output
      // channels), one weight each; a weight fetched from DRAM serves every N E F MAC that uses
      // it before the PE takes another (ISCA'16 §IV-A); psums added over S and r in the array,
      // over R and C/r in the buffer, which holds psums (N t E F) and ifmap line buffers, not
      // weights or ifmaps.
      DataflowSpec s = make_spec({S, M, C}, {R, C, M}, {true, false, false}, {N, E, F}, false);
      s.spatial_whole = {R, S};
      s.pe_whole = {N, E, F};
      s.psums_via_buffer = {R};
      s.buffer_keeps = {false, false, true};
      return s;
    }
    // cnnflow's OS arrays take the batch too: SOC-MOP n x e x f PEs, MOC-MOP n x p x f,
    // MOC-SOP n x p (os_*_flow.m, "array size" constraints). Output stationary: a psum stays in
    // its PE until every C R S term is in (cnnflow: RF psum traffic 2 x ofmap x (CRS - 1), only
    // final ofmaps leave the PE), so C R S run to the end in the PE.
    case Dataflow::os_a:
      return make_os({F, N}, {E, N});
    case Dataflow::os_b:
      return make_os({F, N}, {M, N});
    case Dataflow::os_c:
      return make_os({M, N}, {M, N});
    case Dataflow::is:
      return make_spec({F}, {C}, {false, true, false}, {M}, false);
    case Dataflow::nlr:
      return make_spec({M}, {C}, {false, false, false}, {}, false);
    case Dataflow::rs:
      return make_spec({E, M, N}, {R, E, C, M, N}, {true, true, true}, {S, F, C, M, N}, true);
  }
  return {};
}

}  // namespace loupe::accel
