#include "graph/node_kernels.hpp"

#include <cstring>
#include <memory>
#include <vector>

#include "graph/fusion.hpp"
#include "graph/memory_plan.hpp"
#include "kernels/eltwise/eltwise.hpp"
#include "kernels/pool/pool.hpp"
#include "loupe/checked.hpp"
#include "loupe/thread_pool.hpp"
#include "ops/broadcast.hpp"
#include "ops/pool.hpp"

namespace loupe::graph {

namespace {

namespace ew = kernels::eltwise;

const float* f32(const void* p) { return static_cast<const float*>(p); }
float* f32(void* p) { return static_cast<float*>(p); }

bool all_f32(const Graph& g, const Node& n) {
  for (const std::string& v : n.inputs) {
    if (!v.empty() && g.info(v).dtype != DType::f32) return false;
  }
  for (const std::string& v : n.outputs) {
    if (!v.empty() && g.info(v).dtype != DType::f32) return false;
  }
  return !n.outputs.empty() && !n.outputs[0].empty();
}

std::optional<ew::Unary> unary_of(const Graph& g, const Node& n) {
  if (n.op_type == "Relu" || n.op_type == "Clip") {
    const auto b = clamp_bounds(g, n);
    if (!b) return std::nullopt;
    return n.op_type == "Relu" ? ew::Unary::relu() : ew::Unary::clip(b->first, b->second);
  }
  if (n.op_type == "LeakyRelu") return ew::Unary::leaky_relu(n.attrs.get_float("alpha", 0.01f));
  if (n.op_type == "Sigmoid") return ew::Unary::sigmoid();
  if (n.op_type == "Tanh") return ew::Unary::tanh();
  if (n.op_type == "HardSigmoid") {
    return ew::Unary::hard_sigmoid(n.attrs.get_float("alpha", 0.2f),
                                   n.attrs.get_float("beta", 0.5f));
  }
  if (n.op_type == "HardSwish") return ew::Unary::hard_swish();
  return std::nullopt;
}

// Shape ops whose output is their first input's bytes unchanged.
bool is_copy(const std::string& op) {
  return op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" ||
         op == "Identity" || op == "Dropout";
}

// The value as the kernel sees it: with `batch`, its leading dimension (not a constant's) is
// that many images.
ops::ValueInfo rebatched(ops::ValueInfo v, int64_t batch) {
  if (batch > 0 && v.constant == nullptr && !v.shape.empty()) v.shape[0] = batch;
  return v;
}

}  // namespace

std::optional<NodeKernel> node_kernel(const Graph& g, const Node& n, int threads, kernels::Isa isa,
                                      int64_t batch) {
  if (n.outputs.empty() || n.outputs[0].empty()) return std::nullopt;
  const ops::ValueInfo out = rebatched(g.info(n.outputs[0]), batch);
  for (size_t k = 1; k < n.outputs.size(); ++k) {
    if (!n.outputs[k].empty()) return std::nullopt;  // Dropout's mask, MaxPool's indices
  }
  if (is_copy(n.op_type) && !n.inputs.empty()) {
    const size_t bytes = static_cast<size_t>(value_bytes(out));
    return NodeKernel{[bytes](auto in, auto o) { std::memcpy(o[0], in[0], bytes); }, "copy"};
  }
  if (!all_f32(g, n)) return std::nullopt;
  std::vector<ops::ValueInfo> in = g.input_infos(n);
  for (ops::ValueInfo& v : in) v = rebatched(std::move(v), batch);
  const std::string& op = n.op_type;

  if ((op == "MaxPool" || op == "AveragePool" || op == "GlobalMaxPool" ||
       op == "GlobalAveragePool") &&
      in[0].shape.size() == 4) {
    const ops::PoolParams p = ops::parse_pool(op, n.attrs);
    if (p.global) {
      const int64_t planes = in[0].shape[0] * in[0].shape[1];
      const int64_t plane = in[0].shape[2] * in[0].shape[3];
      return NodeKernel{[=](auto i, auto o) {
                          kernels::pool::global_pool(p.kind, planes, plane, f32(i[0]), f32(o[0]),
                                                     threads, isa);
                        },
                        "pool"};
    }
    const kernels::pool::PoolDesc d = kernels::pool::pool_desc(p, in[0].shape);
    return NodeKernel{
        [=](auto i, auto o) { kernels::pool::pool(d, f32(i[0]), f32(o[0]), threads, isa); },
        "pool"};
  }

  if (auto u = unary_of(g, n)) {
    const int64_t count = checked_numel(out.shape);
    return NodeKernel{
        [=](auto i, auto o) { ew::unary(*u, f32(i[0]), f32(o[0]), count, threads, isa); },
        "eltwise"};
  }

  if ((op == "Add" || op == "Mul") && in.size() == 2) {
    const ew::BinaryKind k = op == "Add" ? ew::BinaryKind::add : ew::BinaryKind::mul;
    const Shape a = in[0].shape, b = in[1].shape;
    return NodeKernel{[=](auto i, auto o) {
                        ew::binary_broadcast(k, f32(i[0]), a, f32(i[1]), b, f32(o[0]), threads,
                                             isa);
                      },
                      "eltwise"};
  }

  if (op == "BatchNormalization" && in.size() == 5 && in[0].shape.size() >= 2 && in[1].constant &&
      in[2].constant && in[3].constant && in[4].constant) {
    const int64_t N = in[0].shape[0], C = in[0].shape[1];
    const int64_t HW = checked_numel(in[0].shape) / std::max<int64_t>(N * C, 1);
    auto scale = std::make_shared<std::vector<float>>(static_cast<size_t>(C));
    auto shift = std::make_shared<std::vector<float>>(static_cast<size_t>(C));
    ew::batch_norm_coefficients(in[1].constant->data<float>(), in[2].constant->data<float>(),
                                in[3].constant->data<float>(), in[4].constant->data<float>(),
                                n.attrs.get_float("epsilon", 1e-5f), C, scale->data(),
                                shift->data());
    return NodeKernel{[=](auto i, auto o) {
                        ew::scale_shift(f32(i[0]), scale->data(), shift->data(), f32(o[0]), N, C,
                                        HW, threads, isa);
                      },
                      "eltwise"};
  }

  if ((op == "Softmax" || op == "LogSoftmax") && !in[0].shape.empty()) {
    const int rank = static_cast<int>(in[0].shape.size());
    if (ops::normalize_axis(n.attrs.get_int("axis", -1), rank, "axis") != rank - 1)
      return std::nullopt;
    const int64_t cols = in[0].shape.back();
    const int64_t rows = checked_numel(in[0].shape) / std::max<int64_t>(cols, 1);
    const bool log = op == "LogSoftmax";
    return NodeKernel{
        [=](auto i, auto o) { ew::softmax(f32(i[0]), f32(o[0]), rows, cols, log, threads, isa); },
        "eltwise"};
  }

  if (op == "LRN" && in[0].shape.size() >= 3) {
    const int64_t N = in[0].shape[0], C = in[0].shape[1];
    const int64_t HW = checked_numel(in[0].shape) / std::max<int64_t>(N * C, 1);
    const int64_t size = n.attrs.require_int("size");
    const float alpha = n.attrs.get_float("alpha", 1e-4f), beta = n.attrs.get_float("beta", 0.75f);
    const float bias = n.attrs.get_float("bias", 1.0f);
    return NodeKernel{[=](auto i, auto o) {
                        ew::lrn(f32(i[0]), f32(o[0]), N, C, HW, size, alpha, beta, bias, threads,
                                isa);
                      },
                      "eltwise"};
  }

  if (op == "Concat") {
    const int rank = static_cast<int>(out.shape.size());
    const int axis = ops::normalize_axis(n.attrs.get_int("axis", 1), rank, "axis");
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= out.shape[static_cast<size_t>(d)];
    const int64_t out_inner = checked_numel(out.shape) / std::max<int64_t>(outer, 1);
    std::vector<int64_t> inner;
    for (const ops::ValueInfo& v : in)
      inner.push_back(checked_numel(v.shape) / std::max<int64_t>(outer, 1));
    // Each (outer index, input) piece is one memcpy; large concats (a batch's worth of
    // GoogLeNet's or SqueezeNet's, 1-1.5 ms per copy at batch 8) spread the pieces over the
    // threads.
    std::vector<int64_t> offset;
    int64_t at = 0;
    for (int64_t len : inner) {
      offset.push_back(at);
      at += len;
    }
    const int64_t pieces = outer * static_cast<int64_t>(inner.size());
    const int copy_threads = out_inner * outer * 4 >= (1 << 20) ? threads : 1;
    return NodeKernel{[=](auto i, auto o) {
                        float* y = f32(o[0]);
                        const auto piece = [&](int64_t p) {
                          const int64_t b = p / static_cast<int64_t>(inner.size());
                          const size_t k = static_cast<size_t>(p) % inner.size();
                          std::memcpy(y + b * out_inner + offset[k], f32(i[k]) + b * inner[k],
                                      sizeof(float) * static_cast<size_t>(inner[k]));
                        };
                        if (copy_threads == 1) {
                          for (int64_t p = 0; p < pieces; ++p) piece(p);
                        } else {
                          ThreadPool::global().parallel_for(pieces, piece, copy_threads);
                        }
                      },
                      "copy"};
  }
  return std::nullopt;
}

}  // namespace loupe::graph
