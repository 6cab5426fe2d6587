#pragma once
// Sparsity awareness (issue 7 item 7): the zero fraction of each layer's input activations,
// measured from an actual run of the model, applied to a dense analysis:
// - gating (Eyeriss): a zero input skips the weight read and the MAC — saves energy, not cycles;
// - skipping: the zero's whole work is skipped — also the partial-sum read / update and cycles;
// - run-length compression of input activations from DRAM (Eyeriss's RLC: three 5-bit run /
//   16-bit level pairs per 64-bit word, so nonzeros cost 4/3 of a word each; never worse than raw).
// Access counts stay the dense ones (what the mapping moves); the sparse figures come apart.
#include <map>
#include <string>

#include "accel/analysis.hpp"
#include "graph/executor.hpp"

namespace loupe::accel {

enum class SparseMode { gating, skipping };
SparseMode parse_sparse_mode(std::string_view text);
std::string_view sparse_mode_name(SparseMode m);

struct SparseResult {
  double input_zero_fraction = 0;
  int64_t effectual_macs = 0;
  double energy = 0;  // with gating or skipping and RLC
  int64_t cycles = 0;
  int64_t dram_accesses = 0;  // with RLC
};

SparseResult apply_sparsity(const Arch& arch, const Analysis& a, double zero_fraction,
                            SparseMode mode);

// Zero fraction of the first input of every node with a loop nest (CONV / FC), by node name,
// from a reference run of the graph on `inputs`.
std::map<std::string, double> measure_input_zeros(const graph::Graph& g,
                                                  const graph::TensorMap& inputs);

}  // namespace loupe::accel
