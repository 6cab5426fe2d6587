#pragma once
// The mapper: searches tilings (factors per level), loop orders (DRAM and buffer levels) and
// spatial splits allowed by a dataflow, for the least energy, delay (cycles) or energy x delay.
// Candidates are drawn from a seeded generator (deterministic per seed), canonicalized (factor-1
// loops dropped) and deduplicated; those over a capacity are dropped before analysis; a local
// search then mutates the best. Layers x dataflows run in parallel on loupe::ThreadPool.
#include <cstdint>
#include <vector>

#include "accel/analysis.hpp"
#include "accel/arch.hpp"
#include "accel/dataflow.hpp"
#include "accel/mapping.hpp"
#include "accel/workload.hpp"

namespace loupe::accel {

enum class Objective { energy, delay, edp };
Objective parse_objective(std::string_view text);

struct MapperOptions {
  Objective objective = Objective::energy;
  uint64_t seed = 1;
  int samples = 20000;  // random candidates per layer and dataflow
  int refine = 10000;   // mutations of the best
};

struct MapResult {
  Arch arch;  // the arch with the dataflow's PE-level bypasses applied
  Mapping mapping;
  Analysis analysis;
  int64_t evaluated = 0;  // candidates analysed
  bool found = false;
};

// The arch as a dataflow sees it: PE-level storage keeps only what the dataflow keeps there.
Arch arch_for_dataflow(const Arch& arch, Dataflow d);

MapResult map_layer(const Arch& arch, const Workload& w, Dataflow d, const MapperOptions& o);

// Every (layer, dataflow) pair, in parallel; result[i * dataflows.size() + j].
std::vector<MapResult> map_all(const Arch& arch, const std::vector<Workload>& layers,
                               const std::vector<Dataflow>& dataflows, const MapperOptions& o);

}  // namespace loupe::accel
