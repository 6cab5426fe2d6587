#include "ops/op.hpp"

#include <map>

#include "loupe/checked.hpp"

namespace loupe::ops {

int64_t LayerShape::macs() const {
  int64_t m = checked_mul(N, M, "MACs");
  m = checked_mul(m, E, "MACs");
  m = checked_mul(m, F, "MACs");
  m = checked_mul(m, C / G, "MACs");
  m = checked_mul(m, R, "MACs");
  return checked_mul(m, S, "MACs");
}

int64_t Op::param_count(std::span<const ValueInfo> inputs) const {
  int64_t n = 0;
  for (const ValueInfo& v : inputs) {
    if (v.present && v.constant != nullptr && (v.dtype == DType::f32 || v.dtype == DType::f64)) {
      n += v.constant->numel();
    }
  }
  return n;
}

std::optional<std::vector<Tensor>> Op::fold(std::span<const ValueInfo> inputs,
                                            std::span<const ValueInfo> outputs) const {
  std::vector<Tensor> in;
  for (const ValueInfo& v : inputs) {
    if (!v.present) {
      in.emplace_back();
    } else if (v.constant == nullptr) {
      return std::nullopt;
    } else {
      in.push_back(*v.constant);
    }
  }
  std::vector<Tensor> out;
  for (const ValueInfo& v : outputs) out.emplace_back(v.shape, v.dtype);
  reference(in, out);
  return out;
}

namespace {
// Function-local so that registration from static initializers in other files is order-safe.
std::map<std::string, OpFactory, std::less<>>& registry() {
  static std::map<std::string, OpFactory, std::less<>> r;
  return r;
}
}  // namespace

bool register_op(std::string type, OpFactory factory) {
  registry().insert_or_assign(std::move(type), std::move(factory));
  return true;
}

bool is_registered(std::string_view type) { return registry().find(type) != registry().end(); }

std::vector<std::string> registered_ops() {
  std::vector<std::string> names;
  for (const auto& [name, f] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<Op> make_op(std::string_view type, const Attributes& attrs) {
  auto it = registry().find(type);
  if (it == registry().end()) fail("unknown op type \"{}\"", type);
  return it->second(attrs);
}

}  // namespace loupe::ops
