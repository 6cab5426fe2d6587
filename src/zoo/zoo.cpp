#include "zoo/zoo.hpp"

#include <algorithm>

#include "loupe/error.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo {
namespace {

struct Entry {
  ZooModel model;
  graph::Graph (*make)(int64_t batch);
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> e{
      {{"lenet5", "LeNet-5 (LeCun 1998) on 28x28 Fashion-MNIST, fully connected C3", {1, 28, 28}},
       detail::lenet5},
      {{"alexnet", "AlexNet (Krizhevsky 2012), grouped conv2/4/5 as on 2 GPUs, LRN", {3, 227, 227}},
       detail::alexnet},
      {{"vgg16", "VGG-16 (Simonyan 2015), configuration D", {3, 224, 224}}, detail::vgg16},
      {{"googlenet",
        "GoogLeNet / Inception v1 (Szegedy 2015), with LRN, no auxiliary heads",
        {3, 224, 224}},
       detail::googlenet},
      {{"resnet50", "ResNet-50 v1 (He 2016), stride 2 in the first 1x1 of a block", {3, 224, 224}},
       detail::resnet50_v1},
      {{"resnet50_v1.5",
        "ResNet-50 v1.5 (torchvision), stride 2 in the 3x3 of a block",
        {3, 224, 224}},
       detail::resnet50_v1_5},
      {{"mobilenet_v1", "MobileNet v1 1.0-224 (Howard 2017), depthwise separable", {3, 224, 224}},
       detail::mobilenet_v1},
      {{"squeezenet", "SqueezeNet 1.1 (Iandola 2016, as torchvision squeezenet1_1)", {3, 224, 224}},
       detail::squeezenet},
  };
  return e;
}

const Entry* find(std::string_view name) {
  const auto& e = entries();
  auto it = std::find_if(e.begin(), e.end(), [&](const Entry& x) { return x.model.name == name; });
  return it == e.end() ? nullptr : &*it;
}

}  // namespace

const std::vector<ZooModel>& models() {
  static const std::vector<ZooModel> m = [] {
    std::vector<ZooModel> v;
    for (const Entry& e : entries()) v.push_back(e.model);
    return v;
  }();
  return m;
}

bool exists(std::string_view name) { return find(name) != nullptr; }

graph::Graph build(std::string_view name, int64_t batch) {
  const Entry* e = find(name);
  if (e == nullptr) fail("unknown zoo model \"{}\" (loupe zoo lists them)", name);
  if (batch < 1) fail("zoo model \"{}\": batch must be at least 1, got {}", name, batch);
  return e->make(batch);
}

}  // namespace loupe::zoo
