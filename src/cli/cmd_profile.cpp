#include "analysis/profile.hpp"
#include "analysis/progress.hpp"
#include "analysis/report_html.hpp"
#include "cli/commands.hpp"

namespace loupe::cli {

namespace {

struct ProfileOpts {
  std::string model;
  std::vector<std::string> inputs;
  uint64_t seed = 1;
  int threads = 0;
  int64_t batch = 1;
  int warmup = 2;
  int runs = 10;
  std::string html;
  std::string energy_table;
  bool json = false;
  bool all_algorithms = false;
  bool no_effectual = false;
};

int profile(const ProfileOpts& o) {
  const graph::Graph g = load_model(o.model, o.batch);
  const graph::TensorMap feeds = bind_inputs(g, o.inputs, o.seed);
  analysis::ProfileOptions p;
  p.threads = o.threads;
  p.batch = o.batch;
  p.warmup = o.warmup;
  p.runs = o.runs;
  p.all_algorithms = o.all_algorithms;
  p.effectual = !o.no_effectual;
  p.model_name = o.model;
  if (!o.energy_table.empty()) p.costs = analysis::read_cost_table(o.energy_table);
  analysis::ProfileResult r;
  {
    // The bar goes to stderr only when it is a terminal, never with --json.
    analysis::Progress bar("profile " + o.model, 1, !o.json);
    r = analysis::run_profile(g, feeds, p, nullptr,
                              [&bar](int64_t done, int64_t total, const std::string& what) {
                                bar.set_total(total);
                                bar.update(done, what);
                              });
  }
  if (!o.html.empty()) analysis::write_html(o.html, r);
  if (o.json) {
    fmt::print("{}\n", analysis::profile_json(r).dump(2));
  } else {
    fmt::print("{}", analysis::profile_table(r));
    if (!o.html.empty()) fmt::print("HTML report: {}\n", o.html);
  }
  return 0;
}

}  // namespace

void add_profile(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "profile",
      "Per-step time, MACs (total and effectual), GFLOP/s, % of the measured peak, roofline, "
      "time attribution and energy of the fast executor; --html writes the lab report");
  auto o = std::make_shared<ProfileOpts>();
  cmd->add_option("MODEL", o->model, "Zoo model name (loupe zoo) or model file")->required();
  cmd->add_option("--input", o->inputs,
                  "NAME=FILE or FILE (.npy / .pb); inputs left out get seeded N(0,1) values");
  cmd->add_option("--seed", o->seed, "Seed of generated inputs")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0: every core)")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Batch size N")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed runs first")->capture_default_str();
  cmd->add_option("--runs", o->runs, "Timed runs (each step's median is reported)")
      ->capture_default_str();
  cmd->add_option("--html", o->html, "Write the self-contained HTML lab report to FILE");
  cmd->add_option("--energy-table", o->energy_table,
                  "Cost per access file (mac/rf/noc/buffer/dram/unit lines; default: Eyeriss "
                  "normalized costs)");
  cmd->add_flag("--all-algorithms", o->all_algorithms,
                "Also time every applicable conv algorithm per layer, with its error");
  cmd->add_flag("--no-effectual", o->no_effectual,
                "Skip the reference run that counts effectual MACs");
  cmd->add_flag("--json", o->json, "Print one JSON document (docs/schema/profile.schema.json)");
  cmd->callback([&action, o] {
    if (o->threads < 0 || o->threads > 1024) fail("--threads {}: must be 0..1024", o->threads);
    if (o->warmup < 0 || o->warmup > 100000) fail("--warmup {}: must be 0..100000", o->warmup);
    if (o->runs < 1 || o->runs > 100000) fail("--runs {}: must be 1..100000", o->runs);
    action = [o] { return profile(*o); };
  });
}

}  // namespace loupe::cli
