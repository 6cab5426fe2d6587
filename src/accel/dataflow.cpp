#include "accel/dataflow.hpp"

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

DataflowSpec dataflow_spec(Dataflow d) {
  using enum Dim;
  switch (d) {
    case Dataflow::ws:
      return {{M}, {C, R, S}, {true, false, false}, {N, E, F}, false};
    case Dataflow::os_a:
      return {{F}, {E}, {false, false, true}, {C, R, S}, false};
    case Dataflow::os_b:
      return {{F}, {M}, {false, false, true}, {C, R, S}, false};
    case Dataflow::os_c:
      return {{M}, {M}, {false, false, true}, {C, R, S}, false};
    case Dataflow::is:
      return {{F}, {C}, {false, true, false}, {M}, false};
    case Dataflow::nlr:
      return {{M}, {C}, {false, false, false}, {}, false};
    case Dataflow::rs:
      return {{E, M, N}, {R, E, C, M, N}, {true, true, true}, {S, F, C, M, N}, true};
  }
  return {};
}

}  // namespace loupe::accel
