#pragma once
// One builder per zoo model (one file each); zoo.cpp is the registry over them.
#include <cstdint>

#include "graph/graph.hpp"

namespace loupe::zoo::detail {

graph::Graph lenet5(int64_t batch);
graph::Graph alexnet(int64_t batch);
graph::Graph vgg16(int64_t batch);
graph::Graph googlenet(int64_t batch);
graph::Graph resnet50_v1(int64_t batch);
graph::Graph resnet50_v1_5(int64_t batch);
graph::Graph mobilenet_v1(int64_t batch);
graph::Graph squeezenet(int64_t batch);

}  // namespace loupe::zoo::detail
