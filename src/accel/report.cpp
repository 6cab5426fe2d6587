#include "accel/report.hpp"

#include <fmt/format.h>

#include <map>

namespace loupe::accel {

namespace {

nlohmann::json energy_by_level(const Analysis& a) {
  nlohmann::json e = nlohmann::json::object();
  for (const LevelResult& l : a.levels) e[l.name] = l.energy;
  e["NoC"] = a.noc_energy;
  e["MAC"] = a.mac_energy;
  return e;
}

std::string si(double v) {
  const double a = std::abs(v);
  if (a >= 1e12) return fmt::format("{:.2f}T", v / 1e12);
  if (a >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

nlohmann::json report_json(const DataflowReport& r) {
  nlohmann::json j;
  j["arch"] = r.arch;
  j["dataflow"] = r.dataflow;
  j["energy_unit"] = std::string(energy_unit_name(r.unit));
  j["layers"] = nlohmann::json::array();
  int64_t macs = 0, cycles = 0, dram = 0;
  double energy = 0;
  nlohmann::json by_level = nlohmann::json::object();
  for (const LayerReport& lr : r.layers) {
    nlohmann::json l;
    l["name"] = lr.workload.name;
    l["op"] = lr.workload.op;
    l["macs"] = lr.workload.macs();
    if (!lr.result.found) {
      l["mapped"] = false;
      j["layers"].push_back(l);
      continue;
    }
    const Analysis& a = lr.result.analysis;
    l["cycles"] = a.cycles;
    l["utilization"] = a.utilization;
    l["active_pes"] = a.active_pes;
    l["energy_pj"] = a.energy;
    l["energy_by_level"] = energy_by_level(a);
    nlohmann::json acc = nlohmann::json::object();
    for (const LevelResult& lv : a.levels) {
      nlohmann::json t = nlohmann::json::object();
      for (TensorKind k : kAllTensorKinds) {
        if (!lv.keeps[static_cast<int>(k)]) continue;
        const TensorAccess& ta = lv.tensors[static_cast<int>(k)];
        t[std::string(tensor_name(k))] = {{"reads", ta.reads},
                                          {"fills", ta.fills},
                                          {"updates", ta.updates},
                                          {"instances", ta.instances}};
      }
      acc[lv.name] = t;
    }
    l["accesses"] = acc;
    l["dram_accesses_per_mac"] = a.dram_per_mac();
    l["mapping"] = mapping_summary(lr.result.arch, lr.result.mapping);
    if (lr.sparse) {
      const SparseResult& sr = lr.sparse_result;
      l["sparse"] = {{"mode", std::string(sparse_mode_name(lr.sparse_mode))},
                     {"input_zero_fraction", sr.input_zero_fraction},
                     {"effectual_macs", sr.effectual_macs},
                     {"energy_pj", sr.energy},
                     {"cycles", sr.cycles},
                     {"dram_accesses", sr.dram_accesses}};
    }
    j["layers"].push_back(l);
    macs += a.macs;
    cycles += a.cycles;
    dram += a.dram_accesses;
    energy += a.energy;
    for (auto& [k, v] : l["energy_by_level"].items()) {
      by_level[k] = by_level.value(k, 0.0) + v.get<double>();
    }
  }
  j["total"] = {{"macs", macs},
                {"cycles", cycles},
                {"energy_pj", energy},
                {"energy_per_mac", macs ? energy / static_cast<double>(macs) : 0.0},
                {"energy_by_level", by_level},
                {"dram_accesses", dram},
                {"dram_accesses_per_mac", macs ? static_cast<double>(dram) / macs : 0.0}};
  return j;
}

std::string report_table(const DataflowReport& r) {
  const std::string unit(energy_unit_name(r.unit));
  std::string out = fmt::format("arch {}, dataflow {}, energy in {}\n", r.arch, r.dataflow, unit);
  // Level names of the first mapped layer head the energy columns.
  std::vector<std::string> levels;
  for (const LayerReport& lr : r.layers) {
    if (!lr.result.found) continue;
    for (const LevelResult& l : lr.result.analysis.levels) levels.push_back(l.name);
    break;
  }
  out += fmt::format("{:<14} {:>9} {:>10} {:>6} {:>5} {:>9} {:>9}", "layer", "MACs", "cycles",
                     "util", "PEs", unit + "/MAC", "DRAM/MAC");
  for (const std::string& l : levels) out += fmt::format(" {:>9}", l.substr(0, 9));
  out += fmt::format(" {:>9} {:>9}\n", "NoC", "MAC");
  int64_t macs = 0, cycles = 0, dram = 0;
  double energy = 0;
  std::vector<double> lev(levels.size() + 2, 0);
  std::vector<std::string> mappings;
  for (const LayerReport& lr : r.layers) {
    const std::string name = lr.workload.name.substr(0, 14);
    if (!lr.result.found) {
      // A pooling layer has no MACs to map (its nest's product is a placeholder 1).
      out += fmt::format(
          "{:<14} {:>9} {}\n", name,
          lr.workload.mappable ? si(static_cast<double>(lr.workload.macs())) : std::string("-"),
          lr.workload.mappable ? "(no mapping fits)" : "(pooling: not mapped)");
      continue;
    }
    const Analysis& a = lr.result.analysis;
    const double m = static_cast<double>(a.macs);
    out += fmt::format("{:<14} {:>9} {:>10} {:>5.1f}% {:>5} {:>9.3f} {:>9.5f}", name, si(m),
                       a.cycles, 100 * a.utilization, a.active_pes, a.energy / m, a.dram_per_mac());
    for (size_t i = 0; i < levels.size() && i < a.levels.size(); ++i) {
      out += fmt::format(" {:>9.3f}", a.levels[i].energy / m);
      lev[i] += a.levels[i].energy;
    }
    out += fmt::format(" {:>9.3f} {:>9.3f}\n", a.noc_energy / m, a.mac_energy / m);
    lev[levels.size()] += a.noc_energy;
    lev[levels.size() + 1] += a.mac_energy;
    macs += a.macs;
    cycles += a.cycles;
    dram += a.dram_accesses;
    energy += a.energy;
    mappings.push_back(
        fmt::format("  {:<14} {}", name, mapping_summary(lr.result.arch, lr.result.mapping)));
  }
  if (macs > 0) {
    const double m = static_cast<double>(macs);
    out += fmt::format("{:<14} {:>9} {:>10} {:>6} {:>5} {:>9.3f} {:>9.5f}", "total", si(m), cycles,
                       "", "", energy / m, static_cast<double>(dram) / m);
    for (double e : lev) out += fmt::format(" {:>9.3f}", e / m);
    out += "\n";
  }
  bool any_sparse = false;
  for (const LayerReport& lr : r.layers) any_sparse = any_sparse || (lr.sparse && lr.result.found);
  if (any_sparse) {
    out += fmt::format("with measured input zeros ({}, RLC of inputs from DRAM):\n",
                       sparse_mode_name(r.layers[0].sparse_mode));
    out += fmt::format("{:<14} {:>7} {:>14} {:>9} {:>10} {:>9}\n", "layer", "zeros",
                       "effectual MACs", unit + "/MAC", "cycles", "DRAM/MAC");
    for (const LayerReport& lr : r.layers) {
      if (!lr.sparse || !lr.result.found) continue;
      const SparseResult& sr = lr.sparse_result;
      const double m = static_cast<double>(lr.result.analysis.macs);
      out += fmt::format("{:<14} {:>6.1f}% {:>14} {:>9.3f} {:>10} {:>9.5f}\n",
                         lr.workload.name.substr(0, 14), 100 * sr.input_zero_fraction,
                         sr.effectual_macs, sr.energy / m, sr.cycles,
                         static_cast<double>(sr.dram_accesses) / m);
    }
  }
  out += "energy columns: per MAC, by level; mappings (outer -> inner):\n";
  for (const std::string& s : mappings) out += s + "\n";
  return out;
}

namespace {

struct Split {
  double conv_energy = 0, conv_macs = 0, fc_energy = 0, fc_macs = 0;
};

Split split(const DataflowReport& r) {
  Split s;
  for (const LayerReport& lr : r.layers) {
    if (!lr.result.found) continue;
    const double e = lr.result.analysis.energy, m = static_cast<double>(lr.result.analysis.macs);
    (lr.workload.fc ? s.fc_energy : s.conv_energy) += e;
    (lr.workload.fc ? s.fc_macs : s.conv_macs) += m;
  }
  return s;
}

}  // namespace

nlohmann::json comparison_json(const std::vector<DataflowReport>& reports) {
  nlohmann::json j = nlohmann::json::array();
  Split rs;
  for (const DataflowReport& r : reports) {
    if (r.dataflow == "rs") rs = split(r);
  }
  for (const DataflowReport& r : reports) {
    const Split s = split(r);
    const double conv = s.conv_macs ? s.conv_energy / s.conv_macs : 0;
    const double fc = s.fc_macs ? s.fc_energy / s.fc_macs : 0;
    const double rs_conv = rs.conv_macs ? rs.conv_energy / rs.conv_macs : 0;
    const double rs_fc = rs.fc_macs ? rs.fc_energy / rs.fc_macs : 0;
    j.push_back({{"dataflow", r.dataflow},
                 {"conv_energy_per_mac", conv},
                 {"fc_energy_per_mac", fc},
                 {"conv_vs_rs", rs_conv > 0 ? conv / rs_conv : 0.0},
                 {"fc_vs_rs", rs_fc > 0 ? fc / rs_fc : 0.0}});
  }
  return j;
}

std::string comparison_table(const std::vector<DataflowReport>& reports) {
  const std::string unit = reports.empty() ? "" : std::string(energy_unit_name(reports[0].unit));
  std::string out = fmt::format(
      "energy per MAC by dataflow ({}), normalized to RS = 1.00 (REFERENCE.md §3 ISCA'16: CONV "
      "WS 1.92, OS(A) 1.42, OS(B) 1.45, OS(C) 1.75, NLR 2.15; FC WS 2.23, OS(A) 2.36, OS(B) 1.88, "
      "OS(C) 1.80, NLR 1.40)\n",
      unit);
  out +=
      fmt::format("{:<9} {:>10} {:>8} {:>10} {:>8}\n", "dataflow", "CONV", "vs RS", "FC", "vs RS");
  for (const auto& row : comparison_json(reports)) {
    out += fmt::format("{:<9} {:>10.3f} {:>8.2f} {:>10.3f} {:>8.2f}\n",
                       row["dataflow"].get<std::string>(), row["conv_energy_per_mac"].get<double>(),
                       row["conv_vs_rs"].get<double>(), row["fc_energy_per_mac"].get<double>(),
                       row["fc_vs_rs"].get<double>());
  }
  return out;
}

std::string systolic_table(const std::string& arch, const std::vector<Workload>& layers,
                           const std::vector<SystolicResult>& results) {
  std::string out = fmt::format("arch {} (weight stationary, SCALE-Sim model)\n", arch);
  out += fmt::format("{:<14} {:>9} {:>10} {:>7} {:>7} {:>12} {:>12} {:>12}\n", "layer", "MACs",
                     "cycles", "map eff", "util", "ifmap reads", "filter reads", "ofmap writes");
  for (size_t i = 0; i < layers.size(); ++i) {
    if (!layers[i].mappable) continue;
    const SystolicResult& r = results[i];
    out += fmt::format("{:<14} {:>9} {:>10} {:>6.2f}% {:>6.2f}% {:>12} {:>12} {:>12}\n",
                       layers[i].name.substr(0, 14), si(static_cast<double>(r.macs)), r.cycles,
                       100 * r.mapping_efficiency, 100 * r.utilization, r.ifmap_reads,
                       r.filter_reads, r.ofmap_writes);
  }
  return out;
}

nlohmann::json systolic_json(const std::string& arch, const std::vector<Workload>& layers,
                             const std::vector<SystolicResult>& results) {
  nlohmann::json j;
  j["arch"] = arch;
  j["dataflow"] = "ws";
  j["layers"] = nlohmann::json::array();
  int64_t macs = 0, cycles = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (!layers[i].mappable) continue;
    const SystolicResult& r = results[i];
    j["layers"].push_back({{"name", layers[i].name},
                           {"macs", r.macs},
                           {"cycles", r.cycles},
                           {"utilization", r.utilization},
                           {"mapping_efficiency", r.mapping_efficiency},
                           {"active_pes", std::min(r.rows, r.row_folds * r.rows) *
                                              std::min(r.cols, r.col_folds * r.cols)},
                           {"sram_reads", {{"inputs", r.ifmap_reads}, {"weights", r.filter_reads}}},
                           {"sram_writes", {{"outputs", r.ofmap_writes}}}});
    macs += r.macs;
    cycles += r.cycles;
  }
  j["total"] = {{"macs", macs}, {"cycles", cycles}};
  return j;
}

}  // namespace loupe::accel
