#pragma once
// The op interface: every layer kind is one file in src/ops/ holding its parameters (parsed from
// ONNX-named attributes when the op is made), shape inference, MAC/FLOP counts and the reference
// implementation written as the tutorial's loop nest (fp32 in/out, fp64 accumulation). The
// reference is the oracle every fast kernel is tested against: it is never optimized.
//
// Errors thrown from here carry only the reason; the graph prefixes the node's name and type.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"
#include "ops/attributes.hpp"

namespace loupe::ops {

// What shape inference knows about one value. `constant` is set when the value is an
// initializer (Reshape's shape, Pad's pads, Clip's bounds are read from it).
struct ValueInfo {
  Shape shape;
  DType dtype = DType::f32;
  const Tensor* constant = nullptr;
  bool present = true;  // false for an omitted optional input (ONNX's empty name)
};

// MACs count multiply-accumulates of CONV / FC / MatMul only (REFERENCE.md §1 convention);
// FLOPs are 2 x MACs for those plus the arithmetic of every other op (docs/metrics.md).
struct Counts {
  int64_t macs = 0;
  int64_t flops = 0;
};

enum class LayerKind { conv, fc };

// The tutorial's loop-nest parameters of a CONV or FC layer (FC: H=R, W=S, E=F=1).
// This one struct is what summary prints and what the accelerator model maps.
struct LayerShape {
  LayerKind kind = LayerKind::conv;
  int64_t N = 1, C = 1, H = 1, W = 1, M = 1, R = 1, S = 1, E = 1, F = 1;
  int64_t U = 1, U_w = 1;        // stride along rows (the tutorial's U) and along columns
  int64_t dil_h = 1, dil_w = 1;  // dilation
  int64_t G = 1;                 // groups (G = C = M for depthwise)
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  // MACs of the nest: N * M * E * F * (C / G) * R * S.
  int64_t macs() const;
};

class Op {
 public:
  virtual ~Op() = default;
  virtual std::string_view type() const = 0;

  // Checks input count, ranks, dtypes and shapes; returns each output's shape and dtype.
  virtual std::vector<ValueInfo> infer(std::span<const ValueInfo> inputs) const = 0;

  virtual Counts count(std::span<const ValueInfo> inputs,
                       std::span<const ValueInfo> outputs) const {
    (void)inputs;
    (void)outputs;
    return {};
  }

  // The loop nest of CONV / FC-like ops; nullopt for the others.
  virtual std::optional<LayerShape> layer_shape(std::span<const ValueInfo> inputs) const {
    (void)inputs;
    return std::nullopt;
  }

  // Learned parameters among the inputs. Default: elements of every floating-point constant
  // input. Ops override where some constants are not learned (batch norm's running statistics).
  virtual int64_t param_count(std::span<const ValueInfo> inputs) const;

  // The oracle. `outputs` arrive allocated with the inferred shapes and dtypes (zero-filled);
  // absent optional inputs are default-constructed Tensors.
  virtual void reference(std::span<const Tensor> inputs, std::span<Tensor> outputs) const = 0;

  // Constant folding at load time: the node's outputs when they are known without running the
  // model, else nullopt. Default: every present input is a constant, so the reference computes
  // them. Ops whose outputs depend only on input shapes (Shape) override it; ops that must never
  // be folded (none yet) return nullopt.
  virtual std::optional<std::vector<Tensor>> fold(std::span<const ValueInfo> inputs,
                                                  std::span<const ValueInfo> outputs) const;
};

using OpFactory = std::function<std::unique_ptr<Op>(const Attributes&)>;

// Registry: op type (ONNX name) -> factory. The factory parses and validates the attributes.
bool register_op(std::string type, OpFactory factory);
bool is_registered(std::string_view type);
std::vector<std::string> registered_ops();
// Fails with: unknown op type "Foo".
std::unique_ptr<Op> make_op(std::string_view type, const Attributes& attrs);

#define LOUPE_OP_CONCAT_(a, b) a##b
#define LOUPE_OP_CONCAT(a, b) LOUPE_OP_CONCAT_(a, b)
// One line per op, in the op's file: LOUPE_REGISTER_OP("Conv", make_conv);
#define LOUPE_REGISTER_OP(type, factory)                                            \
  [[maybe_unused]] static const bool LOUPE_OP_CONCAT(loupe_registered_, __LINE__) = \
      ::loupe::ops::register_op(type, factory)

}  // namespace loupe::ops
