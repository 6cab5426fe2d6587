#pragma once
// The built-in model zoo: the networks of the survey's Table 2 (REFERENCE.md §1) plus ResNet-50
// v1.5, MobileNet v1 and SqueezeNet 1.1, built in code with deterministic He-init weights
// (ImageNet weights are not available offline; DESIGN.md). Every model takes graph input "data"
// [N, C, H, W] and ends in a Softmax whose output is "prob" [N, classes].
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.hpp"
#include "loupe/tensor.hpp"

namespace loupe::zoo {

struct ZooModel {
  std::string name;
  std::string description;
  Shape image;  // C, H, W of one input image
};

// In the order `loupe zoo` lists them.
const std::vector<ZooModel>& models();
bool exists(std::string_view name);

// The finalized graph; weights depend on the name only, never on the batch.
// Unknown name: fails with `unknown zoo model "NAME" (loupe zoo lists them)`.
graph::Graph build(std::string_view name, int64_t batch = 1);

}  // namespace loupe::zoo
