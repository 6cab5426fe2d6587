#include "graph/session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <numeric>
#include <set>

#include "graph/arena.hpp"
#include "graph/fusion.hpp"
#include "graph/node_kernels.hpp"
#include "graph/tuning.hpp"
#include "kernels/conv/conv.hpp"
#include "kernels/gemm/gemm.hpp"
#include "loupe/thread_pool.hpp"
#include "ops/broadcast.hpp"
#include "ops/conv.hpp"
#include "ops/gemm.hpp"

namespace loupe::graph {

namespace {

// Below this many MACs per byte of activations, the steps run in passes are memory-bound enough
// to size their passes from the kernels' (capped) L3 (plan_micro_batches).
constexpr int64_t kMemoryBoundMacsPerByte = 16;

enum class SlotKind { feed, constant, arena };

// Where a value lives while the session runs.
struct Slot {
  SlotKind kind = SlotKind::arena;
  std::string name;
  const Tensor* constant = nullptr;
  int64_t offset = 0;
  Shape shape;
  DType dtype = DType::f32;
  int64_t bytes = 0;
  // A value of the micro-batched steps: `stride` > 0 when it holds the whole batch (a feed, or a
  // value the later steps read), each pass's images `stride` bytes after the previous pass's;
  // else `bytes` is one pass's buffer, reused by every pass.
  int64_t stride = 0;
  // A slice of a Concat's output at batch > 1 (place_concats): each image's part lies
  // `image_stride` bytes after the previous image's, inside the Concat's images; 0: contiguous.
  int64_t image_stride = 0;
  // Held in 16-channel blocks (propagate_layouts): `bytes` counts the padded channels.
  bool blocked = false;
};

// in_place: a Concat whose inputs were written straight into their slices of its output.
enum class StepKind { conv, gemm, node, reference, in_place };

struct Step {
  StepKind kind = StepKind::reference;
  StepInfo info;
  std::vector<int> in;   // slots of the external inputs the kernel reads (-1: absent)
  std::vector<int> out;  // slots written
  int residual = -1;
  // conv: the algorithm and description chosen while building, and the primitive created from
  // them once the memory plan has set the description's output image stride (create_convs)
  const kernels::conv::ConvAlgorithm* conv_algorithm = nullptr;
  kernels::conv::ConvDesc desc;
  std::unique_ptr<kernels::conv::ConvPrimitive> conv;
  // gemm
  std::optional<kernels::GemmPlan> gemm;
  kernels::PackedB packed;
  std::vector<float> bias;
  // node (a fast kernel bound to one node) and reference
  NodeFn fn;
  const Node* node = nullptr;
};

struct Weights {
  std::vector<float> w;
  std::vector<float> b;
};

// W' = W * s, b' = (b - mean) * s + beta with s = scale / sqrt(var + eps) per output channel m,
// computed in double: the folded conv equals conv followed by inference batch norm exactly up to
// one rounding per weight.
void fold_batch_norm(const Graph& g, const Node& bn, int64_t M, Weights& wb) {
  const float eps = bn.attrs.get_float("epsilon", 1e-5f);
  const float* scale = g.info(bn.inputs[1]).constant->data<float>();
  const float* beta = g.info(bn.inputs[2]).constant->data<float>();
  const float* mean = g.info(bn.inputs[3]).constant->data<float>();
  const float* var = g.info(bn.inputs[4]).constant->data<float>();
  const int64_t per_m = static_cast<int64_t>(wb.w.size()) / M;
  for (int64_t m = 0; m < M; ++m) {
    const double s = static_cast<double>(scale[m]) /
                     std::sqrt(static_cast<double>(var[m]) + static_cast<double>(eps));
    for (int64_t k = 0; k < per_m; ++k) {
      wb.w[m * per_m + k] = static_cast<float>(wb.w[m * per_m + k] * s);
    }
    wb.b[m] = static_cast<float>((static_cast<double>(wb.b[m]) - mean[m]) * s + beta[m]);
  }
}

bool f32_constant(const Graph& g, const std::string& v) {
  if (v.empty()) return false;
  const ops::ValueInfo& i = g.info(v);
  return i.constant != nullptr && i.dtype == DType::f32;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

struct Session::Impl {
  const Graph& g;
  SessionOptions options;
  std::vector<Slot> slots;
  std::map<std::string, int, std::less<>> slot_of;
  std::vector<Step> steps;
  std::vector<StepInfo> infos;
  int64_t arena_bytes = 0;
  int64_t workspace_floats = 0;
  int threads = 1;
  // Steps [0, prefix) run `groups` times, batch / groups images each (SessionOptions::micro_batch).
  size_t prefix = 0;
  int64_t batch = 1, groups = 1;
  int64_t images_per_pass() const { return batch / groups; }
  std::unique_ptr<TuningCache> tuning;

  mutable std::mutex mutex;  // one run at a time: the arena and workspace are shared
  mutable Tensor arena;
  mutable Tensor workspace;
  mutable std::vector<Tensor> feeds;  // by slot, for this run

  Impl(const Graph& graph, SessionOptions opt) : g(graph), options(std::move(opt)) {}

  int slot(const std::string& name) {
    if (name.empty()) return -1;
    auto it = slot_of.find(name);
    if (it != slot_of.end()) return it->second;
    const ops::ValueInfo& info = g.info(name);
    Slot s;
    s.name = name;
    s.shape = info.shape;
    s.dtype = info.dtype;
    s.bytes = value_bytes(info);
    if (info.constant != nullptr) {
      s.kind = SlotKind::constant;
      s.constant = info.constant;
    }
    slots.push_back(std::move(s));
    slot_of.emplace(name, static_cast<int>(slots.size() - 1));
    return static_cast<int>(slots.size() - 1);
  }

  void compile();
  void plan_micro_batches(const std::vector<StepPlan>& plans);
  void build_step(const StepPlan& plan, Step& step, int64_t images);
  // Chooses a conv step's algorithm; create_convs creates the primitives after plan_memory, so
  // that a Concat's slice (place_concats) is known before any weights are packed.
  bool build_conv(const StepPlan& plan, Step& step, int64_t images);
  Weights conv_weights(const StepPlan& plan, const kernels::conv::ConvDesc& d) const;
  void create_convs(const std::vector<StepPlan>& plans);
  bool build_gemm(const StepPlan& plan, Step& step);
  void propagate_layouts();
  void plan_memory();
  void place_concats(std::vector<int64_t>& first, std::vector<int64_t>& last,
                     std::vector<int>& parent, std::vector<int64_t>& at);
  // Copies one pass's images of slot s (`bytes` in all) from `from` into the slot, or out of it
  // into `to`, whatever its image stride.
  void copy_value(int s, int64_t group, const std::byte* from, std::byte* to, int64_t bytes) const;

  std::byte* base() const { return static_cast<std::byte*>(arena.raw()); }
  // Slot s as pass `group` of the micro-batched steps sees it (group 0: the whole batch).
  void* ptr(int s, int64_t group = 0) const {
    const Slot& sl = slots[static_cast<size_t>(s)];
    const int64_t skip = group * sl.stride;
    switch (sl.kind) {
      case SlotKind::constant:
        return const_cast<void*>(sl.constant->raw());
      case SlotKind::feed:
        return static_cast<std::byte*>(feeds[static_cast<size_t>(s)].raw()) + skip;
      case SlotKind::arena:
        return base() + sl.offset + skip;
    }
    return nullptr;
  }
  Tensor tensor(int s) const {
    if (s < 0) return Tensor();
    const Slot& sl = slots[static_cast<size_t>(s)];
    if (sl.kind == SlotKind::constant) return *sl.constant;
    if (sl.kind == SlotKind::feed) return feeds[static_cast<size_t>(s)];
    return Tensor::wrap(sl.shape, sl.dtype, base() + sl.offset);
  }
  void execute(const Step& step, int64_t group = 0) const;
  // Floats of slot s's whole batch in 16-channel blocks.
  size_t blocked_floats(int s) const {
    const Shape& sh = slots[static_cast<size_t>(s)].shape;
    return static_cast<size_t>(sh[0] * kernels::conv::blocked_channels(sh[1]) * sh[2] * sh[3]);
  }
  // The plain [N, C, H, W] tensor v in slot s's 16-channel blocks.
  std::vector<float> to_blocked(int s, const Tensor& v) const {
    const Shape& sh = slots[static_cast<size_t>(s)].shape;
    std::vector<float> b(blocked_floats(s));
    kernels::conv::nchw_to_blocked(v.data<float>(), sh[0], sh[1], sh[2] * sh[3], b.data());
    return b;
  }
};

// The conv's weights and bias (zeros when absent), with its batch norm folded in.
Weights Session::Impl::conv_weights(const StepPlan& plan, const kernels::conv::ConvDesc& d) const {
  const Node& n = g.nodes()[plan.nodes[0]];
  const Tensor& w = *g.info(n.inputs[1]).constant;
  Weights wb;
  wb.w.assign(w.data<float>(), w.data<float>() + w.numel());
  wb.b.assign(static_cast<size_t>(d.shape.M), 0.0f);
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const float* b = g.info(n.inputs[2]).constant->data<float>();
    std::copy(b, b + d.shape.M, wb.b.begin());
  }
  if (plan.batch_norm) fold_batch_norm(g, g.nodes()[*plan.batch_norm], d.shape.M, wb);
  return wb;
}

bool Session::Impl::build_conv(const StepPlan& plan, Step& step, int64_t images) {
  const Node& n = g.nodes()[plan.nodes[0]];
  if (n.op_type != "Conv" || !f32_constant(g, n.inputs[1])) return false;
  if (n.inputs.size() > 2 && !n.inputs[2].empty() && !f32_constant(g, n.inputs[2])) return false;
  const std::vector<ops::ValueInfo> infos = g.input_infos(n);
  if (infos[0].dtype != DType::f32 || infos[0].shape.size() != 4) return false;
  const ops::ConvParams p = ops::parse_conv(n.attrs);
  kernels::conv::ConvDesc d;
  d.shape = ops::conv_layer_shape(p, infos[0].shape, infos[1].shape);
  const int64_t batch = d.shape.N;
  if (images > 0) d.shape.N = images;
  d.threads = options.threads;
  d.isa = options.isa;
  d.residual = !plan.residual.empty();
  if (plan.clamp) d.activation = kernels::GemmEpilogue::clamped(plan.lo, plan.hi);
  const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  d.has_bias = has_bias || plan.batch_norm.has_value();

  const kernels::conv::ConvAlgorithm* algo = nullptr;
  auto forced = options.step_algorithm.find(n.name);
  if (forced != options.step_algorithm.end()) {
    algo = kernels::conv::find_algorithm(forced->second);
    if (algo == nullptr) fail("unknown conv algorithm \"{}\"", forced->second);
    if (!algo->supports(d)) fail("algorithm \"{}\" does not support this layer", forced->second);
  } else if (!options.conv_algorithm.empty()) {
    algo = kernels::conv::find_algorithm(options.conv_algorithm);
    if (algo == nullptr) fail("unknown conv algorithm \"{}\"", options.conv_algorithm);
    if (!algo->supports(d)) algo = nullptr;
  }
  if (algo == nullptr && tuning != nullptr) {
    std::string name = tuning->lookup(d);
    if (name.empty()) {
      const Weights wb = conv_weights(plan, d);
      name = measure_fastest(d, wb.w.data(), d.has_bias ? wb.b.data() : nullptr,
                             kernels::conv::choose_algorithm(d).name());
      tuning->store(d, name);
    }
    algo = kernels::conv::find_algorithm(name);
  }
  if (algo == nullptr) algo = &kernels::conv::choose_algorithm(d);
  step.conv_algorithm = algo;
  step.desc = d;
  step.kind = StepKind::conv;
  step.info.layer = d.shape;
  step.info.layer->N = batch;
  step.in = {slot(n.inputs[0])};
  return true;
}

void Session::Impl::create_convs(const std::vector<StepPlan>& plans) {
  for (size_t i = 0; i < steps.size(); ++i) {
    Step& step = steps[i];
    if (step.kind != StepKind::conv) continue;
    try {
      const Weights wb = conv_weights(plans[i], step.desc);
      step.conv = step.conv_algorithm->create(step.desc, wb.w.data(),
                                              step.desc.has_bias ? wb.b.data() : nullptr);
    } catch (const Error& e) {
      throw e.prefixed(node_context(g.nodes()[plans[i].nodes[0]]));
    }
    step.info.algorithm = std::string(step.conv->algorithm());
    step.info.workspace_bytes = step.conv->workspace_floats() * 4;
    workspace_floats = std::max(workspace_floats, step.conv->workspace_floats());
  }
}

bool Session::Impl::build_gemm(const StepPlan& plan, Step& step) {
  const Node& n = g.nodes()[plan.nodes[0]];
  const bool is_gemm = n.op_type == "Gemm";
  if (!is_gemm && n.op_type != "MatMul") return false;
  if (n.inputs.size() < 2 || !f32_constant(g, n.inputs[1])) return false;
  const std::vector<ops::ValueInfo> infos = g.input_infos(n);
  if (infos[0].dtype != DType::f32 || infos[0].shape.size() != 2 || infos[1].shape.size() != 2)
    return false;
  ops::GemmParams p;
  if (is_gemm) p = ops::parse_gemm(n.attrs);
  const ops::GemmDims dims = ops::gemm_dims(p, infos[0].shape, infos[1].shape, nullptr);

  // Gemm's C becomes a per-column bias when it is a constant broadcast along the rows.
  std::vector<float> bias;
  if (is_gemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
    if (!f32_constant(g, n.inputs[2])) return false;
    const Tensor& c = *infos[2].constant;
    const Shape& cs = c.shape();
    const bool row =
        (cs.size() == 1 && cs[0] == dims.N) || (cs.size() == 2 && cs[0] == 1 && cs[1] == dims.N);
    const bool scalar = c.numel() == 1;
    if (!row && !scalar) return false;
    bias.resize(static_cast<size_t>(dims.N));
    for (int64_t j = 0; j < dims.N; ++j) bias[j] = p.beta * c.data<float>()[scalar ? 0 : j];
  }

  kernels::GemmDesc d;
  d.M = dims.M;
  d.N = dims.N;
  d.K = dims.K;
  d.trans_a = p.trans_a;
  d.trans_b = p.trans_b;
  d.alpha = p.alpha;
  d.threads = options.threads;
  d.isa = options.isa;
  if (!bias.empty()) d.epilogue.bias = kernels::BiasKind::per_col;
  d.epilogue.residual = !plan.residual.empty();
  if (plan.clamp) {
    d.epilogue.clamp = true;
    d.epilogue.lo = plan.lo;
    d.epilogue.hi = plan.hi;
  }
  step.gemm = kernels::plan_gemm(d);
  step.packed = kernels::pack_b(*step.gemm, infos[1].constant->data<float>());
  step.bias = std::move(bias);
  step.kind = StepKind::gemm;
  step.info.algorithm = "gemm";
  step.info.layer = n.op->layer_shape(infos);
  step.in = {slot(n.inputs[0])};
  return true;
}

void Session::Impl::build_step(const StepPlan& plan, Step& step, int64_t images) {
  const Node& first = g.nodes()[plan.nodes[0]];
  step.info.name = first.name;
  for (size_t k = 0; k < plan.nodes.size(); ++k) {
    const Node& n = g.nodes()[plan.nodes[k]];
    if (k > 0) step.info.op += "+";
    step.info.op += n.op_type;
    step.info.nodes.push_back(plan.nodes[k]);
    const auto in = g.input_infos(n);
    const auto out = g.output_infos(n);
    const ops::Counts c = n.op->count(in, out);
    step.info.macs += c.macs;
    step.info.flops += c.flops;
  }
  bool fast = false;
  if (plan.nodes.size() > 1 || first.op_type == "Conv" || first.op_type == "Gemm" ||
      first.op_type == "MatMul") {
    try {
      fast = build_conv(plan, step, images) || build_gemm(plan, step);
    } catch (const Error& e) {
      throw e.prefixed(node_context(first));
    }
  }
  // The fusion pass only groups nodes a fast kernel can take.
  LOUPE_CHECK(fast || plan.nodes.size() == 1);
  if (fast) {
    step.residual = slot(plan.residual);
    step.out = {slot(plan.output)};
  } else {
    step.node = &first;
    std::optional<NodeKernel> k;
    try {
      k = node_kernel(g, first, options.threads, options.isa, images);
    } catch (const Error& e) {
      throw e.prefixed(node_context(first));
    }
    step.kind = k ? StepKind::node : StepKind::reference;
    step.info.algorithm = k ? k->algorithm : "reference";
    if (k) step.fn = std::move(k->fn);
    for (const std::string& v : first.inputs) step.in.push_back(slot(v));
    for (const std::string& v : first.outputs) step.out.push_back(slot(v));
  }
  // Bytes: activations read (the residual too) and parameters read, from outside the group.
  std::set<std::string, std::less<>> internal;
  for (size_t k : plan.nodes) {
    for (const std::string& o : g.nodes()[k].outputs) internal.insert(o);
  }
  std::set<std::string, std::less<>> counted;
  for (size_t k : plan.nodes) {
    for (const std::string& v : g.nodes()[k].inputs) {
      if (v.empty() || internal.count(v) != 0 || !counted.insert(v).second) continue;
      const ops::ValueInfo& i = g.info(v);
      (i.constant != nullptr ? step.info.weight_bytes : step.info.input_bytes) += value_bytes(i);
    }
  }
  for (int s : step.out) {
    if (s >= 0) step.info.output_bytes += slots[static_cast<size_t>(s)].bytes;
  }
}

// The ops that treat each image on its own (a constant they read is the same for every image).
bool per_image_op(const Graph& g, const Node& n) {
  static const std::set<std::string, std::less<>> ops = {"Conv",
                                                         "BatchNormalization",
                                                         "Relu",
                                                         "Clip",
                                                         "LeakyRelu",
                                                         "Sigmoid",
                                                         "Tanh",
                                                         "HardSigmoid",
                                                         "HardSwish",
                                                         "Add",
                                                         "Mul",
                                                         "MaxPool",
                                                         "AveragePool",
                                                         "GlobalMaxPool",
                                                         "GlobalAveragePool",
                                                         "LRN",
                                                         "Concat"};
  if (ops.count(n.op_type) == 0 || n.outputs.empty() || n.outputs[0].empty()) return false;
  const Shape& out = g.info(n.outputs[0]).shape;
  if (out.empty()) return false;
  if (n.op_type == "Concat") {
    const int rank = static_cast<int>(out.size());
    if (ops::normalize_axis(n.attrs.get_int("axis", 1), rank, "axis") == 0) return false;
  }
  for (const std::string& v : n.inputs) {
    if (v.empty()) continue;
    const ops::ValueInfo& i = g.info(v);
    // A constant as large as the output with images of its own (not a conv's weights) differs
    // per image.
    if (i.constant != nullptr && n.op_type != "Conv" && i.shape.size() >= out.size() &&
        i.shape[0] != 1)
      return false;
  }
  return true;
}

// Which leading steps run a few images at a time (SessionOptions::micro_batch): their every value
// that is not a constant has the batch as its leading dimension. Each pass takes the most images
// whose largest step (inputs and output) fits in a quarter of the L3, so that a pass's activations
// flow from step to step through the caches instead of DRAM. Fewer images measured as fast or
// faster (batch 8, 1 thread, min of 8 runs, ms, 1 / 2 / 4 / 8 images per pass): MobileNet v2
// 65-73 / 66-90 / - / 91-94, SqueezeNet 70-80 / 78-81 / 79-86 / 88-90, GoogLeNet 223-265 at
// every size; a quarter rather than half keeps room for the weights and other tenants. For a run
// of many MACs per byte the L3 is the one the CPU reports, not the kernels' capped figure: on a
// 2-vCPU Xeon that reports the socket's 480 MiB, whose L3 reads ran at 60 GB/s against DRAM's
// 39, passes lost to whole batches (8 images, 2 threads, medians of 8-10 runs, ms, passes vs
// whole batch: ResNet-50 225-226 vs 201-207, GoogLeNet 74-77 vs 72-73): each pass re-reads every
// weight, and there the L3 saves little over DRAM. A memory-bound run keeps the capped figure
// (the budget below).
void Session::Impl::plan_micro_batches(const std::vector<StepPlan>& plans) {
  const std::vector<GraphInput> in = feed_inputs(g);
  if (in.empty() || g.info(in[0].name).shape.empty()) return;
  const int64_t n = g.info(in[0].name).shape[0];
  batch = std::max<int64_t>(n, 1);
  if (n <= 1 || options.micro_batch >= n) return;
  if (options.micro_batch > 0 && n % options.micro_batch != 0) {
    fail("micro-batch of {} images does not divide the batch of {}", options.micro_batch, n);
  }
  // Images along the leading dimension: the rank of the node's output and the batch first (a
  // computed [C] scale whose C happens to equal the batch is not split by image).
  const auto batched = [&](const std::string& v, size_t rank) {
    const ops::ValueInfo& i = g.info(v);
    return i.constant != nullptr || (i.shape.size() == rank && i.shape[0] == n);
  };
  std::vector<int64_t> step_bytes;  // per image: inputs and output of each step of the run
  int64_t macs = 0;                 // per image, over the same steps
  size_t p = 0;
  for (; p < plans.size(); ++p) {
    const StepPlan& plan = plans[p];
    bool ok = true;
    int64_t bytes = 0;
    for (size_t k : plan.nodes) {
      const Node& nd = g.nodes()[k];
      ok = ok && per_image_op(g, nd);
      if (!ok) break;
      const size_t rank = g.info(nd.outputs[0]).shape.size();
      for (const std::string& v : nd.inputs) ok = ok && (v.empty() || batched(v, rank));
      for (const std::string& v : nd.outputs) ok = ok && (v.empty() || batched(v, rank));
    }
    if (!ok) break;
    std::set<std::string, std::less<>> values(g.nodes()[plan.nodes[0]].inputs.begin(),
                                              g.nodes()[plan.nodes[0]].inputs.end());
    values.insert(plan.residual);
    values.insert(plan.output);
    for (const std::string& v : values) {
      if (!v.empty() && g.info(v).constant == nullptr) bytes += value_bytes(g.info(v)) / n;
    }
    step_bytes.push_back(bytes);
    for (size_t k : plan.nodes) {
      const Node& nd = g.nodes()[k];
      macs += nd.op->count(g.input_infos(nd), g.output_infos(nd)).macs / n;
    }
  }
  // Passes fit a quarter of the L3. Which L3: on a VM whose CPU reports a socket's cache (the
  // 2-vCPU Xeon: 480 MiB; the kernels cap it at 32, isa.hpp), a network that does many MACs per
  // byte of activations ran its batch of 8 best whole, and one that does few ran best in passes
  // sized from the capped figure. Xeon, batch 8, loupe bench medians, ms, whole batch / passes of
  // 1 / 2 images, 1 thread: MobileNet v2 (5.5 MACs per byte) 54.1 / 44.0 / 48.2, SqueezeNet 1.1
  // (9.6) 53.3-54.5 / 42.7-44.2 / 46.9-47.5, GoogLeNet (25.5) 146.9 / 144.5 / 156.2, ResNet-50
  // (36) 425.5 / 446.0 / 446.1; 2 threads: SqueezeNet 26.5 / 26.7-27.5 / 24.9-25.9. Where the
  // two figures agree (Zen 4's 32 MiB) nothing changes.
  const auto total_bytes = std::accumulate(step_bytes.begin(), step_bytes.end(), int64_t{0});
  const bool memory_bound = macs < kMemoryBoundMacsPerByte * total_bytes;
  const int64_t budget =
      (memory_bound ? kernels::cache_sizes().l3 : kernels::cache_sizes().l3_reported) / 4;
  // By default the run ends where every later step fits in the budget with the whole batch: those
  // steps gain nothing from passes and lose threads' split by image (MobileNet v2's 14 x 14 and
  // 7 x 7 stages, whose one image is too small a product for two threads to share).
  if (options.micro_batch == 0) {
    while (p > 0 && n * step_bytes[p - 1] <= budget) --p;
  }
  if (p == 0) return;
  const int64_t worst = *std::max_element(step_bytes.begin(), step_bytes.begin() + p);
  int64_t images = options.micro_batch;
  for (int64_t d = n; images <= 0; --d) {
    if (n % d == 0 && (d == 1 || d * worst <= budget)) images = d;
  }
  if (images >= n) return;
  prefix = p;
  groups = n / images;
}

// A value that one conv writes and only convs read, every one of them able to take it in 16-channel
// blocks (direct_nchw16c), stays blocked: the writer stores its tiles' channel blocks as they are
// and each reader copies rows of blocks into its padded buffer, where otherwise the writer would
// transpose to NCHW and every reader transpose back. Feeds, graph outputs, residuals and Concat
// inputs stay NCHW, so the graph's edges see plain tensors only.
void Session::Impl::propagate_layouts() {
  using kernels::conv::ConvDesc;
  std::vector<bool> graph_output(slots.size(), false);
  for (const std::string& out : g.outputs()) graph_output[slot_of.at(out)] = true;
  std::vector<int> writer(slots.size(), -1);
  std::vector<std::vector<int>> readers(slots.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    for (int v : st.out) {
      if (v >= 0) writer[v] = st.kind == StepKind::conv ? static_cast<int>(i) : -2;
    }
    for (size_t k = 0; k < st.in.size(); ++k) {
      if (st.in[k] < 0) continue;
      // A conv reads its x as in[0]; anything else marks the value as read some other way.
      const bool as_x = st.kind == StepKind::conv && k == 0;
      readers[st.in[k]].push_back(as_x ? static_cast<int>(i) : -1);
    }
    if (st.residual >= 0) readers[st.residual].push_back(-1);
  }
  for (size_t v = 0; v < slots.size(); ++v) {
    Slot& sl = slots[v];
    if (sl.kind != SlotKind::arena || sl.dtype != DType::f32 || graph_output[v] || writer[v] < 0 ||
        readers[v].empty() || sl.shape.size() != 4) {
      continue;
    }
    Step& w = steps[static_cast<size_t>(writer[v])];
    ConvDesc wd = w.desc;
    wd.y_layout = Layout::NCHWc;
    bool ok = w.conv_algorithm->supports(wd);
    for (int r : readers[v]) {
      if (!ok || r < 0) {
        ok = false;
        break;
      }
      const Step& rs = steps[static_cast<size_t>(r)];
      ConvDesc rd = rs.desc;
      rd.x_layout = Layout::NCHWc;
      ok = rs.conv_algorithm->supports(rd);
    }
    if (!ok) continue;
    w.desc.y_layout = Layout::NCHWc;
    w.info.output_layout = Layout::NCHWc;
    for (int r : readers[v]) {
      steps[static_cast<size_t>(r)].desc.x_layout = Layout::NCHWc;
      steps[static_cast<size_t>(r)].info.input_layout = Layout::NCHWc;
    }
    sl.blocked = true;
    sl.bytes = sl.bytes / sl.shape[1] * kernels::conv::blocked_channels(sl.shape[1]);
  }
}

void Session::Impl::plan_memory() {
  // Feeds are the caller's tensors; everything computed lives in the arena.
  for (const GraphInput& in : feed_inputs(g)) {
    const int s = slot(in.name);
    slots[static_cast<size_t>(s)].kind = SlotKind::feed;
  }
  std::vector<int64_t> first(slots.size(), -1), last(slots.size(), -1);
  const int64_t end = static_cast<int64_t>(steps.size());
  for (int64_t i = 0; i < end; ++i) {
    const Step& st = steps[static_cast<size_t>(i)];
    for (int s : st.out) {
      if (s >= 0 && first[s] < 0) first[s] = i;
      if (s >= 0) last[s] = std::max(last[s], i);
    }
    for (int s : st.in) {
      if (s >= 0) last[s] = std::max(last[s], i);
    }
    if (st.residual >= 0) last[st.residual] = std::max(last[st.residual], i);
  }
  for (const std::string& out : g.outputs()) {
    auto it = slot_of.find(out);
    if (it != slot_of.end()) last[it->second] = end;
  }
  // The micro-batched steps: a value only they read takes one pass's images, its buffer reused by
  // every pass; feeds and the values later steps read hold the whole batch, a slice per pass, and
  // live from the first pass on.
  const auto p = static_cast<int64_t>(prefix);
  for (size_t s = 0; s < slots.size() && p > 0; ++s) {
    Slot& sl = slots[s];
    if (sl.kind == SlotKind::constant) continue;
    if (sl.kind == SlotKind::arena && (first[s] < 0 || first[s] >= p)) continue;
    if (sl.kind == SlotKind::feed || last[s] >= p) {
      sl.stride = sl.bytes / groups;
      if (sl.kind == SlotKind::arena) first[s] = 0;
    } else {
      sl.bytes /= groups;
    }
  }
  std::vector<int> parent(slots.size(), -1);
  std::vector<int64_t> at(slots.size(), 0);
  place_concats(first, last, parent, at);
  std::vector<ArenaRequest> requests;
  std::vector<int> which;
  for (size_t s = 0; s < slots.size(); ++s) {
    if (slots[s].kind != SlotKind::arena || parent[s] >= 0) continue;
    LOUPE_CHECK(first[s] >= 0);  // every arena value has a producing step
    requests.push_back({slots[s].bytes, first[s], last[s]});
    which.push_back(static_cast<int>(s));
  }
  const ArenaPlan plan = plan_arena(requests);
  for (size_t r = 0; r < which.size(); ++r) slots[which[r]].offset = plan.offsets[r];
  for (size_t s = 0; s < slots.size(); ++s) {
    if (parent[s] >= 0) slots[s].offset = slots[static_cast<size_t>(parent[s])].offset + at[s];
  }
  arena_bytes = plan.bytes;
}

// A Concat whose axis has only 1s before it (channels at batch 1: GoogLeNet's inception blocks,
// SqueezeNet's fire modules) is its inputs one after another. Each input then lives in its slice
// of the output (parent / at), the output lives from the first input's step on, and the step
// copies nothing. Inputs that are feeds, graph outputs, another Concat's slices or outputs, or
// that would start off a 64-byte boundary keep the copy.
//
// Along channels at batch > 1 each input's images are strided slices of the output's images.
// There the inputs must all be conv outputs that only the Concat reads, each conv's algorithm
// taking strided images (ConvDesc::y_image_stride): the conv's description then takes the
// stride, before create_convs creates the primitive. SqueezeNet at batch 8 had spent 8% of its time
// (1.66 ms of 21.9 on 2 threads) and GoogLeNet 2% copying them. Running those convs an image at a
// time into their slices instead lost more than the copy saved (GoogLeNet 74.5-78.3 -> 81.1-83.5
// ms).
void Session::Impl::place_concats(std::vector<int64_t>& first, std::vector<int64_t>& last,
                                  std::vector<int>& parent, std::vector<int64_t>& at) {
  std::vector<bool> graph_output(slots.size(), false), holds_slices(slots.size(), false);
  for (const std::string& out : g.outputs()) graph_output[slot_of.at(out)] = true;
  auto placeable = [&](int s) {
    return s >= 0 && slots[s].kind == SlotKind::arena && slots[s].dtype == DType::f32 &&
           !graph_output[s] && parent[s] < 0 && !holds_slices[s] && slots[s].stride == 0;
  };
  // Per value: how many steps read it, and the conv step that writes it (or -1).
  std::vector<int> readers(slots.size(), 0), conv_of(slots.size(), -1);
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    for (int v : st.in) {
      if (v >= 0) ++readers[v];
    }
    if (st.residual >= 0) ++readers[st.residual];
    if (st.kind == StepKind::conv && st.out.size() == 1 && st.out[0] >= 0) {
      conv_of[st.out[0]] = static_cast<int>(i);
    }
  }
  for (Step& st : steps) {
    if (st.node == nullptr || st.node->op_type != "Concat" || st.out.size() != 1) continue;
    const int out = st.out[0];
    if (!placeable(out)) continue;
    // A value of one pass of the micro-batched steps holds that pass's images.
    Shape shape = slots[out].shape;
    if (first[out] < static_cast<int64_t>(prefix)) shape[0] = images_per_pass();
    const int axis = ops::normalize_axis(st.node->attrs.get_int("axis", 1),
                                         static_cast<int>(shape.size()), "axis");
    const int64_t images = shape[0];
    const bool strided = images > 1 && axis == 1;
    const int64_t image_floats = strided ? slots[out].bytes / images / 4 : 0;
    bool ok = true;
    for (int d = strided ? 1 : 0; d < axis; ++d) ok = ok && shape[static_cast<size_t>(d)] == 1;
    std::set<int> seen;
    int64_t offset = 0;
    for (int s : st.in) {
      ok = ok && placeable(s) && seen.insert(s).second && offset % 64 == 0;
      if (ok && strided) {
        ok = conv_of[s] >= 0 && readers[s] == 1;
        if (ok) {
          const Step& producer = steps[static_cast<size_t>(conv_of[s])];
          kernels::conv::ConvDesc d = producer.desc;
          d.y_image_stride = image_floats;
          ok = producer.conv_algorithm->supports(d);
        }
      }
      if (!ok) break;
      offset += slots[s].bytes / (strided ? images : 1);
    }
    if (!ok || offset * (strided ? images : 1) != slots[out].bytes) continue;
    offset = 0;
    for (int s : st.in) {
      parent[s] = out;
      at[s] = offset;
      offset += slots[s].bytes / (strided ? images : 1);
      first[out] = std::min(first[out], first[s]);
      last[out] = std::max(last[out], last[s]);
      if (!strided) continue;
      slots[s].image_stride = image_floats * 4;
      steps[static_cast<size_t>(conv_of[s])].desc.y_image_stride = image_floats;
    }
    holds_slices[out] = true;
    st.kind = StepKind::in_place;
    st.info.algorithm = "in_place";
  }
}

void Session::Impl::copy_value(int s, int64_t group, const std::byte* from, std::byte* to,
                               int64_t bytes) const {
  const Slot& sl = slots[static_cast<size_t>(s)];
  auto* at = static_cast<std::byte*>(ptr(s, group));
  const int64_t stride = sl.image_stride;
  const int64_t image =
      stride > 0 ? value_bytes(ops::ValueInfo{sl.shape, sl.dtype}) / sl.shape[0] : bytes;
  for (int64_t done = 0, n = 0; done < bytes; done += image, ++n) {
    if (from != nullptr) {
      std::memcpy(at + n * stride, from + done, static_cast<size_t>(image));
    } else {
      std::memcpy(to + done, at + n * stride, static_cast<size_t>(image));
    }
  }
}

void Session::Impl::compile() {
  if (!g.finalized()) fail("graph \"{}\" must be finalized before it runs", g.name());
  threads = options.threads > 0 ? options.threads : ThreadPool::global().size();
  for (const std::string& out : g.outputs()) slot(out);
  if (options.tune) tuning = std::make_unique<TuningCache>(options.tune_cache);
  const std::vector<StepPlan> plans = plan_steps(g, options.fuse);
  plan_micro_batches(plans);
  steps.resize(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    build_step(plans[i], steps[i], i < prefix ? images_per_pass() : 0);
    // A step left to the reference loop nest takes the whole batch: the micro-batched run ends
    // before it.
    if (i < prefix && steps[i].kind == StepKind::reference) {
      prefix = i;
      if (prefix == 0) groups = 1;
      steps[i] = Step{};
      build_step(plans[i], steps[i], 0);
    }
    if (tuning && options.on_tune_step) options.on_tune_step(i + 1, plans.size());
  }
  if (tuning) tuning->save();
  // Only compiling reports progress; the caller's callback need not outlive the constructor.
  options.on_tune_step = nullptr;
  if (options.propagate_layouts) propagate_layouts();
  plan_memory();
  create_convs(plans);
  if (arena_bytes > 0) arena = Tensor({arena_bytes}, DType::u8);
  if (workspace_floats > 0) workspace = Tensor({workspace_floats}, DType::f32);
  feeds.resize(slots.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    infos.push_back(steps[i].info);
    infos.back().images = i < prefix ? images_per_pass() : batch;
  }
}

void Session::Impl::execute(const Step& step, int64_t group) const {
  switch (step.kind) {
    case StepKind::conv: {
      const float* residual =
          step.residual >= 0 ? static_cast<const float*>(ptr(step.residual, group)) : nullptr;
      step.conv->run(static_cast<const float*>(ptr(step.in[0], group)),
                     static_cast<float*>(ptr(step.out[0], group)), residual,
                     workspace_floats > 0 ? workspace.data<float>() : nullptr);
      return;
    }
    case StepKind::gemm: {
      kernels::GemmEpilogueData e;
      e.bias = step.bias.empty() ? nullptr : step.bias.data();
      e.residual = step.residual >= 0 ? static_cast<const float*>(ptr(step.residual)) : nullptr;
      step.gemm->run(static_cast<const float*>(ptr(step.in[0])), step.packed,
                     static_cast<float*>(ptr(step.out[0])), e);
      return;
    }
    case StepKind::node: {
      std::vector<const void*> in;
      for (int s : step.in) in.push_back(s >= 0 ? ptr(s, group) : nullptr);
      std::vector<void*> out;
      for (int s : step.out) out.push_back(s >= 0 ? ptr(s, group) : nullptr);
      try {
        step.fn(in, out);
      } catch (const Error& e) {
        throw e.prefixed(node_context(*step.node));
      }
      return;
    }
    case StepKind::in_place:
      return;
    case StepKind::reference: {
      std::vector<Tensor> in;
      in.reserve(step.in.size());
      for (int s : step.in) in.push_back(tensor(s));
      std::vector<Tensor> out;
      out.reserve(step.out.size());
      for (int s : step.out) {
        out.push_back(tensor(s));
        // The op interface hands references zero-filled outputs.
        if (s >= 0) std::memset(out.back().raw(), 0, static_cast<size_t>(slots[s].bytes));
      }
      try {
        step.node->op->reference(in, out);
      } catch (const Error& e) {
        throw e.prefixed(node_context(*step.node));
      }
      return;
    }
  }
}

Session::Session(const Graph& g, SessionOptions options)
    : impl_(std::make_unique<Impl>(g, std::move(options))) {
  impl_->compile();
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const std::vector<StepInfo>& Session::steps() const { return impl_->infos; }
int64_t Session::arena_bytes() const { return impl_->arena_bytes; }
int Session::threads() const { return impl_->threads; }
int64_t Session::micro_batch() const { return impl_->images_per_pass(); }

TensorMap Session::run(const TensorMap& inputs, RunStats* stats,
                       std::vector<StepTiming>* timings) const {
  const Impl& m = *impl_;
  check_feeds(m.g, inputs);
  std::lock_guard lock(m.mutex);
  int64_t feed_bytes = 0;
  for (const auto& [name, t] : inputs) {
    auto it = m.slot_of.find(name);
    if (it == m.slot_of.end()) continue;  // an input nothing reads
    m.feeds[static_cast<size_t>(it->second)] = t;
    feed_bytes += m.slots[static_cast<size_t>(it->second)].bytes;
  }
  if (timings != nullptr) timings->assign(m.steps.size(), StepTiming{});
  const auto step = [&](size_t i, int64_t group) {
    const auto t0 = std::chrono::steady_clock::now();
    m.execute(m.steps[i], group);
    if (timings != nullptr) (*timings)[i].ms += ms_since(t0);
  };
  for (int64_t group = 0; group < m.groups; ++group) {
    for (size_t i = 0; i < m.prefix; ++i) step(i, group);
  }
  for (size_t i = m.prefix; i < m.steps.size(); ++i) step(i, 0);
  TensorMap result;
  for (const std::string& name : m.g.outputs()) {
    const int s = m.slot_of.at(name);
    result.emplace(name, m.tensor(s).clone());
  }
  for (Tensor& f : m.feeds) f = Tensor();
  if (stats != nullptr) stats->peak_activation_bytes = m.arena_bytes + feed_bytes;
  return result;
}

std::vector<StepError> Session::check(const TensorMap& inputs) const {
  const Impl& m = *impl_;
  const TensorMap ref = ReferenceExecutor(m.g).run_all(inputs);
  std::lock_guard lock(m.mutex);
  std::vector<StepError> errors;
  for (size_t i = 0; i < m.steps.size(); ++i) {
    const Step& step = m.steps[i];
    const int out = step.out.empty() ? -1 : step.out[0];
    Tensor got;
    // A blocked output is read back in blocks, compared in NCHW once every pass is in.
    std::vector<float> blocked_out;
    if (out >= 0) {
      const Slot& o = m.slots[static_cast<size_t>(out)];
      got = Tensor(o.shape, o.dtype);
      if (o.blocked) blocked_out.resize(m.blocked_floats(out));
    }
    std::byte* const got_bytes = blocked_out.empty()
                                     ? static_cast<std::byte*>(got.raw())
                                     : reinterpret_cast<std::byte*>(blocked_out.data());
    const auto got_size = static_cast<int64_t>(
        blocked_out.empty() ? got.nbytes() : blocked_out.size() * sizeof(float));
    // Feed the step the reference's values of everything it reads, a pass's images at a time; a
    // blocked slot's converted to blocks once for all passes.
    std::vector<int> reads = step.in;
    if (step.residual >= 0) reads.push_back(step.residual);
    std::vector<std::vector<float>> blocked_in(reads.size());
    for (size_t r = 0; r < reads.size(); ++r) {
      const int s = reads[r];
      if (s >= 0 && m.slots[static_cast<size_t>(s)].blocked) {
        blocked_in[r] = m.to_blocked(s, ref.at(m.slots[static_cast<size_t>(s)].name));
      }
    }
    const int64_t passes = i < m.prefix ? m.groups : 1;
    for (int64_t group = 0; group < passes; ++group) {
      for (size_t r = 0; r < reads.size(); ++r) {
        const int s = reads[r];
        if (s < 0) continue;
        const Slot& sl = m.slots[static_cast<size_t>(s)];
        if (sl.kind == SlotKind::constant) continue;
        const Tensor& v = ref.at(sl.name);
        if (sl.kind == SlotKind::feed) {
          m.feeds[static_cast<size_t>(s)] = v;
          continue;
        }
        const bool blocked = !blocked_in[r].empty();
        const auto* from = blocked ? reinterpret_cast<const std::byte*>(blocked_in[r].data())
                                   : static_cast<const std::byte*>(v.raw());
        const auto slice =
            static_cast<int64_t>(blocked ? blocked_in[r].size() * sizeof(float) : v.nbytes()) /
            passes;
        m.copy_value(s, group, from + group * slice, nullptr, slice);
      }
      m.execute(step, group);
      if (out >= 0) {
        const int64_t slice = got_size / passes;
        m.copy_value(out, group, nullptr, got_bytes + group * slice, slice);
      }
    }
    if (!blocked_out.empty()) {
      const Shape& sh = got.shape();
      kernels::conv::blocked_to_nchw(blocked_out.data(), sh[0], sh[1], sh[2] * sh[3],
                                     got.data<float>());
    }
    StepError e;
    if (out >= 0 && m.slots[static_cast<size_t>(out)].dtype == DType::f32) {
      const Tensor& want = ref.at(m.slots[static_cast<size_t>(out)].name);
      double diff2 = 0, ref2 = 0;
      for (int64_t k = 0; k < want.numel(); ++k) {
        const double d = static_cast<double>(got.data<float>()[k]) - want.data<float>()[k];
        e.max_abs = std::max(e.max_abs, std::abs(d));
        diff2 += d * d;
        ref2 += static_cast<double>(want.data<float>()[k]) * want.data<float>()[k];
      }
      e.rel_l2 = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
    }
    errors.push_back(e);
  }
  for (Tensor& f : m.feeds) f = Tensor();
  return errors;
}

}  // namespace loupe::graph
