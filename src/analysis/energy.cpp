#include "analysis/energy.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "loupe/error.hpp"

namespace loupe::analysis {

namespace {

bool read_number(const std::filesystem::path& p, double& value, std::string& why) {
  std::ifstream f(p);
  if (!f) {
    why = fmt::format("{}: {}", p.string(), std::strerror(errno));
    return false;
  }
  if (!(f >> value)) {
    why = fmt::format("{}: not a number", p.string());
    return false;
  }
  return true;
}

}  // namespace

CostTable read_cost_table(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail("{}: cannot open the energy cost table: {}", path, std::strerror(errno));
  CostTable t;
  t.unit = "pJ";
  std::string line;
  int line_no = 0;
  while (std::getline(f, line)) {
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream in(line);
    std::string key, value;
    if (!(in >> key)) continue;
    if (!(in >> value)) fail("{}:{}: \"{}\" has no value", path, line_no, key);
    if (key == "unit") {
      t.unit = value;
      continue;
    }
    double v = 0;
    try {
      size_t used = 0;
      v = std::stod(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
    } catch (const std::exception&) {
      fail("{}:{}: {} = \"{}\" is not a number", path, line_no, key, value);
    }
    if (!(v >= 0)) fail("{}:{}: {} = {} must not be negative", path, line_no, key, value);
    if (key == "mac") {
      t.mac = v;
    } else if (key == "rf") {
      t.rf = v;
    } else if (key == "noc") {
      t.noc = v;
    } else if (key == "buffer") {
      t.buffer = v;
    } else if (key == "dram") {
      t.dram = v;
    } else {
      fail("{}:{}: unknown key \"{}\" (expected mac, rf, noc, buffer, dram, unit)", path, line_no,
           key);
    }
  }
  return t;
}

RegisterTile register_tile(kernels::Isa isa) {
  // The GEMM microkernels of src/kernels/gemm (docs/kernels.md).
  switch (isa) {
    case kernels::Isa::avx512:
      return {14, 32};
    case kernels::Isa::avx2:
      return {6, 16};
    default:
      return {4, 4};
  }
}

EnergyBreakdown model_energy(const graph::StepInfo& step, int64_t dram_bytes, RegisterTile tile,
                             const CostTable& c) {
  EnergyBreakdown e;
  const double macs = static_cast<double>(step.macs);
  const double out_words = static_cast<double>(step.output_bytes) / 4;
  e.macs = macs;
  e.rf = 3 * macs;
  e.noc = macs * (1.0 / tile.rows + 1.0 / tile.cols) + out_words;
  e.buffer = static_cast<double>(step.input_bytes + step.output_bytes + step.weight_bytes +
                                 2 * step.workspace_bytes) /
             4;
  e.dram = static_cast<double>(dram_bytes) / 4;
  e.mac_energy = e.macs * c.mac;
  e.rf_energy = e.rf * c.rf;
  e.noc_energy = e.noc * c.noc;
  e.buffer_energy = e.buffer * c.buffer;
  e.dram_energy = e.dram * c.dram;
  return e;
}

RaplReading read_rapl(const std::string& root) {
  namespace fs = std::filesystem;
  RaplReading r;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    r.reason =
        fmt::format("unavailable: {} not present (no RAPL exposed by this kernel or VM)", root);
    return r;
  }
  std::vector<fs::path> domains;
  for (const fs::directory_entry& d : fs::directory_iterator(root, ec)) {
    const std::string name = d.path().filename().string();
    // Top-level package domains only (intel-rapl:0, not the sub-zones intel-rapl:0:0).
    if (name.rfind("intel-rapl:", 0) != 0 || name.find(':', 11) != std::string::npos) continue;
    std::ifstream nf(d.path() / "name");
    std::string label;
    nf >> label;
    if (label.rfind("package", 0) == 0) domains.push_back(d.path());
  }
  std::sort(domains.begin(), domains.end());
  if (domains.empty()) {
    r.reason = fmt::format("unavailable: no intel-rapl package domain under {}", root);
    return r;
  }
  for (const fs::path& d : domains) {
    double uj = 0, max_uj = 0;
    std::string why;
    if (!read_number(d / "energy_uj", uj, why)) {
      r = {};
      r.reason = "unavailable: " + why;
      return r;
    }
    if (!read_number(d / "max_energy_range_uj", max_uj, why)) max_uj = 0;
    r.files.push_back((d / "energy_uj").string());
    r.uj.push_back(uj);
    r.max_uj.push_back(max_uj);
  }
  r.available = true;
  return r;
}

double rapl_joules(const RaplReading& before, const RaplReading& after) {
  double uj = 0;
  for (size_t i = 0; i < std::min(before.uj.size(), after.uj.size()); ++i) {
    double d = after.uj[i] - before.uj[i];
    if (d < 0) d += before.max_uj[i];  // the counter wrapped once
    uj += d;
  }
  return uj / 1e6;
}

nlohmann::json energy_json(const EnergyBreakdown& e) {
  return {{"accesses",
           {{"mac", e.macs}, {"rf", e.rf}, {"noc", e.noc}, {"buffer", e.buffer}, {"dram", e.dram}}},
          {"energy",
           {{"mac", e.mac_energy},
            {"rf", e.rf_energy},
            {"noc", e.noc_energy},
            {"buffer", e.buffer_energy},
            {"dram", e.dram_energy}}},
          {"total", e.total()}};
}

}  // namespace loupe::analysis
