// Identity and Dropout (inference): the output is the input. Dropout's optional mask output is
// all ones (u8), as no element is dropped at inference.
#include <cstring>

#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class Identity final : public Op {
 public:
  explicit Identity(std::string_view type) : type_(type) {}
  std::string_view type() const override { return type_; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.empty() || !in[0].present) fail("needs 1 input, got {}", in.size());
    // Dropout's ratio and training_mode inputs (opset 12+) may follow; only inference is modeled.
    if (type_ == "Identity" && in.size() != 1) fail("needs 1 input, got {}", in.size());
    if (type_ == "Dropout" && in.size() == 3 && in[2].present) {
      if (in[2].constant == nullptr || in[2].constant->numel() != 1 || in[2].constant->at(0) != 0) {
        fail("training_mode must be a constant false at inference");
      }
    }
    std::vector<ValueInfo> out{{in[0].shape, in[0].dtype}};
    if (type_ == "Dropout") out.push_back({in[0].shape, DType::u8});
    return out;
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    std::memcpy(out[0].raw(), in[0].raw(), in[0].nbytes());
    if (out.size() > 1 && out[1].defined()) {
      for (uint8_t& m : out[1].span<uint8_t>()) m = 1;
    }
  }

 private:
  std::string type_;
};

std::unique_ptr<Op> make_identity(const Attributes& a) {
  a.check_known({});
  return std::make_unique<Identity>("Identity");
}

std::unique_ptr<Op> make_dropout(const Attributes& a) {
  a.check_known({"ratio", "seed", "is_test"});
  return std::make_unique<Identity>("Dropout");
}

}  // namespace

LOUPE_REGISTER_OP("Identity", make_identity);
LOUPE_REGISTER_OP("Dropout", make_dropout);

}  // namespace loupe::ops
