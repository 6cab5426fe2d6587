#include "analysis/eval.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "graph/executor.hpp"
#include "loupe/checked.hpp"

namespace loupe::analysis {
namespace {

// The fed input and the scored output, checked against the data before anything runs.
struct ModelIo {
  std::string input;
  std::string output;
  int64_t N = 0;  // the graph's batch
  int64_t K = 0;  // classes
};

ModelIo check_model(const graph::Graph& g, const Tensor& images, int64_t classes) {
  const std::vector<graph::GraphInput> feeds = graph::feed_inputs(g);
  if (feeds.size() != 1) {
    fail("model {}: eval needs exactly one input (images), the model has {}", g.name(),
         feeds.size());
  }
  const graph::GraphInput& in = feeds[0];
  const Shape& img = images.shape();
  const Shape want = {in.shape.empty() ? 0 : in.shape[0], img[1], img[2], img[3]};
  if (in.dtype != DType::f32 || in.shape.size() != 4 || in.shape != want || in.shape[0] < 1) {
    fail("model {}: input \"{}\" is {} {}; the data set's images need f32 [N,{},{},{}]", g.name(),
         in.name, dtype_name(in.dtype), shape_str(in.shape), img[1], img[2], img[3]);
  }
  if (g.outputs().empty()) fail("model {}: has no output", g.name());
  const std::string& out = g.outputs()[0];
  const ops::ValueInfo& info = g.info(out);
  const Shape want_out = {
      in.shape[0],
      classes > 0 ? classes : std::max<int64_t>(info.shape.size() == 2 ? info.shape[1] : 0, 1)};
  if (info.dtype != DType::f32 || info.shape != want_out) {
    fail("model {}: output \"{}\" is {} {}; eval needs class scores f32 {}", g.name(), out,
         dtype_name(info.dtype), shape_str(info.shape),
         classes > 0 ? shape_str(want_out) : fmt::format("[{},K]", in.shape[0]));
  }
  return {in.name, out, in.shape[0], info.shape[1]};
}

// The first index of the largest score (NaN never wins), as torch.argmax.
int64_t argmax(const float* row, int64_t K) {
  int64_t best = 0;
  for (int64_t k = 1; k < K; ++k) {
    if (row[k] > row[best] || (row[best] != row[best] && row[k] == row[k])) best = k;
  }
  return best;
}

}  // namespace

EvalResult evaluate(const graph::Graph& g, const Tensor& images, std::span<const uint8_t> labels,
                    int64_t limit, int64_t classes,
                    const std::function<void(int64_t, int64_t)>& on_batch, const Runner& run,
                    const std::string& engine) {
  LOUPE_CHECK(g.finalized());
  if (images.rank() != 4 || images.dtype() != DType::f32 || images.layout() != Layout::NCHW) {
    fail("eval: images must be f32 [N,C,H,W], got {} {}", dtype_name(images.dtype()),
         shape_str(images.shape()));
  }
  if (images.dim(0) != static_cast<int64_t>(labels.size())) {
    fail("eval: {} images but {} labels", images.dim(0), labels.size());
  }
  if (limit < 0) fail("--limit {}: must be 0 (all) or more", limit);
  const ModelIo io = check_model(g, images, classes);
  const int64_t total = limit == 0 ? images.dim(0) : std::min(limit, images.dim(0));
  if (total == 0) fail("eval: no images to evaluate");
  for (size_t i = 0; i < static_cast<size_t>(total); ++i) {
    if (labels[i] >= io.K) {
      fail("eval: label {} of image {} is not a class of model {} (its output has {} classes)",
           labels[i], i, g.name(), io.K);
    }
  }

  EvalResult r;
  r.model = g.name();
  r.images = total;
  r.batch = io.N;
  r.engine = engine;
  r.confusion.assign(static_cast<size_t>(io.K), std::vector<int64_t>(static_cast<size_t>(io.K)));
  r.predictions.reserve(static_cast<size_t>(total));

  const int64_t per_image = checked_numel(std::span(images.shape()).subspan(1), "image size");
  std::optional<graph::ReferenceExecutor> reference;
  if (!run) reference.emplace(g);
  graph::TensorMap feeds;
  Tensor x({io.N, images.dim(1), images.dim(2), images.dim(3)});
  feeds.emplace(io.input, x);
  std::chrono::steady_clock::duration busy{};
  for (int64_t start = 0; start < total; start += io.N) {
    const int64_t n = std::min(io.N, total - start);
    float* dst = x.data<float>();
    std::memcpy(dst, images.data<float>() + start * per_image,
                static_cast<size_t>(n * per_image) * sizeof(float));
    // The last chunk's padding rows are zero images; their scores are ignored.
    if (n < io.N) {
      std::fill(dst + n * per_image, dst + io.N * per_image, 0.0f);
    }
    const auto t0 = std::chrono::steady_clock::now();
    const graph::TensorMap outs = run ? run(feeds) : reference->run(feeds);
    busy += std::chrono::steady_clock::now() - t0;
    ++r.batches;
    const float* scores = outs.at(io.output).data<float>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t pred = argmax(scores + i * io.K, io.K);
      const uint8_t truth = labels[static_cast<size_t>(start + i)];
      r.correct += pred == truth;
      ++r.confusion[truth][static_cast<size_t>(pred)];
      r.predictions.push_back(static_cast<uint8_t>(std::min<int64_t>(pred, 255)));
    }
    if (on_batch) on_batch(start + n, total);
  }
  r.seconds = std::chrono::duration<double>(busy).count();
  r.top1 = 100.0 * static_cast<double>(r.correct) / static_cast<double>(total);
  r.throughput_per_s = r.seconds > 0 ? static_cast<double>(total) / r.seconds : 0.0;
  r.latency_ms_per_batch = 1e3 * r.seconds / static_cast<double>(r.batches);
  return r;
}

nlohmann::json to_json(const EvalResult& r) {
  nlohmann::json j;
  j["model"] = r.model;
  j["dataset"] = r.dataset;
  j["images"] = r.images;
  j["top1"] = r.top1;
  j["correct"] = r.correct;
  j["confusion"] = r.confusion;
  j["classes"] = r.classes;
  j["throughput_per_s"] = r.throughput_per_s;
  j["latency_ms_per_batch"] = r.latency_ms_per_batch;
  j["batch"] = r.batch;
  j["batches"] = r.batches;
  j["seconds"] = r.seconds;
  j["engine"] = r.engine;
  return j;
}

std::string to_table(const EvalResult& r) {
  std::string o;
  o += fmt::format("model {}   data set {}   {} images   batch {}\n", r.model, r.dataset, r.images,
                   r.batch);
  o += fmt::format("top-1 accuracy {:.2f}%  ({} of {} correct)\n\n", r.top1, r.correct, r.images);
  const size_t K = r.confusion.size();
  const auto name = [&](size_t k) {
    return k < r.classes.size() ? r.classes[k] : fmt::format("class {}", k);
  };
  size_t width = 5;
  for (size_t k = 0; k < K; ++k) width = std::max(width, name(k).size());
  o += "confusion matrix (rows: true class, columns: predicted class)\n";
  o += fmt::format("{:>{}} ", "", width);
  for (size_t k = 0; k < K; ++k) o += fmt::format(" {:>5}", k);
  o += "  recall\n";
  for (size_t t = 0; t < K; ++t) {
    o += fmt::format("{:>{}} ", name(t), width);
    int64_t row = 0;
    for (size_t p = 0; p < K; ++p) {
      o += fmt::format(" {:>5}", r.confusion[t][p]);
      row += r.confusion[t][p];
    }
    if (row > 0) {
      o += fmt::format("  {:5.1f}%\n",
                       100.0 * static_cast<double>(r.confusion[t][t]) / static_cast<double>(row));
    } else {
      o += "      -\n";
    }
  }
  o += "columns: ";
  for (size_t k = 0; k < K; ++k) o += fmt::format("{}{}={}", k ? ", " : "", k, name(k));
  o += "\n\n";
  o += fmt::format(
      "throughput {:.0f} images/s   latency {:.2f} ms per batch of {}   ({} batches, {:.2f} s, "
      "{})\n",
      r.throughput_per_s, r.latency_ms_per_batch, r.batch, r.batches, r.seconds,
      r.engine == "reference" ? "reference loop nests" : r.engine + " kernels");
  return o;
}

}  // namespace loupe::analysis
