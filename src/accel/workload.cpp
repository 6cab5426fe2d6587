#include "accel/workload.hpp"

#include <charconv>
#include <map>

#include "graph/graph.hpp"
#include "loupe/error.hpp"

namespace loupe::accel {

char dim_letter(Dim d) { return "NMCEFRS"[static_cast<int>(d)]; }

std::optional<Dim> dim_from_letter(char c) {
  if (c == 'P') c = 'E';
  if (c == 'Q') c = 'F';
  if (c == 'K') c = 'M';
  const size_t d = std::string_view("NMCEFRS").find(c);
  if (d == std::string_view::npos) return std::nullopt;
  return static_cast<Dim>(d);
}

int64_t Workload::macs_per_group() const {
  int64_t m = 1;
  for (int64_t v : dims) m *= v;
  return m;
}

Workload workload_from_shape(const ops::LayerShape& s, std::string name, std::string op) {
  Workload w;
  w.name = std::move(name);
  w.op = std::move(op);
  w.fc = s.kind == ops::LayerKind::fc;
  w.G = s.G > 0 ? s.G : 1;
  w.dims = {s.N, s.M / w.G, s.C / w.G, s.E, s.F, s.R, s.S};
  w.U = s.U;
  w.U_w = s.U_w;
  w.dil_h = s.dil_h;
  w.dil_w = s.dil_w;
  return w;
}

Workload parse_layer_spec(std::string_view spec) {
  const size_t colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  if (colon == std::string_view::npos || (kind != "conv" && kind != "fc")) {
    fail("--layer {}: expected conv:K=V,... or fc:C=..,M=..", spec);
  }
  Workload w;
  w.name = std::string(spec);
  w.op = kind == "conv" ? "Conv" : "Gemm";
  w.fc = kind == "fc";
  int64_t H = 0, W = 0, dil = 1, U = 1, G = 1;
  std::array<int64_t, kDims> full = {1, 1, 1, 1, 1, 1, 1};
  std::string_view rest = spec.substr(colon + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) fail("--layer {}: \"{}\" is not KEY=VALUE", spec, item);
    const std::string_view key = item.substr(0, eq);
    const std::string_view val = item.substr(eq + 1);
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), v);
    if (ec != std::errc() || end != val.data() + val.size() || v <= 0 || v > (int64_t{1} << 30)) {
      fail("--layer {}: {}: \"{}\" is not a positive integer", spec, key, val);
    }
    const std::string_view letters = "NMCEFRS";
    if (key.size() == 1 && letters.find(key[0]) != std::string_view::npos) {
      full[letters.find(key[0])] = v;
    } else if (key == "U") {
      U = v;
    } else if (key == "H") {
      H = v;
    } else if (key == "W") {
      W = v;
    } else if (key == "G") {
      G = v;
    } else if (key == "D") {
      dil = v;
    } else {
      fail("--layer {}: unknown key \"{}\" (N M C E F R S U H W G D)", spec, key);
    }
  }
  if (w.fc) {
    // FC: the filter covers the whole input (H = R, W = S, E = F = 1).
    if (full[3] != 1 || full[4] != 1) fail("--layer {}: fc layers have E = F = 1", spec);
    if (H) full[5] = H;
    if (W) full[6] = W;
    H = W = 0;
  }
  if (full[1] % G != 0 || full[2] % G != 0) {
    fail("--layer {}: groups G={} must divide C={} and M={}", spec, G, full[2], full[1]);
  }
  w.G = G;
  w.dims = full;
  w.dims[1] /= G;
  w.dims[2] /= G;
  w.U = w.U_w = U;
  w.dil_h = w.dil_w = dil;
  if (H && H < w.H())
    fail("--layer {}: H={} is smaller than (E-1)*U+(R-1)*D+1 = {}", spec, H, w.H());
  if (W && W < w.W())
    fail("--layer {}: W={} is smaller than (F-1)*U+(S-1)*D+1 = {}", spec, W, w.W());
  return w;
}

std::vector<Workload> workloads_from_graph(const graph::Graph& g) {
  std::vector<Workload> out;
  std::map<std::string_view, const graph::Node*> producer;
  for (const graph::Node& n : g.nodes()) {
    for (const std::string& v : n.outputs) producer[v] = &n;
  }
  for (const graph::Node& n : g.nodes()) {
    if (!n.op) continue;
    const std::vector<ops::ValueInfo> in = g.input_infos(n);
    if (auto ls = n.op->layer_shape(in)) {
      // An FC layer fed by a flattened N x C x H x W map is a CONV whose filter covers the whole
      // map (ISCA'16 §II: H = R, E = 1), as ISCA'16's comparison maps AlexNet's FC6 (6 x 6 x
      // 256 filters): the filter plane then takes R x S PEs in WS, R PE rows in RS.
      const auto p = n.inputs.empty() ? producer.end() : producer.find(n.inputs[0]);
      if (ls->kind == ops::LayerKind::fc && p != producer.end() && !p->second->inputs.empty() &&
          (p->second->op_type == "Flatten" || p->second->op_type == "Reshape")) {
        const Shape& x = g.info(p->second->inputs[0]).shape;
        if (x.size() == 4 && x[0] == ls->N && x[1] * x[2] * x[3] == ls->C && ls->G == 1) {
          ls->C = x[1];
          ls->H = ls->R = x[2];
          ls->W = ls->S = x[3];
        }
      }
      out.push_back(workload_from_shape(*ls, n.name, n.op_type));
    } else if (n.op_type.find("Pool") != std::string::npos) {
      Workload w;
      w.name = n.name;
      w.op = n.op_type;
      w.mappable = false;
      out.push_back(w);
    }
  }
  return out;
}

}  // namespace loupe::accel
