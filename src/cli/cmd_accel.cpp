// loupe accel: map a model's layers (or one --layer) onto an accelerator (docs/accel.md).
#include <fmt/core.h>

#include <cctype>
#include <chrono>
#include <map>

#include "accel/arch.hpp"
#include "accel/mapper.hpp"
#include "accel/report.hpp"
#include "accel/report_html.hpp"
#include "accel/sparsity.hpp"
#include "accel/systolic.hpp"
#include "accel/timeloop.hpp"
#include "cli/commands.hpp"

namespace loupe::cli {
namespace {

struct AccelOpts {
  std::string model;
  std::string layer;
  std::string arch = "eyeriss";
  std::string dataflow = "rs";
  std::string mapping;
  std::string search = "energy";
  std::string energy;
  std::vector<std::string> inputs;
  std::string sparse = "gating";
  std::string emit_timeloop;
  std::string html;
  int64_t batch = 1;
  uint64_t seed = 1;
  bool json = false;
};

int accel(const AccelOpts& o) {
  std::vector<accel::Workload> layers;
  std::map<std::string, double> zeros;  // input zero fraction per layer (--input)
  if (!o.layer.empty()) {
    const bool file = o.layer.ends_with(".yaml") || o.layer.ends_with(".yml");
    layers.push_back(file ? accel::load_timeloop_problem(o.layer)
                          : accel::parse_layer_spec(o.layer));
    if (o.batch > 1) layers.back().dims[static_cast<int>(accel::Dim::N)] *= o.batch;
  } else {
    const graph::Graph g = load_model(o.model, o.batch);
    layers = accel::workloads_from_graph(g);
    if (!o.inputs.empty()) zeros = accel::measure_input_zeros(g, bind_inputs(g, o.inputs, o.seed));
  }
  const accel::SparseMode sparse_mode = accel::parse_sparse_mode(o.sparse);
  accel::Arch arch = accel::resolve_arch(o.arch);
  if (!o.energy.empty()) accel::apply_ert(arch, o.energy);

  if (o.arch.starts_with("systolic:") && o.mapping.empty()) {
    std::vector<accel::SystolicResult> rs(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      if (layers[i].mappable) {
        rs[i] = accel::simulate_systolic_ws(layers[i], arch.compute.mesh_y, arch.compute.mesh_x);
      }
    }
    if (o.json) {
      fmt::print("{}\n", accel::systolic_json(arch.name, layers, rs).dump(2));
    } else {
      fmt::print("{}", accel::systolic_table(arch.name, layers, rs));
    }
    return 0;
  }

  if (!o.mapping.empty()) {
    std::vector<accel::Workload> mappable;
    for (const auto& w : layers) {
      if (w.mappable) mappable.push_back(w);
    }
    if (mappable.size() != 1) {
      fail("--mapping {}: a mapping fits one layer; give --layer (the model has {} layers)",
           o.mapping, mappable.size());
    }
    accel::DataflowReport r{arch.name, "mapping", arch.energy_unit, {}};
    accel::MapResult m;
    m.arch = arch;
    m.mapping = accel::load_mapping_file(o.mapping, arch, &mappable[0]);
    accel::validate_mapping(arch, mappable[0], m.mapping, o.mapping);
    m.analysis = accel::analyze_unchecked(arch, mappable[0], m.mapping);
    m.found = true;
    m.evaluated = 1;
    accel::LayerReport lr;
    lr.workload = mappable[0];
    lr.result = m;
    r.layers.push_back(lr);
    if (!o.emit_timeloop.empty()) {
      accel::emit_timeloop(o.emit_timeloop, arch, mappable[0], &m.mapping);
    }
    if (!o.html.empty()) accel::write_html(o.html, {r}, lr.workload.name);
    if (o.json) {
      fmt::print("{}\n", accel::report_json(r).dump(2));
    } else {
      fmt::print("{}", accel::report_table(r));
    }
    return 0;
  }

  const std::vector<accel::Dataflow> dfs = accel::parse_dataflows(o.dataflow);
  accel::MapperOptions mo;
  mo.objective = accel::parse_objective(o.search);
  mo.seed = o.seed;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<accel::MapResult> results = accel::map_all(arch, layers, dfs, mo);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.emit_timeloop.empty()) {
    // One folder per mapped layer, with the first dataflow's mapping and the arch it used.
    for (size_t l = 0; l < layers.size(); ++l) {
      const accel::MapResult& m = results[l * dfs.size()];
      if (!m.found) continue;
      std::string name = layers[l].name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
      }
      accel::emit_timeloop(fmt::format("{}/{:02}_{}", o.emit_timeloop, l, name), m.arch, layers[l],
                           &m.mapping);
    }
  }
  std::vector<accel::DataflowReport> reports;
  int64_t evaluated = 0;
  for (size_t d = 0; d < dfs.size(); ++d) {
    accel::DataflowReport r{
        arch.name, std::string(accel::dataflow_name(dfs[d])), arch.energy_unit, {}};
    for (size_t l = 0; l < layers.size(); ++l) {
      accel::LayerReport lr;
      lr.workload = layers[l];
      lr.result = results[l * dfs.size() + d];
      if (const auto z = zeros.find(layers[l].name); z != zeros.end() && lr.result.found) {
        lr.sparse = true;
        lr.sparse_mode = sparse_mode;
        lr.sparse_result =
            accel::apply_sparsity(lr.result.arch, lr.result.analysis, z->second, sparse_mode);
      }
      r.layers.push_back(std::move(lr));
      evaluated += results[l * dfs.size() + d].evaluated;
    }
    reports.push_back(std::move(r));
  }
  if (!o.html.empty()) {
    accel::write_html(o.html, reports, o.model.empty() ? layers[0].name : o.model);
  }
  if (o.json) {
    if (reports.size() == 1) {
      fmt::print("{}\n", accel::report_json(reports[0]).dump(2));
    } else {
      nlohmann::json j;
      j["arch"] = arch.name;
      j["dataflows"] = nlohmann::json::array();
      for (const auto& r : reports) j["dataflows"].push_back(accel::report_json(r));
      j["comparison"] = accel::comparison_json(reports);
      fmt::print("{}\n", j.dump(2));
    }
    return 0;
  }
  for (const auto& r : reports) fmt::print("{}\n", accel::report_table(r));
  if (reports.size() > 1) fmt::print("{}", accel::comparison_table(reports));
  fmt::print("mapper: {} layers x {} dataflows, {} valid mappings analysed in {:.2f} s\n",
             layers.size(), dfs.size(), evaluated, seconds);
  if (!o.html.empty()) fmt::print("HTML report: {}\n", o.html);
  return 0;
}

}  // namespace

void add_accel(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "accel",
      "Map layers onto an Eyeriss-style accelerator: dataflow, access counts per level, energy, "
      "cycles, utilization (docs/accel.md)");
  auto o = std::make_shared<AccelOpts>();
  cmd->add_option("model", o->model, "Zoo name or .onnx file");
  cmd->add_option("--layer", o->layer,
                  "One layer: conv:N=1,C=128,M=256,E=56,F=56,R=3,S=3,U=1, fc:C=..,M=.. or a "
                  "Timeloop problem .yaml");
  cmd->add_option("--arch", o->arch,
                  "eyeriss, eyeriss-isca16, timeloop-eyeriss-like, systolic:RxC or FILE.yaml")
      ->capture_default_str();
  cmd->add_option("--dataflow", o->dataflow, "rs, ws, os (os_a, os_b, os_c), is, nlr or all")
      ->capture_default_str();
  cmd->add_option("--mapping", o->mapping,
                  "Analyse this mapping (text, YAML or Timeloop map.txt) instead of searching");
  cmd->add_option("--energy", o->energy, "Accelergy energy table (ERT_summary.yaml) for the arch");
  cmd->add_option("--emit-timeloop", o->emit_timeloop,
                  "Write problem.yaml, arch.yaml, ERT_summary.yaml and map.txt per layer into DIR");
  cmd->add_option("--html", o->html,
                  "Also write a self-contained HTML report (energy-by-level bars per layer and, "
                  "with --dataflow all, per dataflow) to FILE");
  cmd->add_option("--input", o->inputs,
                  "Run the model on this input ([NAME=]FILE, .npy or .pb) and apply each layer's "
                  "measured input zeros");
  cmd->add_option("--sparse", o->sparse,
                  "With --input: gating (energy) or skipping (energy and cycles)")
      ->capture_default_str();
  cmd->add_option("--search", o->search, "Mapper objective: energy, delay or edp")
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "Batch size N")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Mapper seed (results are deterministic per seed)")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON document");
  cmd->callback([&action, o] {
    if (o->model.empty() == o->layer.empty())
      fail("accel: give MODEL or --layer SPEC (one of them)");
    if (!o->inputs.empty() && o->model.empty()) fail("--input needs MODEL (not --layer)");
    if (o->batch < 1 || o->batch > 65536) fail("--batch {}: must be 1..65536", o->batch);
    action = [o] { return accel(*o); };
  });
}

}  // namespace loupe::cli
