#include "accel/report_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/html.hpp"

namespace loupe::accel {

namespace {

// Energy per MAC by level of a set of layers, in the order `levels` names them (arch levels,
// then NoC and MAC).
struct LevelEnergies {
  std::vector<std::string> levels;
  std::map<std::string, std::string> colors;

  explicit LevelEnergies(const std::vector<DataflowReport>& reports) {
    for (const DataflowReport& r : reports) {
      for (const LayerReport& lr : r.layers) {
        if (!lr.result.found) continue;
        for (const LevelResult& l : lr.result.analysis.levels) add(l.name);
      }
    }
    add("NoC");
    add("MAC");
  }

  void add(const std::string& name) {
    if (colors.count(name)) return;
    // Storage from DRAM inwards: red, orange, then greens / blues for the PE stores; the NoC and
    // the MAC keep the lab report's colours.
    static const char* kLevel[] = {"#d62728", "#ff7f0e", "#2ca02c", "#98df8a",
                                   "#17becf", "#9467bd", "#8c564b", "#e377c2"};
    std::string c = name == "NoC"   ? "#bcbd22"
                    : name == "MAC" ? "#1f77b4"
                                    : kLevel[(levels.size()) % std::size(kLevel)];
    colors[name] = c;
    levels.push_back(name);
  }

  // Segments of the energy of `layers` (all, or only CONV / only FC) per MAC, divided by `norm`.
  std::vector<html::Segment> segments(const std::vector<const LayerReport*>& layers,
                                      double norm) const {
    std::map<std::string, double> e;
    double macs = 0;
    for (const LayerReport* lr : layers) {
      const Analysis& a = lr->result.analysis;
      for (const LevelResult& l : a.levels) e[l.name] += l.energy;
      e["NoC"] += a.noc_energy;
      e["MAC"] += a.mac_energy;
      macs += static_cast<double>(a.macs);
    }
    std::vector<html::Segment> s;
    for (const std::string& l : levels) {
      const double v = macs > 0 && norm > 0 ? e[l] / macs / norm : 0;
      s.push_back({v, colors.at(l), l});
    }
    return s;
  }

  std::string legend() const {
    std::vector<std::pair<std::string, std::string>> items;
    for (const std::string& l : levels) items.emplace_back(l, colors.at(l));
    return html::legend(items);
  }
};

std::vector<const LayerReport*> mapped(const DataflowReport& r, int fc /* -1 all, 0, 1 */) {
  std::vector<const LayerReport*> out;
  for (const LayerReport& lr : r.layers) {
    if (lr.result.found && (fc < 0 || lr.workload.fc == (fc == 1))) out.push_back(&lr);
  }
  return out;
}

double energy_per_mac(const std::vector<const LayerReport*>& layers) {
  double e = 0, m = 0;
  for (const LayerReport* lr : layers) {
    e += lr->result.analysis.energy;
    m += static_cast<double>(lr->result.analysis.macs);
  }
  return m > 0 ? e / m : 0;
}

// CONV (fc = 0) or FC (fc = 1) energy per MAC of every dataflow, stacked by level, RS = 1.
std::string by_dataflow(const std::vector<DataflowReport>& reports, const LevelEnergies& le,
                        int fc) {
  double rs = 0;
  for (const DataflowReport& r : reports) {
    if (r.dataflow == "rs") rs = energy_per_mac(mapped(r, fc));
  }
  std::vector<std::vector<html::Segment>> bars;
  std::vector<std::string> names;
  for (const DataflowReport& r : reports) {
    const auto layers = mapped(r, fc);
    if (layers.empty() || rs <= 0) continue;
    bars.push_back(le.segments(layers, rs));
    names.push_back(r.dataflow);
  }
  const char* kind = fc ? "FC" : "CONV";
  if (bars.empty()) return fmt::format("<p>No {} layers, or no RS mapping.</p>\n", kind);
  return html::bar_chart(fmt::format("dataflows-{}", fc ? "fc" : "conv"), bars, names, "dataflow",
                         fmt::format("{} energy per MAC (RS = 1)", kind), 1.0, true);
}

std::string layer_table(const DataflowReport& r) {
  const std::string unit(energy_unit_name(r.unit));
  std::string h = fmt::format(
      "<table class=\"layers\">\n<tr><th>layer</th><th>op</th><th>mapping (outer -&gt; "
      "inner)</th><th>MACs</th><th>cycles</th><th>utilization</th><th>active PEs</th>"
      "<th>energy/MAC ({})</th><th>DRAM accesses/MAC</th></tr>\n",
      html::esc(unit));
  for (const LayerReport& lr : r.layers) {
    if (!lr.result.found) {
      h += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td></td><td></td><td></td><td></td><td></td>"
          "<td></td></tr>\n",
          html::esc(lr.workload.name), html::esc(lr.workload.op),
          lr.workload.mappable ? "no mapping fits" : "pooling: not mapped");
      continue;
    }
    const Analysis& a = lr.result.analysis;
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>"
        "<td>{:.1f}%</td><td>{}</td><td>{:.3f}</td><td>{:.5f}</td></tr>\n",
        html::esc(lr.workload.name), html::esc(lr.workload.op),
        html::esc(mapping_summary(lr.result.arch, lr.result.mapping)), a.macs, a.cycles,
        100 * a.utilization, a.active_pes, a.energy_per_mac(), a.dram_per_mac());
  }
  return h + "</table>\n";
}

}  // namespace

std::string render_html(const std::vector<DataflowReport>& reports, const std::string& title) {
  const LevelEnergies le(reports);
  const std::string arch = reports.empty() ? "" : reports[0].arch;
  const std::string unit = reports.empty() ? "" : std::string(energy_unit_name(reports[0].unit));
  std::string h = html::page_open(fmt::format("loupe accel report: {} on {}", title, arch));
  h += "<table class=\"kv\">\n";
  std::vector<std::string> dfs;
  for (const DataflowReport& r : reports) dfs.push_back(r.dataflow);
  h += fmt::format("<tr><td>architecture</td><td>{}</td></tr>\n", html::esc(arch));
  h += fmt::format("<tr><td>dataflows</td><td>{}</td></tr>\n",
                   html::esc(fmt::format("{}", fmt::join(dfs, ", "))));
  h += fmt::format("<tr><td>energy unit</td><td>{}</td></tr>\n</table>\n", html::esc(unit));

  if (reports.size() > 1) {
    h += "<h2>Energy per MAC by dataflow, normalized to RS</h2>\n<p>As ISCA'16's comparison "
         "(REFERENCE.md §3): CONV and FC layers apart, each bar split by storage level, NoC and "
         "MAC.</p>\n";
    h += "<h3>CONV layers</h3>\n" + by_dataflow(reports, le, 0) + le.legend();
    h += "<h3>FC layers</h3>\n" + by_dataflow(reports, le, 1) + le.legend();
  }
  for (const DataflowReport& r : reports) {
    const auto layers = mapped(r, -1);
    std::vector<std::vector<html::Segment>> bars;
    std::vector<std::string> names;
    for (const LayerReport* lr : layers) {
      bars.push_back(le.segments({lr}, 1.0));
      names.push_back(lr->workload.name);
    }
    h += fmt::format("<h2>Dataflow {}: energy per MAC by level, per layer</h2>\n",
                     html::esc(r.dataflow));
    h += html::bar_chart("layers-" + r.dataflow, bars, names, "layer",
                         fmt::format("energy per MAC ({})", unit), 0, true) +
         le.legend() + layer_table(r);
  }
  h += "<p>Generated by <code>loupe accel</code>; definitions in docs/accel.md.</p>\n" +
       html::page_close();
  return h;
}

void write_html(const std::string& path, const std::vector<DataflowReport>& reports,
                const std::string& title) {
  html::write_file(path, render_html(reports, title));
}

}  // namespace loupe::accel
