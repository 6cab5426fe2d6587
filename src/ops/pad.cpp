// Pad (ONNX, opset 13; the opset 18 `axes` input and the opset 2-10 attributes `pads` and
// `value` are accepted too). pads = [x1_begin, x2_begin, .., x1_end, x2_end]; modes constant,
// reflect (mirror without repeating the edge) and edge (repeat it). Any dtype; 0 FLOPs.
//
// A negative pad removes elements. It is applied first, as a crop, and reflect/edge then work on
// the cropped data, so that a pad never reads an element that the same pad removed.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

enum class Mode { constant, reflect, edge };

struct Pads {
  std::vector<int64_t> begin, end;  // one per input dim
};

// pads are i64; axes may be i64 or i32 (ONNX allows both).
std::vector<int64_t> ints_of(const Tensor& t) {
  if (t.dtype() == DType::i64) {
    const auto s = t.span<int64_t>();
    return {s.begin(), s.end()};
  }
  const auto s = t.span<int32_t>();
  return {s.begin(), s.end()};
}

// `axes` empty means every dim, in order.
Pads resolve_pads(size_t rank, std::span<const int64_t> pads, std::span<const int64_t> axes) {
  const size_t n = axes.empty() ? rank : axes.size();
  if (pads.size() != 2 * n) {
    fail("pads {} has {} entries, expected {} (2 x {})", shape_str(pads), pads.size(), 2 * n,
         axes.empty() ? "input rank" : "number of axes");
  }
  Pads p{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 0)};
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    size_t d = i;
    if (!axes.empty()) {
      d = static_cast<size_t>(normalize_axis(axes[i], static_cast<int>(rank), "axes entry"));
      if (seen[d]) fail("axes {} names dim {} twice", shape_str(axes), d);
      seen[d] = true;
    }
    p.begin[d] = pads[i];
    p.end[d] = pads[n + i];
  }
  return p;
}

// Output dims; checks that each pad fits its mode.
Shape padded_shape(const Shape& x, const Pads& p, Mode mode) {
  Shape y(x.size());
  for (size_t d = 0; d < x.size(); ++d) {
    // Bounding each negative pad by the dim also keeps the negations below from overflowing.
    y[d] = checked_add(x[d], checked_add(p.begin[d], p.end[d], "pads"), "padded dim");
    if (p.begin[d] < -x[d] || p.end[d] < -x[d] || y[d] < 0) {
      fail("pads {} and {} on dim {} remove more than its {} elements", p.begin[d], p.end[d], d,
           x[d]);
    }
    // Size of the data left after negative pads crop it.
    const int64_t kept = x[d] - std::max<int64_t>(0, -p.begin[d]) - std::max<int64_t>(0, -p.end[d]);
    const int64_t most = std::max(p.begin[d], p.end[d]);
    if (mode == Mode::reflect && most > 0 && most > kept - 1) {
      fail("reflect pad {} on dim {} needs a dim larger than the pad, got {}", most, d, kept);
    }
    if (mode == Mode::edge && most > 0 && kept < 1) {
      fail("edge pad {} on dim {} needs a non-empty dim", most, d);
    }
  }
  return y;
}

// For each output index along one dim, the input index it reads, or -1 for the constant.
std::vector<int64_t> source_index(int64_t in, int64_t out, int64_t begin, int64_t end, Mode mode) {
  const int64_t crop = std::max<int64_t>(0, -begin);
  const int64_t kept = in - crop - std::max<int64_t>(0, -end);
  const int64_t lead = std::max<int64_t>(0, begin);
  std::vector<int64_t> src(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    int64_t j = o - lead;  // position in the cropped data
    if (j < 0 || j >= kept) {
      switch (mode) {
        case Mode::constant:
          j = -1;
          break;
        case Mode::edge:
          j = std::clamp<int64_t>(j, 0, kept - 1);
          break;
        case Mode::reflect:
          j = j < 0 ? -j : 2 * (kept - 1) - j;
          break;
      }
    }
    src[static_cast<size_t>(o)] = j < 0 ? -1 : crop + j;
  }
  return src;
}

template <typename T>
void store(double v, std::byte* dst) {
  if constexpr (std::is_integral_v<T>) {
    // max + 1 is a power of two, exact in double, unlike max itself for i64.
    const double limit = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
    if (v != std::trunc(v) || v < static_cast<double>(std::numeric_limits<T>::lowest()) ||
        v >= limit) {
      fail("attribute value {} is not representable in the data's integer dtype", v);
    }
  }
  const T t = static_cast<T>(v);
  std::memcpy(dst, &t, sizeof(T));
}

// The element a constant pad writes, in the data's dtype, from the `value` attribute.
std::vector<std::byte> fill_element(DType dtype, double v) {
  std::vector<std::byte> e(dtype_size(dtype));
  switch (dtype) {
    case DType::f32:
      store<float>(v, e.data());
      break;
    case DType::f64:
      store<double>(v, e.data());
      break;
    case DType::i64:
      store<int64_t>(v, e.data());
      break;
    case DType::i32:
      store<int32_t>(v, e.data());
      break;
    case DType::i8:
      store<int8_t>(v, e.data());
      break;
    case DType::u8:
      store<uint8_t>(v, e.data());
      break;
  }
  return e;
}

class Pad final : public Op {
 public:
  Pad(Mode mode, std::vector<int64_t> attr_pads, bool has_attr_pads, float value, bool has_value)
      : mode_(mode),
        attr_pads_(std::move(attr_pads)),
        has_attr_pads_(has_attr_pads),
        value_(value),
        has_value_(has_value) {}
  std::string_view type() const override { return "Pad"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.empty() || !in[0].present) fail("needs input data");
    const Shape& x = in[0].shape;
    if (has_attr_pads_) {
      if (in.size() != 1) fail("pads is given as an attribute, so only input data is allowed");
      return {{padded_shape(x, resolve_pads(x.size(), attr_pads_, {}), mode_), in[0].dtype}};
    }
    if (in.size() < 2 || in.size() > 4 || !in[1].present) {
      fail("needs 2 to 4 inputs (data, pads, constant_value, axes), got {}", in.size());
    }
    const ValueInfo& pads = in[1];
    if (pads.dtype != DType::i64) fail("pads input must be i64, got {}", dtype_name(pads.dtype));
    if (pads.shape.size() != 1) fail("pads input must be 1-D, got shape {}", shape_str(pads.shape));
    if (pads.constant == nullptr) fail("pads input must be a constant (initializer)");
    if (in.size() > 2 && in[2].present) {
      if (has_value_) fail("constant_value is given both as the value attribute and as an input");
      if (in[2].dtype != in[0].dtype) {
        fail("constant_value input is {}, data is {}", dtype_name(in[2].dtype),
             dtype_name(in[0].dtype));
      }
      if (checked_numel(in[2].shape, "constant_value") != 1) {
        fail("constant_value input must be a scalar, got shape {}", shape_str(in[2].shape));
      }
    }
    std::vector<int64_t> axes;
    if (in.size() > 3 && in[3].present) {
      const ValueInfo& a = in[3];
      if (a.dtype != DType::i64 && a.dtype != DType::i32) {
        fail("axes input must be i64 or i32, got {}", dtype_name(a.dtype));
      }
      if (a.shape.size() != 1) fail("axes input must be 1-D, got shape {}", shape_str(a.shape));
      if (a.constant == nullptr) fail("axes input must be a constant (initializer)");
      axes = ints_of(*a.constant);
    }
    const Pads p = resolve_pads(x.size(), ints_of(*pads.constant), axes);
    return {{padded_shape(x, p, mode_), in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input data");
    require_plain(y, "output");
    const size_t rank = x.shape().size();
    std::vector<std::byte> fill = fill_element(x.dtype(), has_value_ ? value_ : 0.0);
    Pads p;
    if (has_attr_pads_) {
      p = resolve_pads(rank, attr_pads_, {});
    } else {
      if (in.size() < 2 || !in[1].defined()) fail("needs input pads");
      std::vector<int64_t> axes;
      if (in.size() > 3 && in[3].defined()) axes = ints_of(in[3]);
      p = resolve_pads(rank, ints_of(in[1]), axes);
      if (in.size() > 2 && in[2].defined()) {
        LOUPE_CHECK(in[2].dtype() == x.dtype() && in[2].numel() == 1);
        std::memcpy(fill.data(), in[2].raw(), fill.size());
      }
    }
    const Shape ys = padded_shape(x.shape(), p, mode_);
    if (y.shape() != ys || y.dtype() != x.dtype()) {
      fail("output was allocated as {} {}, the pads give {}", dtype_name(y.dtype()),
           shape_str(y.shape()), shape_str(ys));
    }

    std::vector<std::vector<int64_t>> src(rank);
    std::vector<int64_t> x_strides(rank);
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      src[d] = source_index(x.shape()[d], ys[d], p.begin[d], p.end[d], mode_);
      x_strides[d] = stride;
      stride *= x.shape()[d];
    }
    const size_t es = dtype_size(x.dtype());
    const auto* xd = static_cast<const std::byte*>(x.raw());
    auto* yd = static_cast<std::byte*>(y.raw());
    for (int64_t o = 0; o < y.numel(); ++o) {
      int64_t rest = o;
      int64_t from = 0;
      for (size_t d = rank; d-- > 0 && from >= 0;) {
        const int64_t i = src[d][static_cast<size_t>(rest % ys[d])];
        from = i < 0 ? -1 : from + i * x_strides[d];
        rest /= ys[d];
      }
      const std::byte* e = from < 0 ? fill.data() : xd + static_cast<size_t>(from) * es;
      std::memcpy(yd + static_cast<size_t>(o) * es, e, es);
    }
  }

 private:
  Mode mode_;
  std::vector<int64_t> attr_pads_;
  bool has_attr_pads_;
  float value_;
  bool has_value_;
};

std::unique_ptr<Op> make_pad(const Attributes& a) {
  a.check_known({"mode", "pads", "value"});
  const std::string mode = a.get_string("mode", "constant");
  Mode m = Mode::constant;
  if (mode == "reflect") {
    m = Mode::reflect;
  } else if (mode == "edge") {
    m = Mode::edge;
  } else if (mode != "constant") {
    fail("attribute mode \"{}\" is not supported (constant, reflect, edge)", mode);
  }
  return std::make_unique<Pad>(m, a.get_ints("pads"), a.has("pads"), a.get_float("value", 0),
                               a.has("value"));
}

}  // namespace

LOUPE_REGISTER_OP("Pad", make_pad);

}  // namespace loupe::ops
