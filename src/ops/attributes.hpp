#pragma once
// Node attributes with ONNX names and semantics. Typed getters fail with the key's name, so a
// wrong or mistyped attribute reads: attribute "kernel_shape": expected ints, got string.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "loupe/tensor.hpp"

namespace loupe::ops {

using Attribute =
    std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>, Tensor>;

class Attributes {
 public:
  Attributes() = default;
  Attributes(std::initializer_list<std::pair<const std::string, Attribute>> init) : map_(init) {}

  Attributes& set(std::string name, Attribute value) {
    map_.insert_or_assign(std::move(name), std::move(value));
    return *this;
  }
  bool has(std::string_view name) const { return map_.find(name) != map_.end(); }

  int64_t get_int(std::string_view name, int64_t def) const;
  int64_t require_int(std::string_view name) const;
  float get_float(std::string_view name, float def) const;
  std::string get_string(std::string_view name, std::string def) const;
  // Ints lists; a single int is accepted as a one-element list.
  std::vector<int64_t> get_ints(std::string_view name, std::vector<int64_t> def = {}) const;
  std::vector<float> get_floats(std::string_view name, std::vector<float> def = {}) const;
  const Tensor* get_tensor(std::string_view name) const;

  // Fails on any attribute not in `known`: an attribute the op ignores would otherwise give a
  // silently wrong answer.
  void check_known(std::initializer_list<std::string_view> known) const;

  const std::map<std::string, Attribute, std::less<>>& all() const { return map_; }

 private:
  const Attribute* find(std::string_view name) const;
  std::map<std::string, Attribute, std::less<>> map_;
};

std::string_view attribute_kind(const Attribute& a);

}  // namespace loupe::ops
