#pragma once
// Timeloop + Accelergy files as they are (issue 7 item 8): a v0.4 problem YAML, an architecture
// YAML of the public example designs (v0.4 `nodes` with !Container / !Component, or v0.3
// `subtree` / `local`; meshX / meshY; keep / bypass constraints), a mapping as Timeloop prints it
// (`*.map.txt`) and an Accelergy energy table (`ERT_summary.yaml`). The generic loaders
// (load_arch_file, load_mapping_file, --layer FILE) detect these formats from the content.
#include <string>
#include <string_view>

#include "accel/arch.hpp"
#include "accel/mapping.hpp"
#include "accel/workload.hpp"
#include "accel/yaml_util.hpp"

namespace loupe::accel {

bool is_timeloop_arch(const YAML::Node& root);
Arch parse_timeloop_arch(const YAML::Node& root, std::string_view file);

// `problem: {instance: {C: 3, M: 32, P: 112, ..., Hstride: 2}}` (P, Q = E, F).
Workload load_timeloop_problem(const std::string& path);

bool looks_like_timeloop_map(std::string_view text);
Mapping parse_timeloop_map(std::string_view text, std::string_view file, const Arch& arch);

// Per-action energies from ERT_summary.yaml (or ERT.yaml with the same entries) onto the levels
// and compute unit of the same names; the arch's unit becomes pJ.
void apply_ert(Arch& arch, const std::string& path);

// Writes problem.yaml, arch.yaml, ERT_summary.yaml and (with a mapping) map.txt into `dir` in the
// formats above, so that they load back to the same arch, layer and mapping.
void emit_timeloop(const std::string& dir, const Arch& arch, const Workload& w,
                   const Mapping* mapping);

}  // namespace loupe::accel
