#include "analysis/summary.hpp"

#include <nlohmann/json.hpp>

#include "graph/memory_plan.hpp"
#include "loupe/checked.hpp"

namespace loupe::analysis {

ModelSummary summarize(const graph::Graph& g, int64_t batch) {
  LOUPE_CHECK(g.finalized());
  ModelSummary s;
  s.model = g.name();
  s.batch = batch;
  for (const graph::Node& n : g.nodes()) {
    const std::vector<ops::ValueInfo> in = g.input_infos(n);
    const std::vector<ops::ValueInfo> out = g.output_infos(n);
    LayerSummary l;
    l.name = n.name;
    l.op = n.op_type;
    if (!in.empty()) l.in_shape = in[0].shape;
    if (!out.empty()) l.out_shape = out[0].shape;
    try {
      l.params = n.op->param_count(in);
      const ops::Counts c = n.op->count(in, out);
      l.macs = c.macs;
      l.flops = c.flops;
      l.nest = n.op->layer_shape(in);
    } catch (const Error& e) {
      throw e.prefixed(graph::node_context(n));
    }
    Totals& t = s.total;
    t.params = checked_add(t.params, l.params, "total params");
    t.macs = checked_add(t.macs, l.macs, "total MACs");
    t.flops = checked_add(t.flops, l.flops, "total FLOPs");
    if (l.nest && l.nest->kind == ops::LayerKind::conv) {
      ++t.conv_layers;
      t.conv_params += l.params;
      t.conv_macs += l.macs;
    } else if (l.nest && l.nest->kind == ops::LayerKind::fc) {
      ++t.fc_layers;
      t.fc_params += l.params;
      t.fc_macs += l.macs;
    }
    s.layers.push_back(std::move(l));
  }
  s.total.activation_bytes = graph::plan_memory(g).peak_activation_bytes;
  return s;
}

namespace {

nlohmann::json nest_json(const ops::LayerShape& n) {
  return {{"kind", n.kind == ops::LayerKind::conv ? "conv" : "fc"},
          {"N", n.N},
          {"C", n.C},
          {"H", n.H},
          {"W", n.W},
          {"M", n.M},
          {"R", n.R},
          {"S", n.S},
          {"E", n.E},
          {"F", n.F},
          {"U", n.U},
          {"U_w", n.U_w},
          {"groups", n.G},
          {"dilation", {n.dil_h, n.dil_w}},
          {"pads", {n.pad_top, n.pad_left, n.pad_bottom, n.pad_right}}};
}

}  // namespace

nlohmann::json to_json(const ModelSummary& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSummary& l : s.layers) {
    nlohmann::json j = {{"name", l.name},           {"op", l.op},         {"in_shape", l.in_shape},
                        {"out_shape", l.out_shape}, {"params", l.params}, {"macs", l.macs},
                        {"flops", l.flops}};
    if (l.nest) j["loop_nest"] = nest_json(*l.nest);
    layers.push_back(std::move(j));
  }
  const Totals& t = s.total;
  return {{"model", s.model},
          {"batch", s.batch},
          {"layers", std::move(layers)},
          {"total",
           {{"params", t.params},
            {"macs", t.macs},
            {"flops", t.flops},
            {"activation_bytes", t.activation_bytes},
            {"conv", {{"layers", t.conv_layers}, {"params", t.conv_params}, {"macs", t.conv_macs}}},
            {"fc", {{"layers", t.fc_layers}, {"params", t.fc_params}, {"macs", t.fc_macs}}}}}};
}

namespace {

// 1234567 -> "1.23M": tables are read by people; JSON keeps exact integers.
std::string human(int64_t v) {
  const double d = static_cast<double>(v);
  if (v >= 1'000'000'000) return fmt::format("{:.3f}G", d / 1e9);
  if (v >= 1'000'000) return fmt::format("{:.2f}M", d / 1e6);
  if (v >= 10'000) return fmt::format("{:.1f}k", d / 1e3);
  return fmt::format("{}", v);
}

std::string dims(const Shape& s) { return fmt::format("{}", fmt::join(s, "x")); }

}  // namespace

std::string to_table(const ModelSummary& s) {
  std::string o;
  o += fmt::format(
      "model {}   batch {}   (MACs: multiply-accumulates of CONV/FC; FLOPs = 2 x MACs + other "
      "ops)\n",
      s.model, s.batch);
  o += fmt::format(
      "{:<28} {:<18} {:>4} {:>4} {:>4} {:>4} {:>4} {:>2} {:>2} {:>4} {:>4} {:>2} {:>3} {:>16} "
      "{:>9} {:>9} {:>9}\n",
      "layer", "op", "C", "H", "W", "M", "R", "S", "U", "E", "F", "N", "G", "out", "params", "MACs",
      "FLOPs");
  for (const LayerSummary& l : s.layers) {
    std::string letters;
    if (l.nest) {
      const ops::LayerShape& n = *l.nest;
      const std::string u =
          n.U == n.U_w ? fmt::format("{}", n.U) : fmt::format("{}x{}", n.U, n.U_w);
      letters = fmt::format("{:>4} {:>4} {:>4} {:>4} {:>4} {:>2} {:>2} {:>4} {:>4} {:>2} {:>3}",
                            n.C, n.H, n.W, n.M, n.R, n.S, u, n.E, n.F, n.N, n.G);
    } else {
      letters = fmt::format("{:>4} {:>4} {:>4} {:>4} {:>4} {:>2} {:>2} {:>4} {:>4} {:>2} {:>3}", "",
                            "", "", "", "", "", "", "", "", "", "");
    }
    std::string name = l.name.size() > 28 ? l.name.substr(0, 27) + "~" : l.name;
    o += fmt::format("{:<28} {:<18} {} {:>16} {:>9} {:>9} {:>9}\n", name, l.op, letters,
                     dims(l.out_shape), l.params ? human(l.params) : "",
                     l.macs ? human(l.macs) : "", l.flops ? human(l.flops) : "");
  }
  const Totals& t = s.total;
  o += fmt::format("\nCONV  {:>3} layers  params {:>9}  MACs {:>9}\n", t.conv_layers,
                   human(t.conv_params), human(t.conv_macs));
  o += fmt::format("FC    {:>3} layers  params {:>9}  MACs {:>9}\n", t.fc_layers,
                   human(t.fc_params), human(t.fc_macs));
  o += fmt::format(
      "total             params {:>9}  MACs {:>9}  FLOPs {:>9}  peak activations {:.2f} MB\n",
      human(t.params), human(t.macs), human(t.flops),
      static_cast<double>(t.activation_bytes) / 1e6);
  o += fmt::format("exact: params {}  MACs {}  FLOPs {}  activation bytes {}\n", t.params, t.macs,
                   t.flops, t.activation_bytes);
  return o;
}

}  // namespace loupe::analysis
