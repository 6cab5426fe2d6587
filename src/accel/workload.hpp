#pragma once
// A layer as the accelerator sees it: the 7-D CONV nest N M C E F R S (tutorial letters) with
// stride and dilation, for one group (grouped / depthwise layers repeat it G times: a loop over G
// with C/G and M/G per group, every count multiplied by G).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ops/op.hpp"

namespace loupe::graph {
class Graph;
}

namespace loupe::accel {

enum class Dim { N = 0, M, C, E, F, R, S };
inline constexpr int kDims = 7;
inline constexpr std::array<Dim, kDims> kAllDims = {Dim::N, Dim::M, Dim::C, Dim::E,
                                                    Dim::F, Dim::R, Dim::S};
char dim_letter(Dim d);
// N M C E F R S, and Timeloop's P Q K for E F M; nullopt for anything else.
std::optional<Dim> dim_from_letter(char c);

struct Workload {
  std::string name;
  std::string op;        // "Conv", "Gemm", "MaxPool", ...
  bool mappable = true;  // false for pooling (listed, no MACs mapped)
  bool fc = false;       // FC / MatMul (H = R, W = S, E = F = 1)
  std::array<int64_t, kDims> dims = {1, 1, 1, 1, 1, 1, 1};  // per group
  int64_t U = 1, U_w = 1;                                   // stride along E (rows) and F (cols)
  int64_t dil_h = 1, dil_w = 1;                             // dilation along R and S
  int64_t G = 1;

  int64_t dim(Dim d) const { return dims[static_cast<int>(d)]; }
  int64_t H() const { return (dim(Dim::E) - 1) * U + (dim(Dim::R) - 1) * dil_h + 1; }
  int64_t W() const { return (dim(Dim::F) - 1) * U_w + (dim(Dim::S) - 1) * dil_w + 1; }
  int64_t macs_per_group() const;
  int64_t macs() const { return macs_per_group() * G; }
};

Workload workload_from_shape(const ops::LayerShape& s, std::string name, std::string op);

// `conv:N=1,C=128,M=256,E=56,F=56,R=3,S=3,U=1` or `fc:C=4096,M=1000` (DESIGN.md); letters left
// out are 1; G, D (dilation) and H, W accepted (H, W must agree with E, R, U when given).
Workload parse_layer_spec(std::string_view spec);

// Every CONV / FC / MatMul node (op->layer_shape set) of a finalized graph, and pooling nodes
// (mappable = false), in graph order.
std::vector<Workload> workloads_from_graph(const graph::Graph& g);

}  // namespace loupe::accel
