#pragma once
// Per-layer algorithm choice by measurement (`--tune`): every conv algorithm that supports a
// layer is timed on it once, and the fastest is remembered in a cache file keyed by the layer's
// loop-nest parameters, the fused epilogue, the ISA, the thread count and the CPU, so that the
// next session on the same machine reuses the choice without measuring again.
#include <map>
#include <string>
#include <string_view>

#include "kernels/conv/conv.hpp"

namespace loupe::graph {

class TuningCache {
 public:
  // Loads `path` when it exists (an empty path keeps the cache in memory only). A malformed line
  // is an Error naming the file and line.
  explicit TuningCache(std::string path);
  // The cached algorithm of a layer, or "" when it has not been measured.
  std::string lookup(const kernels::conv::ConvDesc& d) const;
  void store(const kernels::conv::ConvDesc& d, const std::string& algorithm);
  // Writes the cache back (atomically: a temporary file renamed over the old one).
  void save() const;

  static std::string key(const kernels::conv::ConvDesc& d);

 private:
  std::string path_;
  std::map<std::string, std::string> choices_;
  bool dirty_ = false;
};

// Times each supporting algorithm on random data, its weights out of L1 and L2 as in a model
// (tuning.cpp, CacheEvictor), the candidates interleaved over a few rounds, and returns the name
// of the one with the lowest median, unless it is within a few percent of `incumbent`'s (the
// heuristic's choice), which then stays.
std::string measure_fastest(const kernels::conv::ConvDesc& d, const float* weights,
                            const float* bias, std::string_view incumbent);

}  // namespace loupe::graph
