#pragma once
// A mapping (Timeloop's vocabulary): for each storage level, outer -> inner, the temporal loops it
// iterates over the tiles it holds, then the spatial loops that spread its tile over the instances
// below it along X and Y. The whole nest reads level 0's temporal, X, Y loops, then level 1's, ...
//
// Text format (docs/accel.md), one line per level, levels left out have no loops:
//   DRAM:       E8 F2 M4
//   shared_glb: E14 F4 | X: F14 | Y: C3 S3
//   weights_spad: R3
//   psum_spad:  M8
// Factors of a dimension multiply to the layer's size; a product larger than the size pads the
// nest (imperfect factorization, Eyeriss's folding) provided every loop still reaches real data.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accel/arch.hpp"
#include "accel/workload.hpp"

namespace loupe::accel {

struct Loop {
  Dim dim = Dim::N;
  int64_t factor = 1;
};

struct LevelMapping {
  std::vector<Loop> temporal;  // outer -> inner
  std::vector<Loop> x;         // spatial, to the instances below along X
  std::vector<Loop> y;
};

struct Mapping {
  std::vector<LevelMapping> levels;  // one per arch level, outer -> inner
};

// Parses the text format; errors read "<file>:<line>: level "X": reason".
Mapping parse_mapping_text(std::string_view text, std::string_view file, const Arch& arch);

// The YAML form (docs/accel.md): a top-level `mapping:` map from level name to `temporal`,
// `spatial_x`, `spatial_y`, each a list of one-entry maps `{DIM: factor}` outer -> inner:
//   mapping:
//     DRAM:       {temporal: [E: 8, F: 2, M: 4]}
//     shared_glb: {temporal: [E: 14, F: 4], spatial_x: [F: 14], spatial_y: [C: 3, S: 3]}
// Errors read "<file>:<line>: key "x": reason". Given the layer `w`, factor products are checked
// here too, so that their error names the line of the offending dimension's loop.
bool looks_like_mapping_yaml(std::string_view text);
Mapping parse_mapping_yaml(std::string_view text, std::string_view file, const Arch& arch,
                           const Workload* w = nullptr);

// Text, YAML or Timeloop's map.txt, detected from the content; `w` as for parse_mapping_yaml.
Mapping load_mapping_file(const std::string& path, const Arch& arch, const Workload* w = nullptr);

// Factor products against the layer, spatial products against each level's fanout, tiles against
// capacities. Errors name `source`, the level and the dimension.
void validate_mapping(const Arch& arch, const Workload& w, const Mapping& m,
                      std::string_view source);

// The first factor problem of validate_mapping (level count, overflow, spatial fanout, products
// against the layer's dims) with the dimension it concerns, or nullopt.
struct FactorProblem {
  Dim dim;
  std::string reason;
};
std::optional<FactorProblem> factor_problem(const Arch& arch, const Workload& w, const Mapping& m);

// The text format again (round-trips through parse_mapping_text).
std::string mapping_to_string(const Arch& arch, const Mapping& m);
// One line, e.g. "DRAM[E8 F2 M4] shared_glb[E14 F4 X:F14 Y:C3S3] ...".
std::string mapping_summary(const Arch& arch, const Mapping& m);

}  // namespace loupe::accel
