#include <nlohmann/json.hpp>

#include "analysis/summary.hpp"
#include "cli/commands.hpp"
#include "zoo/zoo.hpp"

namespace loupe::cli {

void add_zoo(CLI::App& app, Action& action) {
  auto* cmd =
      app.add_subcommand("zoo", "List the built-in models (seeded weights; see docs/zoo.md)");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON document");
  cmd->callback([&action, json] {
    action = [json] {
      nlohmann::json list = nlohmann::json::array();
      std::string table =
          fmt::format("{:<16} {:<14} {}\n", "model", "input (CxHxW)", "description");
      for (const zoo::ZooModel& m : zoo::models()) {
        list.push_back({{"name", m.name}, {"input", m.image}, {"description", m.description}});
        table += fmt::format("{:<16} {:<14} {}\n", m.name,
                             fmt::format("{}", fmt::join(m.image, "x")), m.description);
      }
      if (*json) {
        fmt::print("{}\n", nlohmann::json{{"models", list}}.dump(2));
      } else {
        fmt::print("{}", table);
      }
      return 0;
    };
  });
}

void add_summary(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "summary", "Per-layer loop-nest parameters (N C H W M R S E F U), params, MACs and FLOPs");
  struct Opts {
    std::string model;
    int64_t batch = 1;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("MODEL", o->model, "Zoo model name (loupe zoo) or model file")->required();
  cmd->add_option("--batch", o->batch, "Batch size N")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON document");
  cmd->callback([&action, o] {
    action = [o] {
      const graph::Graph g = load_model(o->model, o->batch);
      const analysis::ModelSummary s = analysis::summarize(g, o->batch);
      if (o->json) {
        fmt::print("{}\n", analysis::to_json(s).dump(2));
      } else {
        fmt::print("{}", analysis::to_table(s));
      }
      return 0;
    };
  });
}

}  // namespace loupe::cli
