#include <nlohmann/json.hpp>
#include <optional>

#include "analysis/eval.hpp"
#include "analysis/progress.hpp"
#include "cli/commands.hpp"
#include "io/idx.hpp"
#include "io/npy.hpp"

namespace loupe::cli {
namespace {

struct EvalOpts {
  std::string model;
  std::string dataset;
  std::string data_dir;  // from --dataset NAME:DIR
  int64_t limit = 0;
  int64_t batch = 100;
  bool json = false;
  bool reference = false;
  EngineFlags engine;
  std::string predictions;
};

// "fashion-mnist" or "fashion-mnist:DIR"; the only data set so far.
void parse_dataset(EvalOpts& o) {
  const size_t colon = o.dataset.find(':');
  const std::string name = o.dataset.substr(0, colon);
  if (name != "fashion-mnist") {
    fail("--dataset {}: unknown data set \"{}\" (known: fashion-mnist[:DIR])", o.dataset, name);
  }
  o.data_dir =
      colon == std::string::npos ? std::string(io::kFashionMnistDir) : o.dataset.substr(colon + 1);
  if (o.data_dir.empty()) fail("--dataset {}: empty directory after ':'", o.dataset);
  if (o.limit < 0) fail("--limit {}: must be 0 (all images) or more", o.limit);
}

int eval(const EvalOpts& o) {
  const io::Dataset data = io::load_fashion_mnist(o.data_dir, "test");
  const graph::Graph g = load_model(o.model, o.batch);
  // The fast kernels by default, like `loupe run`; --reference scores the oracle instead.
  std::optional<graph::Session> session;
  analysis::Runner runner;
  if (!o.reference) {
    session.emplace(make_session(g, o.engine, !o.json));
    runner = [&session](const graph::TensorMap& in) { return session->run(in); };
  }
  analysis::Progress bar("eval " + o.model, 0, !o.json);
  analysis::EvalResult r = analysis::evaluate(
      g, data.images, data.labels, o.limit, static_cast<int64_t>(data.classes.size()),
      [&bar](int64_t done, int64_t total) {
        bar.set_total(total);
        bar.update(done, "images");
      },
      runner, o.reference ? "reference" : "fast");
  r.model = o.model;
  r.dataset = data.name;
  r.classes = data.classes;
  if (!o.predictions.empty()) {
    Tensor pred({r.images}, DType::u8);
    std::copy(r.predictions.begin(), r.predictions.end(), pred.data<uint8_t>());
    io::write_npy(o.predictions, pred);
  }
  if (o.json) {
    fmt::print("{}\n", analysis::to_json(r).dump());
  } else {
    fmt::print("{}", analysis::to_table(r));
  }
  return 0;
}

}  // namespace

void add_eval(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "eval", "Top-1 accuracy, confusion matrix and throughput of a classifier on a data set");
  auto o = std::make_shared<EvalOpts>();
  cmd->add_option("MODEL", o->model, "Zoo model name (loupe zoo) or model file")->required();
  cmd->add_option("--dataset", o->dataset,
                  "fashion-mnist[:DIR] (test split; DIR defaults to the Debian package's " +
                      std::string(io::kFashionMnistDir) + ")")
      ->required();
  cmd->add_option("--limit", o->limit, "Evaluate the first N images only (0: all)")
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "Images per run of the model (its batch N)")
      ->capture_default_str();
  cmd->add_option("--save-predictions", o->predictions,
                  "Write the predicted class of each image to FILE.npy (u8)");
  cmd->add_flag("--json", o->json, "Print one JSON document");
  cmd->add_flag("--reference", o->reference,
                "Score the reference loop nests (the oracle) instead of the fast kernels");
  add_engine_flags(*cmd, o->engine);
  cmd->callback([&action, o] {
    parse_dataset(*o);
    action = [o] { return eval(*o); };
  });
}

}  // namespace loupe::cli
