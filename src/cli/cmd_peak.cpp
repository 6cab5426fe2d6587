#include "analysis/peak.hpp"
#include "cli/commands.hpp"

namespace loupe::cli {

void add_peak(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "peak",
      "Measure the roofline ceilings: fp32 FMA peak per ISA and thread count, int8 VNNI peak, "
      "memory bandwidth per cache level, clock and caches");
  struct Opts {
    int threads = 0;
    int repeats = 20;
    double ms = 10;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--threads", o->threads, "Measure 1..N threads (0: every core)")
      ->capture_default_str();
  cmd->add_option("--repeats", o->repeats, "Repeats per figure; the best is kept")
      ->capture_default_str();
  cmd->add_option("--ms", o->ms, "Milliseconds per repeat of a compute measurement")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON document");
  cmd->callback([&action, o] {
    if (o->threads < 0 || o->threads > 1024) fail("--threads {}: must be 0..1024", o->threads);
    if (o->repeats < 1 || o->repeats > 1000) fail("--repeats {}: must be 1..1000", o->repeats);
    if (!(o->ms > 0 && o->ms <= 10000)) fail("--ms {}: must be in (0, 10000]", o->ms);
    action = [o] {
      analysis::PeakOptions p;
      p.threads = o->threads;
      p.repeats = o->repeats;
      p.seconds = o->ms / 1e3;
      const analysis::PeakResult r = analysis::measure_peak(p);
      if (o->json) {
        fmt::print("{}\n", analysis::peak_json(r).dump(2));
      } else {
        fmt::print("{}", analysis::peak_table(r));
      }
      return 0;
    };
  });
}

}  // namespace loupe::cli
