#pragma once
// Top-1 accuracy of a classifier on a labelled image set: what `loupe eval` prints. The images are
// fed through the graph in chunks of the graph's batch N (the last chunk zero-padded to N, the
// padding rows' outputs ignored), the class of each image is the argmax of its output row (the
// first of equal maxima, as torch.argmax), and every batch is timed.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "graph/executor.hpp"
#include "graph/graph.hpp"
#include "loupe/tensor.hpp"

namespace loupe::analysis {

struct EvalResult {
  std::string model;
  std::string dataset;
  std::vector<std::string> classes;  // names by label; may be empty
  int64_t images = 0;
  int64_t correct = 0;
  double top1 = 0;  // percent
  // confusion[true label][predicted class]; rows sum to the images of that label.
  std::vector<std::vector<int64_t>> confusion;
  std::vector<uint8_t> predictions;  // predicted class per image
  int64_t batch = 0;                 // the graph's N
  int64_t batches = 0;
  double seconds = 0;               // executor time only (no data loading)
  double throughput_per_s = 0;      // images / seconds
  double latency_ms_per_batch = 0;  // mean over batches
  std::string engine;               // "fast" (graph::Session) or "reference" (loop nests)
};

// Runs the model once on its inputs: a graph::Session's run, or empty for the reference loop
// nests (the oracle).
using Runner = std::function<graph::TensorMap(const graph::TensorMap&)>;

// Runs `g` (finalized; one fed input f32 [N, C, H, W] matching the images' C, H, W; first output
// f32 [N, K] with K = `classes`, or K > every label when `classes` is 0) on the first `limit`
// images (all when limit is 0). Errors name the model and the mismatching input or output.
// `on_batch(done, total)` is called after every batch (images done so far; a progress bar).
// `run` executes the model (empty: the reference executor); `engine` names it in the result.
EvalResult evaluate(const graph::Graph& g, const Tensor& images, std::span<const uint8_t> labels,
                    int64_t limit = 0, int64_t classes = 0,
                    const std::function<void(int64_t, int64_t)>& on_batch = {},
                    const Runner& run = {}, const std::string& engine = "reference");

// {"model","dataset","images","top1","correct","confusion","throughput_per_s",
//  "latency_ms_per_batch","batch","batches","seconds","classes","engine"}
nlohmann::json to_json(const EvalResult& r);
// Accuracy line, confusion matrix with class names, throughput: for a terminal.
std::string to_table(const EvalResult& r);

}  // namespace loupe::analysis
