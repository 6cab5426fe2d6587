#include "analysis/report_html.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/html.hpp"

namespace loupe::analysis {

namespace {

using html::axes;
using html::esc;
using html::kBottom;
using html::kLeft;
using html::kRight;
using html::kTop;
using html::kW;
using html::legend;
using html::Segment;
using html::svg_open;

// The op family that colours a step: the first op of its fused group ("Conv+Add+Relu" -> Conv).
std::string family(const std::string& op) { return op.substr(0, op.find('+')); }

struct Colors {
  std::map<std::string, std::string> by_family;
  std::string of(const std::string& op) {
    const std::string f = family(op);
    auto it = by_family.find(f);
    if (it != by_family.end()) return it->second;
    const std::string c = html::palette(by_family.size());
    by_family[f] = c;
    return c;
  }
};

std::string bar_chart(const std::string& id, const std::vector<std::vector<Segment>>& bars,
                      const std::vector<std::string>& names, const std::string& ylabel,
                      double ymax_hint = 0) {
  return html::bar_chart(id, bars, names, "step (in execution order)", ylabel, ymax_hint);
}

std::string roofline(const ProfileResult& r, Colors& colors) {
  const Ceilings& c = r.ceilings;
  const int h = 420;
  const int y0 = h - kBottom;
  // Log axes: intensity 1/64 .. 1024 FLOP/B, performance peak/1e4 .. 2*peak GFLOP/s.
  double xmin = 1.0 / 64, xmax = 1024;
  for (const StepProfile& p : r.steps) {
    if (p.arithmetic_intensity > 0) {
      xmin = std::min(xmin, p.arithmetic_intensity / 2);
      xmax = std::max(xmax, p.arithmetic_intensity * 2);
    }
  }
  const double ymax = std::max(1.0, c.peak_gflops * 2);
  double ymin = ymax / 1e4;
  for (const StepProfile& p : r.steps) {
    if (p.gflops > 0) ymin = std::min(ymin, p.gflops / 2);
  }
  auto X = [&](double v) {
    return kLeft + (kW - kLeft - kRight) * (std::log10(v) - std::log10(xmin)) /
                       (std::log10(xmax) - std::log10(xmin));
  };
  auto Y = [&](double v) {
    return y0 -
           (y0 - kTop) * (std::log10(v) - std::log10(ymin)) / (std::log10(ymax) - std::log10(ymin));
  };
  std::string s =
      svg_open("roofline", h) + axes(h, "arithmetic intensity (FLOP/byte, log)", "GFLOP/s (log)");
  for (double v = std::pow(10, std::ceil(std::log10(xmin))); v <= xmax; v *= 10) {
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#eee\"/><text "
        "x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4:g}</text>\n",
        X(v), kTop, y0, y0 + 14, v);
  }
  for (double v = std::pow(10, std::ceil(std::log10(ymin))); v <= ymax; v *= 10) {
    s += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#eee\"/><text "
        "x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>\n",
        kLeft, Y(v), kW - kRight, kLeft - 4, Y(v) + 4, v);
  }
  // Ceilings: each bandwidth's slope up to the compute roof.
  const std::pair<const char*, double> roofs[] = {
      {"DRAM", c.dram_gb_per_s}, {"L3", c.l3_gb_per_s}, {"L2", c.l2_gb_per_s}};
  for (const auto& [name, bw] : roofs) {
    if (bw <= 0) continue;
    const double x1 = std::max(xmin, ymin / bw);
    const double x2 = std::min(xmax, c.peak_gflops / bw);
    if (x2 <= x1) continue;
    const bool dram = std::string(name) == "DRAM";
    s += fmt::format(
        "<line class=\"ceiling\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"{}\" stroke-width=\"{}\" {}/><text x=\"{:.1f}\" y=\"{:.1f}\">{} {:.0f} "
        "GB/s</text>\n",
        X(x1), Y(x1 * bw), X(x2), Y(x2 * bw), dram ? "#000" : "#888", dram ? 2 : 1,
        dram ? "" : "stroke-dasharray=\"4 3\"", X(x1) + 4, Y(x1 * bw) - 4, name, bw);
  }
  s += fmt::format(
      "<line class=\"ceiling\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#000\" "
      "stroke-width=\"2\"/><text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">peak {:.0f} GFLOP/s "
      "({} x {})</text>\n",
      X(std::max(xmin, c.peak_gflops / std::max(c.dram_gb_per_s, 1e-9))), Y(c.peak_gflops),
      kW - kRight, Y(c.peak_gflops), kW - kRight - 4, Y(c.peak_gflops) - 6, c.peak_gflops, c.isa,
      c.threads);
  for (const StepProfile& p : r.steps) {
    if (p.arithmetic_intensity <= 0 || p.gflops <= 0) continue;
    s += fmt::format(
        "<circle class=\"layer\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\" "
        "fill-opacity=\"0.8\" stroke=\"#000\" stroke-width=\"0.5\"><title>{} ({}, {}): {:.1f} "
        "GFLOP/s, {:.2f} FLOP/B, {:.1f}% of peak</title></circle>\n",
        X(p.arithmetic_intensity), Y(p.gflops), colors.of(p.info.op), esc(p.info.name),
        esc(p.info.op), esc(p.info.algorithm), p.gflops, p.arithmetic_intensity, p.percent_of_peak);
  }
  return s + "</svg>\n";
}

}  // namespace

std::string render_html(const ProfileResult& r) {
  Colors colors;
  for (const StepProfile& p : r.steps) colors.of(p.info.op);
  std::vector<std::string> names;
  for (const StepProfile& p : r.steps) names.push_back(p.info.name + " (" + p.info.op + ")");

  std::vector<std::vector<Segment>> time, pct, macs, attribution, energy;
  for (const StepProfile& p : r.steps) {
    time.push_back({{p.time_ms, colors.of(p.info.op), "ms"}});
    pct.push_back({{p.percent_of_peak, colors.of(p.info.op), "% of peak"}});
    const double total = static_cast<double>(p.info.macs) / 1e6;
    const double eff = p.effectual_macs >= 0 ? static_cast<double>(p.effectual_macs) / 1e6 : total;
    macs.push_back({{eff, "#2ca02c", "effectual MMACs"}, {total - eff, "#d3d3d3", "zero MMACs"}});
    const Attribution& a = p.attribution;
    attribution.push_back(
        {{a.ideal_ms, "#2ca02c", "ideal at peak ms"},
         {a.simd_ms - a.ideal_ms, "#bcbd22", "SIMD lane fragmentation ms"},
         {a.imbalance_ms - a.simd_ms, "#ff7f0e", "thread imbalance ms"},
         {a.cache_ms - a.imbalance_ms, "#9467bd", "cache capacity ms"},
         {a.bandwidth_ms - a.cache_ms, "#d62728", "DRAM bandwidth ms"},
         {std::max(0.0, a.measured_ms - a.bandwidth_ms), "#7f7f7f", "unexplained ms"}});
    const EnergyBreakdown& e = p.energy;
    energy.push_back({{e.mac_energy, "#1f77b4", "MAC"},
                      {e.rf_energy, "#2ca02c", "RF"},
                      {e.noc_energy, "#bcbd22", "NoC/L1"},
                      {e.buffer_energy, "#ff7f0e", "buffer/L2+LLC"},
                      {e.dram_energy, "#d62728", "DRAM"}});
  }
  std::vector<std::pair<std::string, std::string>> op_legend(colors.by_family.begin(),
                                                             colors.by_family.end());

  std::string h = html::page_open("loupe lab report: " + r.model);
  h += "<table class=\"kv\">\n";
  auto kv = [&](const std::string& k, const std::string& v) {
    h += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", esc(k), esc(v));
  };
  kv("CPU", r.cpu);
  kv("ISA / threads / batch", fmt::format("{} / {} / {}", r.isa, r.threads, r.batch));
  kv("warm-up / timed runs", fmt::format("{} / {}", r.warmup, r.runs));
  kv("latency (median run)",
     fmt::format("{:.3f} ms (sum of step medians {:.3f} ms)", r.latency_ms, r.sum_step_ms));
  kv("throughput", fmt::format("{:.1f} inferences/s at batch {}", r.throughput_per_s, r.batch));
  kv("measured peak", fmt::format("{:.1f} GFLOP/s ({} x {} threads); DRAM {:.1f} GB/s; ridge "
                                  "{:.1f} FLOP/B",
                                  r.ceilings.peak_gflops, r.ceilings.isa, r.ceilings.threads,
                                  r.ceilings.dram_gb_per_s, r.ceilings.ridge()));
  kv("MACs (effectual)",
     fmt::format("{:.2f} M ({:.2f} M effectual)", static_cast<double>(r.macs) / 1e6,
                 static_cast<double>(r.effectual_macs) / 1e6));
  kv("weights / peak activations",
     fmt::format("{:.1f} MiB / {:.1f} MiB", static_cast<double>(r.weight_bytes) / (1 << 20),
                 static_cast<double>(r.peak_activation_bytes) / (1 << 20)));
  kv("RAPL package energy",
     r.rapl.empty() ? fmt::format("{:.3f} J per run", r.rapl_joules_per_run) : r.rapl);
  h += "</table>\n";

  h += "<h2>Roofline</h2>\n<p>Every step is a point at its arithmetic intensity (FLOPs per byte "
       "of compulsory traffic plus workspace) and its achieved GFLOP/s; the ceilings are the "
       "measured FMA peak and STREAM-triad bandwidths (<code>loupe peak</code>).</p>\n";
  h += roofline(r, colors) + legend(op_legend);
  h += "<h2>Time per step</h2>\n" + bar_chart("time", time, names, "median time (ms)") +
       legend(op_legend);
  h += "<h2>Percent of peak</h2>\n" + bar_chart("percent", pct, names, "% of peak", 100);
  h += "<h2>Where the time goes (Eyexam-style attribution)</h2>\n<p>Each step adds one "
       "constraint to the time at peak: SIMD lane fragmentation, thread imbalance, cache "
       "capacity, DRAM bandwidth; grey is what the model does not explain.</p>\n" +
       bar_chart("attribution", attribution, names, "ms") +
       legend({{"ideal at peak", "#2ca02c"},
               {"SIMD lanes", "#bcbd22"},
               {"thread imbalance", "#ff7f0e"},
               {"cache capacity", "#9467bd"},
               {"DRAM bandwidth", "#d62728"},
               {"unexplained", "#7f7f7f"}});
  h += "<h2>Effectual vs total MACs</h2>\n" + bar_chart("macs", macs, names, "MMACs") +
       legend(
           {{"effectual (both operands non-zero)", "#2ca02c"}, {"with a zero operand", "#d3d3d3"}});
  h += fmt::format("<h2>Modeled energy per memory level ({})</h2>\n", esc(r.costs.unit)) +
       bar_chart("energy", energy, names, "energy (" + r.costs.unit + ")") +
       legend({{"MAC", "#1f77b4"},
               {"RF (registers)", "#2ca02c"},
               {"NoC (L1)", "#bcbd22"},
               {"buffer (L2 + LLC)", "#ff7f0e"},
               {"DRAM", "#d62728"}});

  h += "<h2>Steps</h2>\n<table>\n<tr><th>step</th><th>op</th><th>algorithm</th><th>ms</th>"
       "<th>MMACs</th><th>effectual %</th><th>GFLOP/s</th><th>% peak</th><th>FLOP/B</th>"
       "<th>bound</th><th>working set</th></tr>\n";
  for (const StepProfile& p : r.steps) {
    const std::string eff =
        p.effectual_macs >= 0 && p.info.macs > 0
            ? fmt::format("{:.1f}", 100.0 * static_cast<double>(p.effectual_macs) /
                                        static_cast<double>(p.info.macs))
            : "-";
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.2f}</td><td>{}</td>"
        "<td>{:.1f}</td><td>{:.1f}</td><td>{:.2f}</td><td>{}</td><td>{}</td></tr>\n",
        esc(p.info.name), esc(p.info.op), esc(p.info.algorithm), p.time_ms,
        static_cast<double>(p.info.macs) / 1e6, eff, p.gflops, p.percent_of_peak,
        p.arithmetic_intensity, p.bound, p.attribution.cache_level);
  }
  h += "</table>\n<p>Generated by <code>loupe profile</code>; definitions in docs/lab.md.</p>\n" +
       html::page_close();
  return h;
}

void write_html(const std::string& path, const ProfileResult& r) {
  html::write_file(path, render_html(r));
}

}  // namespace loupe::analysis
