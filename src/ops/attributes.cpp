#include "ops/attributes.hpp"

namespace loupe::ops {

std::string_view attribute_kind(const Attribute& a) {
  switch (a.index()) {
    case 0:
      return "int";
    case 1:
      return "float";
    case 2:
      return "string";
    case 3:
      return "ints";
    case 4:
      return "floats";
    case 5:
      return "tensor";
  }
  return "?";
}

const Attribute* Attributes::find(std::string_view name) const {
  auto it = map_.find(name);
  return it == map_.end() ? nullptr : &it->second;
}

namespace {
[[noreturn]] void wrong_kind(std::string_view name, std::string_view want, const Attribute& got) {
  fail("attribute \"{}\": expected {}, got {}", name, want, attribute_kind(got));
}
}  // namespace

int64_t Attributes::get_int(std::string_view name, int64_t def) const {
  const Attribute* a = find(name);
  if (a == nullptr) return def;
  if (const auto* v = std::get_if<int64_t>(a)) return *v;
  wrong_kind(name, "int", *a);
}

int64_t Attributes::require_int(std::string_view name) const {
  if (!has(name)) fail("attribute \"{}\" is required", name);
  return get_int(name, 0);
}

float Attributes::get_float(std::string_view name, float def) const {
  const Attribute* a = find(name);
  if (a == nullptr) return def;
  if (const auto* v = std::get_if<float>(a)) return *v;
  if (const auto* v = std::get_if<int64_t>(a)) return static_cast<float>(*v);
  wrong_kind(name, "float", *a);
}

std::string Attributes::get_string(std::string_view name, std::string def) const {
  const Attribute* a = find(name);
  if (a == nullptr) return def;
  if (const auto* v = std::get_if<std::string>(a)) return *v;
  wrong_kind(name, "string", *a);
}

std::vector<int64_t> Attributes::get_ints(std::string_view name, std::vector<int64_t> def) const {
  const Attribute* a = find(name);
  if (a == nullptr) return def;
  if (const auto* v = std::get_if<std::vector<int64_t>>(a)) return *v;
  if (const auto* v = std::get_if<int64_t>(a)) return {*v};
  wrong_kind(name, "ints", *a);
}

std::vector<float> Attributes::get_floats(std::string_view name, std::vector<float> def) const {
  const Attribute* a = find(name);
  if (a == nullptr) return def;
  if (const auto* v = std::get_if<std::vector<float>>(a)) return *v;
  if (const auto* v = std::get_if<float>(a)) return {*v};
  wrong_kind(name, "floats", *a);
}

const Tensor* Attributes::get_tensor(std::string_view name) const {
  const Attribute* a = find(name);
  if (a == nullptr) return nullptr;
  if (const auto* v = std::get_if<Tensor>(a)) return v;
  wrong_kind(name, "tensor", *a);
}

void Attributes::check_known(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : map_) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == key;
    if (!ok) fail("attribute \"{}\" is not supported by this op", key);
  }
}

}  // namespace loupe::ops
