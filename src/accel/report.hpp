#pragma once
// What `loupe accel` prints: per layer and in total, as a table or as DESIGN.md's JSON.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accel/mapper.hpp"
#include "accel/sparsity.hpp"
#include "accel/systolic.hpp"

namespace loupe::accel {

struct LayerReport {
  Workload workload;
  MapResult result;     // found = false: pooling, or no mapping fits
  bool sparse = false;  // measured input zeros (loupe accel MODEL --input FILE)
  SparseMode sparse_mode = SparseMode::gating;
  SparseResult sparse_result;
};

struct DataflowReport {
  std::string arch;
  std::string dataflow;  // "rs", ..., or "mapping" for a given --mapping
  EnergyUnit unit = EnergyUnit::pj;
  std::vector<LayerReport> layers;
};

nlohmann::json report_json(const DataflowReport& r);
std::string report_table(const DataflowReport& r);

// Energy per MAC by dataflow, CONV and FC layers apart, normalized to RS (REFERENCE.md §3's
// ISCA'16 comparison); `reports` share the layers.
std::string comparison_table(const std::vector<DataflowReport>& reports);
nlohmann::json comparison_json(const std::vector<DataflowReport>& reports);

std::string systolic_table(const std::string& arch, const std::vector<Workload>& layers,
                           const std::vector<SystolicResult>& results);
nlohmann::json systolic_json(const std::string& arch, const std::vector<Workload>& layers,
                             const std::vector<SystolicResult>& results);

}  // namespace loupe::accel
