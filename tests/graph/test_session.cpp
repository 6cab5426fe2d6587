// The fast executor against the oracle: every Session result is compared with the
// ReferenceExecutor's on the same graph and inputs (relative L2 <= 1e-5; 1e-4 for Winograd and
// FFT, whose error grows with the tile, REFERENCE.md §2).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "graph/arena.hpp"
#include "graph/builder.hpp"
#include "graph/executor.hpp"
#include "graph/fusion.hpp"
#include "graph/session.hpp"
#include "kernels/conv/conv.hpp"
#include "loupe/random.hpp"
#include "test_util.hpp"
#include "zoo/zoo.hpp"

namespace loupe::graph {
namespace {

using loupe::testing::error_of;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TensorMap random_feeds(const Graph& g, uint64_t seed) {
  Rng rng(seed);
  TensorMap feeds;
  for (const GraphInput& in : feed_inputs(g)) {
    Tensor t(in.shape, DType::f32);
    for (float& v : t.span<float>()) v = static_cast<float>(rng.normal());
    feeds.emplace(in.name, std::move(t));
  }
  return feeds;
}

double rel_l2(const Tensor& got, const Tensor& want) {
  EXPECT_EQ(got.shape(), want.shape());
  double d2 = 0, r2 = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double d = static_cast<double>(got.data<float>()[i]) - want.data<float>()[i];
    d2 += d * d;
    r2 += static_cast<double>(want.data<float>()[i]) * want.data<float>()[i];
  }
  return r2 > 0 ? std::sqrt(d2 / r2) : std::sqrt(d2);
}

double tolerance(std::string_view algorithm) {
  return algorithm.starts_with("winograd") || algorithm.starts_with("fft") ? 1e-4 : 1e-5;
}

void expect_matches_reference(const Graph& g, const SessionOptions& opt, uint64_t seed,
                              double tol) {
  const TensorMap feeds = random_feeds(g, seed);
  const TensorMap want = ReferenceExecutor(g).run(feeds);
  const Session s(g, opt);
  // Twice: the second run reuses the arena and must not depend on what the first left there.
  for (int pass = 0; pass < 2; ++pass) {
    const TensorMap got = s.run(feeds);
    for (const auto& [name, w] : want) {
      EXPECT_LE(rel_l2(got.at(name), w), tol) << g.name() << " output " << name << " pass " << pass;
    }
  }
}

// A ResNet bottleneck with a projection shortcut (BN after every conv, Add, ReLU), odd channel
// counts, batch 2: exercises BN folding, residual fusion and the step order it forces.
Graph residual_block(int64_t C, int64_t H, int64_t M, int64_t stride) {
  GraphBuilder b("block", 7);
  const std::string x = b.input("data", {2, C, H, H});
  std::string y = b.relu(b.batch_norm(b.conv(x, {.M = M / 2, .R = 1, .bias = false}, "a"), "a/bn"));
  y = b.relu(b.batch_norm(
      b.conv(y, {.M = M / 2, .R = 3, .stride = stride, .pad = 1, .bias = false}, "b"), "b/bn"));
  y = b.batch_norm(b.conv(y, {.M = M, .R = 1, .bias = false}, "c"), "c/bn");
  const std::string s =
      b.batch_norm(b.conv(x, {.M = M, .R = 1, .stride = stride, .bias = false}, "proj"), "proj/bn");
  const std::string out = b.relu(b.add(y, s, "sum"), "out");
  b.output(out);
  return b.finish();
}

// Every node kind with a fast kernel besides CONV / FC, none of them fusable: a batch norm on a
// graph input, activations, broadcast Mul / Add, pooling with padding and ceil_mode, Concat,
// global pools, Flatten, Softmax and LogSoftmax.
Graph eltwise_graph() {
  Graph g("eltwise");
  const int64_t C = 6;
  g.add_input("x", {2, C, 11, 11});
  Rng rng(9);
  auto vec = [&](Shape shape, double lo, double hi) {
    Tensor t(std::move(shape));
    for (float& v : t.span<float>()) v = static_cast<float>(rng.uniform(lo, hi));
    return t;
  };
  g.add_initializer("s", vec({C}, 0.5, 1.5));
  g.add_initializer("b", vec({C}, -0.2, 0.2));
  g.add_initializer("m", vec({C}, -0.2, 0.2));
  g.add_initializer("v", vec({C}, 0.5, 1.5));
  g.add_initializer("k", vec({1, C, 1, 1}, -2.0, 2.0));
  g.add_initializer("lo", Tensor::from({}, std::vector<float>{-0.2f}));
  g.add_initializer("hi", Tensor::from({}, std::vector<float>{0.5f}));
  using ops::Attributes;
  g.add_node("BatchNormalization", "bn", {"x", "s", "b", "m", "v"}, {"bn"});
  g.add_node("LeakyRelu", "leaky", {"bn"}, {"leaky"}, Attributes{{"alpha", 0.1f}});
  g.add_node("Sigmoid", "sig", {"leaky"}, {"sig"});
  g.add_node("Mul", "mul", {"sig", "k"}, {"mul"});
  g.add_node("Add", "add", {"mul", "x"}, {"add"});
  g.add_node("Tanh", "tanh", {"add"}, {"tanh"});
  g.add_node("HardSwish", "hswish", {"tanh"}, {"hswish"});
  g.add_node("Clip", "clip", {"hswish", "lo", "hi"}, {"clip"});
  g.add_node("AveragePool", "ap", {"clip"}, {"ap"},
             Attributes{{"kernel_shape", std::vector<int64_t>{3, 3}},
                        {"strides", std::vector<int64_t>{2, 2}},
                        {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                        {"count_include_pad", int64_t{1}}});
  g.add_node("MaxPool", "mp", {"add"}, {"mp"},
             Attributes{{"kernel_shape", std::vector<int64_t>{2, 2}},
                        {"strides", std::vector<int64_t>{2, 2}},
                        {"ceil_mode", int64_t{1}}});
  g.add_node("Concat", "cat", {"ap", "mp"}, {"cat"}, Attributes{{"axis", int64_t{1}}});
  g.add_node("GlobalMaxPool", "gmp", {"cat"}, {"gmp"});
  g.add_node("GlobalAveragePool", "gap", {"cat"}, {"gap"});
  g.add_node("Flatten", "f1", {"gmp"}, {"f1"});
  g.add_node("Flatten", "f2", {"gap"}, {"f2"});
  g.add_node("Softmax", "sm", {"f1"}, {"sm"}, Attributes{{"axis", int64_t{-1}}});
  g.add_node("LogSoftmax", "lsm", {"f2"}, {"lsm"}, Attributes{{"axis", int64_t{-1}}});
  g.add_output("sm");
  g.add_output("lsm");
  g.add_output("cat");
  g.finalize();
  return g;
}

TEST(Session, NodeKernelsMatchReference) {
  const Graph g = eltwise_graph();
  for (kernels::Isa isa : {kernels::Isa::scalar, kernels::Isa::avx2, kernels::Isa::avx512}) {
    if (!kernels::isa_supported(isa)) continue;
    SessionOptions opt;
    opt.isa = isa;
    SCOPED_TRACE(std::string(kernels::isa_name(isa)));
    expect_matches_reference(g, opt, 4, 1e-5);
  }
  const Session s(g);
  for (const StepInfo& st : s.steps()) EXPECT_NE(st.algorithm, "reference") << st.name;
}

// An inception-like block: three branches concatenated along channels. At batch 1 the branches
// write straight into their slices of the Concat's output (Session::place_concats), which must
// then be reserved from the first branch's step to the slices' last reader. Two layouts make the
// arena's best fit reuse that memory otherwise: the large intermediate "c1" of a later branch
// would take slice "a" before the Concat; with late_reader, the large output "f" would take it
// before "e" reads "a" again. At batch 2 the slices are not contiguous and the Concat copies.
Graph branches(int64_t N, bool late_reader) {
  GraphBuilder b("branches", 5);
  const std::string x = b.input("data", {N, 8, 9, 9});
  const std::string a = b.relu(b.conv(x, {.M = 16, .R = 1}, "a"));
  const std::string c1 = b.relu(b.conv(x, {.M = late_reader ? 24 : 48, .R = 1}, "c1"));
  const std::string c = b.relu(b.conv(c1, {.M = 16, .R = 3, .pad = 1}, "c"));
  const std::string p = b.max_pool(x, {.k = 3, .stride = 1, .pad = 1}, "p");
  const std::string cat = b.concat({a, c, p}, "cat");
  b.output(b.global_avg_pool(b.conv(cat, {.M = 12, .R = 3, .pad = 1}, "d"), "gap"));
  if (late_reader) {
    b.output(b.conv(x, {.M = 64, .R = 1}, "f"));
    b.output(b.conv(a, {.M = 40, .R = 3, .pad = 1}, "e"));
  }
  return b.finish();
}

TEST(Session, ConcatAtBatchOneIsWrittenInPlace) {
  for (int64_t N : {1, 2}) {
    for (bool late_reader : {false, true}) {
      const Graph g = branches(N, late_reader);
      SCOPED_TRACE("batch " + std::to_string(N) + (late_reader ? ", late reader" : ""));
      expect_matches_reference(g, SessionOptions{}, 6, 1e-5);
      const Session s(g);
      std::string algorithm;
      for (const StepInfo& st : s.steps()) {
        if (st.op == "Concat") algorithm = st.algorithm;
      }
      EXPECT_EQ(algorithm, N == 1 ? "in_place" : "copy");
    }
  }
}

// Branches that all end in a conv (SqueezeNet's fire modules, GoogLeNet's inception blocks: the
// pool branch pools then convolves), read by nothing but the Concat: at batch > 1 each conv writes
// its images into their strided slices of the Concat's images (ConvDesc::y_image_stride), with a
// residual on one branch, GEMM and Winograd algorithms; whole batch and micro-batched, and
// Session::check reads the slices back image by image. With the pool branch left unconvolved
// the Concat copies.
Graph conv_branches(int64_t N, int64_t M_a) {
  GraphBuilder b("conv_branches", 8);
  const std::string x = b.input("data", {N, 8, 8, 8});
  const std::string a = b.relu(b.conv(x, {.M = M_a, .R = 1}, "a"));
  const std::string c1 = b.relu(b.conv(x, {.M = 32, .R = 1}, "c1"));
  const std::string c = b.relu(b.add(b.conv(c1, {.M = 32, .R = 3, .pad = 1}, "c"), c1, "c_res"));
  const std::string p =
      b.relu(b.conv(b.max_pool(x, {.k = 3, .stride = 1, .pad = 1}, "p0"), {.M = 16, .R = 1}, "p"));
  const std::string cat = b.concat({a, c, p}, "cat");
  b.output(b.global_avg_pool(b.conv(cat, {.M = 12, .R = 3, .pad = 1}, "d"), "gap"));
  return b.finish();
}

TEST(Session, ConcatOfConvsAtBatchFourIsWrittenInPlace) {
  for (int64_t M_a : {16, 12}) {
    for (int64_t micro : {0, 2, 1}) {
      SCOPED_TRACE("branch a " + std::to_string(M_a) + " channels, micro-batch " +
                   std::to_string(micro));
      const Graph g = conv_branches(4, M_a);
      SessionOptions opt;
      opt.micro_batch = micro;
      expect_matches_reference(g, opt, 8, 1e-5);
      const Session s(g, opt);
      const std::vector<StepError> e = s.check(random_feeds(g, 8));
      std::string concat;
      for (size_t i = 0; i < e.size(); ++i) {
        EXPECT_LE(e[i].rel_l2, tolerance(s.steps()[i].algorithm)) << s.steps()[i].name;
        if (s.steps()[i].op == "Concat") concat = s.steps()[i].algorithm;
      }
      EXPECT_EQ(concat, "in_place");
    }
  }
  const Session s(branches(2, false));
  for (const StepInfo& st : s.steps()) {
    if (st.op == "Concat") {
      EXPECT_EQ(st.algorithm, "copy");
    }
  }
}

// A Concat too large to copy on one thread (>= 1 MiB): its (image, input) pieces go to the pool.
TEST(Session, LargeConcatCopiesOnThreads) {
  GraphBuilder b("wide_concat", 2);
  const std::string x = b.input("data", {3, 24, 48, 48});
  const std::string p = b.max_pool(x, {.k = 3, .stride = 1, .pad = 1}, "p");
  b.output(b.concat({b.relu(x, "r"), p, x}, "cat"));
  const Graph g = b.finish();
  SessionOptions opt;
  opt.threads = 2;
  expect_matches_reference(g, opt, 8, 0.0);
  const Session s(g, opt);
  EXPECT_EQ(s.steps().back().algorithm, "copy");
}

// A trunk of per-image steps (a residual conv, branches joined by a Concat, pools) and a head that
// takes the whole batch (Flatten, FC, Softmax). The head also reads two trunk values: "a" through
// a late global pool and "cat" as a graph output, so they must hold every image.
Graph trunk_and_head(int64_t N) {
  GraphBuilder b("trunk", 3);
  const std::string x = b.input("data", {N, 8, 9, 9});
  const std::string a = b.relu(b.conv(x, {.M = 16, .R = 1}, "a"));
  const std::string c1 = b.relu(b.conv(x, {.M = 24, .R = 1}, "c1"));
  const std::string c = b.relu(b.conv(c1, {.M = 16, .R = 3, .pad = 1}, "c"));
  const std::string p = b.max_pool(x, {.k = 3, .stride = 1, .pad = 1}, "p");
  const std::string cat = b.concat({a, c, p}, "cat");
  const std::string d = b.conv(cat, {.M = 16, .R = 3, .pad = 1}, "d");
  const std::string r = b.relu(b.add(d, a, "res"), "r");
  const std::string head = b.flatten(b.global_avg_pool(r, "gap"), "flat");
  const std::string late = b.flatten(b.global_avg_pool(a, "gap_a"), "flat_a");
  b.output(b.softmax(b.add(b.fc(head, 10, "fc"), b.fc(late, 10, "fc_a"), "logits"), "prob"));
  b.output(cat);
  return b.finish();
}

TEST(Session, MicroBatchesMatchReference) {
  const Graph g = trunk_and_head(4);
  const TensorMap feeds = random_feeds(g, 9);
  int64_t whole_arena = 0;
  for (int64_t micro : {4, 2, 1}) {
    SCOPED_TRACE("micro-batch " + std::to_string(micro));
    SessionOptions opt;
    opt.micro_batch = micro;
    expect_matches_reference(g, opt, 9, 1e-5);
    const Session s(g, opt);
    EXPECT_EQ(s.micro_batch(), micro);
    const std::vector<StepError> e = s.check(feeds);
    ASSERT_EQ(e.size(), s.steps().size());
    std::string concat;
    for (size_t i = 0; i < e.size(); ++i) {
      EXPECT_LE(e[i].rel_l2, tolerance(s.steps()[i].algorithm)) << s.steps()[i].name;
      if (s.steps()[i].op == "Concat") concat = s.steps()[i].algorithm;
    }
    // "cat" is a graph output: it holds the whole batch and the Concat copies.
    EXPECT_EQ(concat, "copy");
    // The trunk's own values take one pass's images.
    if (micro == 4) whole_arena = s.arena_bytes();
    if (micro < 4) {
      EXPECT_LT(s.arena_bytes(), whole_arena);
    }
  }
  // One image per pass, the branches write into their slices of a Concat that only the trunk
  // reads, as at batch 1.
  for (bool late_reader : {false, true}) {
    SCOPED_TRACE(late_reader ? "branches, late reader" : "branches");
    const Graph gb = branches(4, late_reader);
    SessionOptions one;
    one.micro_batch = 1;
    expect_matches_reference(gb, one, 6, 1e-5);
    const Session s(gb, one);
    for (const StepInfo& st : s.steps()) {
      if (st.op == "Concat") {
        EXPECT_EQ(st.algorithm, "in_place");
      }
    }
  }
  SessionOptions bad;
  bad.micro_batch = 3;
  EXPECT_EQ(error_of([&] { Session s(g, bad); }),
            "micro-batch of 3 images does not divide the batch of 4");
}

// By default the passes end where every later step fits in a quarter of the (kernels') L3 with the
// whole batch: a large map (an eighth of the L3 per image, in and out) then an 8 x 8 pool that
// leaves 1/64 of it. The large steps go 2 images at a time, the small ones take all 4.
TEST(Session, MicroBatchesEndWhereTheWholeBatchFits) {
  // No MACs: memory-bound steps, whose passes size from the kernels' (capped) L3.
  const int64_t W = 1024, H = kernels::cache_sizes().l3 / 16 / 4 / W / 8 * 8;
  GraphBuilder b("cut", 3);
  const std::string big = b.relu(b.input("x", {4, 1, H, W}), "big");
  const std::string small = b.max_pool(big, {.k = 8}, "pool");
  b.output(b.relu(b.relu(small, "small1"), "small2"));
  const Graph g = b.finish();
  expect_matches_reference(g, {}, 4, 0.0);
  const Session s(g, {});
  EXPECT_EQ(s.micro_batch(), 2);
  std::vector<int64_t> images;
  for (const StepInfo& st : s.steps()) images.push_back(st.images);
  EXPECT_EQ(images, (std::vector<int64_t>{2, 2, 4, 4}));
  // Forced, the passes take the whole per-image run.
  SessionOptions one;
  one.micro_batch = 1;
  images.clear();
  const Session forced(g, one);
  for (const StepInfo& st : forced.steps()) images.push_back(st.images);
  EXPECT_EQ(images, (std::vector<int64_t>{1, 1, 1, 1}));
}

// Where the CPU reports more L3 than the kernels trust (a VM shown its socket's cache), a run of
// many MACs per byte of activations sizes its passes from the reported figure: a 3x3 conv of 64
// channels (~70 MACs per byte) whose batch fits a quarter of the reported L3 runs whole, while the
// same maps through a ReLU (no MACs) run in passes.
TEST(Session, MicroBatchesOfComputeBoundStepsSizeFromTheReportedL3) {
  const kernels::CacheSizes& cache = kernels::cache_sizes();
  // Per image, the 64-channel input and output maps: just over a quarter of the capped L3.
  const int64_t W = 256, H = (cache.l3 / 4 / (2 * 64 * 4 * W) + 8) / 8 * 8;
  const int64_t per_image = 2 * 64 * H * W * 4;
  if (cache.l3_reported / 4 < 4 * per_image) {
    GTEST_SKIP() << "the reported L3 is not several times the kernels' figure on this CPU";
  }
  GraphBuilder b("bound", 5);
  const std::string x = b.input("x", {4, 64, H, W});
  b.output(b.relu(b.conv(x, {.M = 64, .R = 3, .pad = 1}, "conv"), "out"));
  EXPECT_EQ(Session(b.finish(), {}).micro_batch(), 4);
  GraphBuilder m("memory", 5);
  const std::string y = m.input("x", {4, 64, H, W});
  m.output(m.relu(m.relu(y, "r1"), "r2"));
  EXPECT_LT(Session(m.finish(), {}).micro_batch(), 4);
}

// A step left to the reference loop nest (an i64 Add: the fast kernels take f32) ends the
// micro-batched trunk: the step before it runs a pass at a time, it and the rest take the whole
// batch.
TEST(Session, MicroBatchesStopAtAReferenceStep) {
  Graph g("mixed");
  g.add_input("x", {4, 6, 5, 5});
  g.add_input("k", {4, 3}, DType::i64);
  g.add_node("Relu", "r", {"x"}, {"r"});
  g.add_node("Add", "sum", {"k", "k"}, {"sum"});
  g.add_node("Relu", "out", {"r"}, {"out"});
  g.add_output("out");
  g.add_output("sum");
  g.finalize();
  TensorMap feeds;
  Tensor x({4, 6, 5, 5});
  Rng rng(10);
  for (float& v : x.span<float>()) v = static_cast<float>(rng.normal());
  feeds.emplace("x", std::move(x));
  Tensor k({4, 3}, DType::i64);
  for (int64_t e = 0; e < 12; ++e) k.span<int64_t>()[e] = (e % 2 == 0 ? 1 : -1) * (e + 1);
  feeds.emplace("k", std::move(k));
  const TensorMap want = ReferenceExecutor(g).run(feeds);
  SessionOptions opt;
  opt.micro_batch = 1;
  const Session s(g, opt);
  ASSERT_EQ(s.steps().size(), 3u);
  EXPECT_EQ(s.steps()[0].algorithm, "eltwise");
  EXPECT_EQ(s.steps()[1].algorithm, "reference");
  const TensorMap got = s.run(feeds);
  EXPECT_EQ(rel_l2(got.at("out"), want.at("out")), 0.0);
  const auto sum = got.at("sum").span<int64_t>();
  const auto ref = want.at("sum").span<int64_t>();
  EXPECT_TRUE(std::equal(sum.begin(), sum.end(), ref.begin(), ref.end()));
}

TEST(Arena, LiveValuesNeverShareMemory) {
  Rng rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<ArenaRequest> req;
    const int n = 1 + static_cast<int>(rng.next_u64() % 40);
    for (int i = 0; i < n; ++i) {
      const int64_t first = static_cast<int64_t>(rng.next_u64() % 30);
      req.push_back({static_cast<int64_t>(1 + rng.next_u64() % 5000), first,
                     first + static_cast<int64_t>(rng.next_u64() % 8)});
    }
    const ArenaPlan plan = plan_arena(req);
    int64_t max_live = 0;
    for (int64_t t = 0; t < 40; ++t) {
      int64_t live = 0;
      for (const auto& r : req) live += (r.first <= t && t <= r.last) ? r.bytes : 0;
      max_live = std::max(max_live, live);
    }
    EXPECT_GE(plan.bytes, max_live);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(plan.offsets[i] % 64, 0);
      EXPECT_LE(plan.offsets[i] + req[i].bytes, plan.bytes);
      for (int j = i + 1; j < n; ++j) {
        const bool time = !(req[i].last < req[j].first || req[j].last < req[i].first);
        const bool space = plan.offsets[i] < plan.offsets[j] + req[j].bytes &&
                           plan.offsets[j] < plan.offsets[i] + req[i].bytes;
        EXPECT_FALSE(time && space) << "requests " << i << " and " << j;
      }
    }
  }
}

TEST(Fusion, BottleneckGroupsConvBnAddRelu) {
  const Graph g = residual_block(8, 9, 16, 2);
  const std::vector<StepPlan> steps = plan_steps(g, true);
  std::vector<std::string> ops;
  for (const StepPlan& s : steps) {
    std::string op;
    for (size_t k : s.nodes) op += (op.empty() ? "" : "+") + g.nodes()[k].op_type;
    ops.push_back(g.nodes()[s.nodes[0]].name + ":" + op);
  }
  // The projection must run before the step that adds it.
  const std::vector<std::string> expected = {
      "a:Conv+BatchNormalization+Relu", "b:Conv+BatchNormalization+Relu",
      "proj:Conv+BatchNormalization", "c:Conv+BatchNormalization+Add+Relu"};
  EXPECT_EQ(ops, expected);
  EXPECT_EQ(plan_steps(g, false).size(), g.nodes().size());
}

TEST(Session, ResidualBlockMatchesReference) {
  for (int64_t stride : {1, 2}) {
    expect_matches_reference(residual_block(7, 11, 18, stride), {}, 11, 1e-5);
    SessionOptions unfused;
    unfused.fuse = false;
    expect_matches_reference(residual_block(7, 11, 18, stride), unfused, 12, 1e-5);
  }
}

TEST(Session, EveryConvAlgorithmOnTheBlock) {
  for (const kernels::conv::ConvAlgorithm* a : kernels::conv::algorithms()) {
    SessionOptions opt;
    opt.conv_algorithm = std::string(a->name());
    SCOPED_TRACE(opt.conv_algorithm);
    expect_matches_reference(residual_block(5, 12, 20, 1), opt, 13, tolerance(a->name()));
  }
}

TEST(Session, EveryIsaOnLeNet) {
  const Graph g = zoo::build("lenet5", 3);
  for (kernels::Isa isa : {kernels::Isa::scalar, kernels::Isa::avx2, kernels::Isa::avx512}) {
    if (!kernels::isa_supported(isa)) continue;
    SessionOptions opt;
    opt.isa = isa;
    SCOPED_TRACE(std::string(kernels::isa_name(isa)));
    expect_matches_reference(g, opt, 5, 1e-5);
  }
}

TEST(Session, SingleThreadMatchesToo) {
  SessionOptions opt;
  opt.threads = 1;
  expect_matches_reference(residual_block(6, 10, 12, 2), opt, 21, 1e-5);
}

TEST(Session, StepsDescribeTheWork) {
  const Graph g = residual_block(8, 9, 16, 1);
  const Session s(g);
  ASSERT_EQ(s.steps().size(), 4u);
  int64_t macs = 0;
  for (const StepInfo& st : s.steps()) {
    ASSERT_TRUE(st.layer.has_value()) << st.name;
    EXPECT_EQ(st.macs, st.layer->macs()) << st.name;
    EXPECT_GT(st.weight_bytes, 0) << st.name;
    EXPECT_NE(st.algorithm, "reference") << st.name;
    macs += st.macs;
  }
  // 2 x (8*8*81 + 8*8*9*81 + 16*8*81 + 16*8*81): the four convs at batch 2, E = F = 9.
  EXPECT_EQ(macs, 2 * (8 * 8 * 81 + 8 * 8 * 9 * 81 + 16 * 8 * 81 + 16 * 8 * 81));
  EXPECT_GT(s.arena_bytes(), 0);
}

// Direct convs in a row (odd channel counts, stride 2, a 1x1, a value read by two convs, one read
// by a conv and a pool): the values that only direct_nchw16c convs read stay in 16-channel blocks;
// feeds, graph outputs and the pool's input stay NCHW. Whole batch and micro-batches, run and
// check, against the reference and against the same session with every value plain.
Graph direct_chain() {
  GraphBuilder b("chain", 11);
  const std::string x = b.input("data", {4, 5, 12, 12});
  const std::string a = b.relu(b.conv(x, {.M = 21, .R = 3, .pad = 1}, "a"), "a/relu");
  const std::string c = b.conv(a, {.M = 19, .R = 3, .stride = 2, .pad = 1}, "b");
  const std::string d = b.relu(b.conv(c, {.M = 18, .R = 1}, "c"), "c/relu");
  const std::string e = b.conv(d, {.M = 7, .R = 3, .pad = 1}, "d");
  const std::string f = b.conv(d, {.M = 9, .R = 1}, "e");
  const std::string p = b.max_pool(f, {.k = 2, .stride = 2}, "pool");
  const std::string q = b.conv(f, {.M = 4, .R = 3, .stride = 2, .pad = 1}, "f");
  b.output(e);
  b.output(p);
  b.output(q);
  return b.finish();
}

TEST(Session, LayoutsPropagateBetweenDirectConvs) {
  const Graph g = direct_chain();
  const TensorMap feeds = random_feeds(g, 5);
  for (int64_t micro : {4, 1}) {
    SCOPED_TRACE("micro-batch " + std::to_string(micro));
    SessionOptions opt;
    opt.conv_algorithm = "direct_nchw16c";
    opt.micro_batch = micro;
    expect_matches_reference(g, opt, 5, 1e-5);
    const Session s(g, opt);
    std::map<std::string, std::string> layouts;
    for (const StepInfo& st : s.steps()) {
      layouts[st.name] = std::string(layout_name(st.input_layout)) + ">" +
                         std::string(layout_name(st.output_layout));
    }
    EXPECT_EQ(layouts["a"], "NCHW>NCHWc");
    EXPECT_EQ(layouts["b"], "NCHWc>NCHWc");
    EXPECT_EQ(layouts["c"], "NCHWc>NCHWc");
    EXPECT_EQ(layouts["d"], "NCHWc>NCHW");  // a graph output
    EXPECT_EQ(layouts["e"], "NCHWc>NCHW");  // the pool reads it too
    EXPECT_EQ(layouts["f"], "NCHW>NCHW");
    EXPECT_EQ(layouts["pool"], "NCHW>NCHW");
    const std::vector<StepError> err = s.check(feeds);
    ASSERT_EQ(err.size(), s.steps().size());
    for (size_t i = 0; i < err.size(); ++i) {
      EXPECT_LE(err[i].rel_l2, 1e-5) << s.steps()[i].name;
    }
    // The same kernels with every value plain add the same terms in the same order: equal
    // outputs, bit for bit.
    opt.propagate_layouts = false;
    const Session plain(g, opt);
    for (const StepInfo& st : plain.steps()) {
      EXPECT_EQ(st.input_layout, Layout::NCHW) << st.name;
      EXPECT_EQ(st.output_layout, Layout::NCHW) << st.name;
    }
    const TensorMap want = plain.run(feeds), got = s.run(feeds);
    for (const auto& [name, w] : want) {
      EXPECT_EQ(rel_l2(got.at(name), w), 0.0) << name;
    }
  }
}

TEST(Session, CheckReportsPerStepError) {
  const Graph g = residual_block(6, 8, 12, 1);
  const Session s(g);
  const std::vector<StepError> e = s.check(random_feeds(g, 2));
  ASSERT_EQ(e.size(), s.steps().size());
  for (size_t i = 0; i < e.size(); ++i) {
    EXPECT_LE(e[i].rel_l2, tolerance(s.steps()[i].algorithm)) << s.steps()[i].name;
    EXPECT_GE(e[i].max_abs, 0.0);
  }
}

TEST(Session, ForcingAnUnknownAlgorithmNamesTheNode) {
  const Graph g = residual_block(6, 8, 12, 1);
  SessionOptions opt;
  opt.step_algorithm["b"] = "magic";
  EXPECT_EQ(error_of([&] { Session s(g, opt); }),
            "node \"b\" (Conv): unknown conv algorithm \"magic\"");
}

TEST(Session, MissingInputIsAnError) {
  const Graph g = residual_block(6, 8, 12, 1);
  const Session s(g);
  EXPECT_NE(error_of([&] { s.run({}); }).find("input \"data\": not given"), std::string::npos);
}

// The zoo end to end (issue 5 acceptance). Minutes at -O1 under the sanitizers; the release run
// covers them.
class ZooSession : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooSession, MatchesReference) {
  if (kSanitized && GetParam() != "lenet5")
    GTEST_SKIP() << "skipped under ASan (the reference nest at -O1 takes minutes)";
  const Graph g = zoo::build(GetParam(), 1);
  const TensorMap feeds = random_feeds(g, 17);
  const TensorMap want = ReferenceExecutor(g).run(feeds);
  const Session s(g);
  double tol = 1e-5;
  for (const StepInfo& st : s.steps()) tol = std::max(tol, tolerance(st.algorithm));
  const TensorMap got = s.run(feeds);
  for (const auto& [name, w] : want) EXPECT_LE(rel_l2(got.at(name), w), tol) << name;
}

// The models with Concats and residual adds at batch 2, one image per pass of the conv trunk, the
// FC head over both images.
TEST(ZooSession, MicroBatchesMatchReference) {
  if (kSanitized) GTEST_SKIP() << "skipped under ASan (the reference nest at -O1 takes minutes)";
  for (const char* model : {"googlenet", "squeezenet", "resnet50"}) {
    SCOPED_TRACE(model);
    const Graph g = zoo::build(model, 2);
    const TensorMap feeds = random_feeds(g, 18);
    const TensorMap want = ReferenceExecutor(g).run(feeds);
    SessionOptions opt;
    opt.micro_batch = 1;
    const Session s(g, opt);
    ASSERT_EQ(s.micro_batch(), 1);
    double tol = 1e-5;
    for (const StepInfo& st : s.steps()) tol = std::max(tol, tolerance(st.algorithm));
    const TensorMap got = s.run(feeds);
    for (const auto& [name, w] : want) EXPECT_LE(rel_l2(got.at(name), w), tol) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooSession,
                         ::testing::Values("lenet5", "alexnet", "vgg16", "googlenet", "resnet50",
                                           "resnet50_v1.5", "mobilenet_v1", "squeezenet"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace loupe::graph
