#include "accel/timeloop.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "loupe/error.hpp"

namespace loupe::accel {

namespace {

std::string slurp(const std::string& path, std::string_view what) {
  std::ifstream f(path);
  if (!f) fail("{}: cannot open {}", path, what);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// "PE[0..167]" -> "PE", 168 (v0.3 names carry instance ranges).
std::string base_name(const std::string& name, int64_t* count = nullptr) {
  const size_t b = name.find('[');
  if (count) *count = 1;
  if (b == std::string::npos) return name;
  int64_t lo = 0, hi = 0;
  if (count && std::sscanf(name.c_str() + b, "[%ld..%ld]", &lo, &hi) == 2 && hi >= lo) {
    *count = hi - lo + 1;
  }
  return name.substr(0, b);
}

int64_t attr_int(const YAML::Node& attrs, std::initializer_list<const char*> keys, int64_t fallback,
                 std::string_view file) {
  if (!attrs || !attrs.IsMap()) return fallback;
  for (const char* k : keys) {
    if (const YAML::Node n = attrs[k]) {
      if (n.IsScalar() && n.Scalar() == "-1") return fallback;
      return yaml::as_int(n, file, fmt::format("attribute \"{}\"", k));
    }
  }
  return fallback;
}

TensorKind dataspace(const YAML::Node& n, std::string_view file) {
  const std::string s = yaml::as_string(n, file, "a dataspace");
  if (s == "Weights") return TensorKind::weights;
  if (s == "Inputs") return TensorKind::inputs;
  if (s == "Outputs") return TensorKind::outputs;
  fail("{}: unknown dataspace \"{}\" (Weights, Inputs, Outputs)", yaml::where(file, n), s);
}

void apply_constraints(const YAML::Node& c, StorageLevel& l, std::string_view file) {
  if (!c || !c.IsMap()) return;
  const YAML::Node ds = c["dataspace"];
  if (!ds || !ds.IsMap()) return;
  if (const YAML::Node keep = ds["keep"]) {
    l.keeps = {false, false, false};
    for (const auto& t : keep) l.keeps[static_cast<int>(dataspace(t, file))] = true;
  }
  if (const YAML::Node bypass = ds["bypass"]) {
    for (const auto& t : bypass) l.keeps[static_cast<int>(dataspace(t, file))] = false;
  }
}

bool is_compute_class(const std::string& cls) {
  return cls.find("mac") != std::string::npos || cls == "compute";
}

struct Walker {
  std::string_view file;
  Arch arch;
  int64_t mx = 1, my = 1;  // mesh of the enclosing containers
  bool have_compute = false;

  void component(const YAML::Node& n, const std::string& name) {
    const std::string cls = n["class"] ? n["class"].Scalar() : "";
    const YAML::Node attrs = n["attributes"];
    int64_t cx = mx, cy = my;
    if (const YAML::Node sp = n["spatial"]) {
      cx *= attr_int(sp, {"meshX"}, 1, file);
      cy *= attr_int(sp, {"meshY"}, 1, file);
    }
    if (is_compute_class(cls)) {
      arch.compute.name = name;
      arch.compute.mesh_x = cx;
      arch.compute.mesh_y = cy;
      arch.compute.word_bits =
          attr_int(attrs, {"datawidth", "word-bits", "word_bits", "multiplier_width"}, 16, file);
      arch.compute.energy = 0;
      have_compute = true;
      return;
    }
    StorageLevel l;
    l.name = name;
    l.word_bits = attr_int(attrs, {"datawidth", "word-bits", "word_bits"}, 16, file);
    const int64_t width =
        attr_int(attrs, {"width", "memory_width", "data_storage_width"}, l.word_bits, file);
    l.block_size = attr_int(attrs, {"block_size", "block-size"},
                            std::max<int64_t>(1, width / l.word_bits), file);
    const int64_t depth = attr_int(attrs, {"depth", "memory_depth", "data_storage_depth"}, 0, file);
    l.words = depth * l.block_size;
    l.mesh_x = cx;
    l.mesh_y = cy;
    l.read_bandwidth = static_cast<double>(attr_int(attrs, {"read_bandwidth"}, 0, file));
    l.write_bandwidth = static_cast<double>(attr_int(attrs, {"write_bandwidth"}, 0, file));
    apply_constraints(n["constraints"], l, file);
    arch.levels.push_back(l);
  }

  // v0.4: a flat list; a Container's spatial mesh multiplies everything after it.
  void nodes(const YAML::Node& list) {
    yaml::expect_sequence(list, file, "key \"nodes\"");
    for (const auto& n : list) {
      yaml::expect_map(n, file, "a node");
      const std::string name =
          yaml::as_string(yaml::require(n, "name", file, "a node"), file, "name");
      if (n.Tag() == "!Container" || (!n["class"] && n.Tag() != "!Component")) {
        if (const YAML::Node sp = n["spatial"]) {
          mx *= attr_int(sp, {"meshX"}, 1, file);
          my *= attr_int(sp, {"meshY"}, 1, file);
        }
        continue;
      }
      component(n, name);
    }
  }

  // v0.3: subtree / local, instance counts in names (PE[0..167]) and meshX attributes.
  void subtree(const YAML::Node& st) {
    for (const auto& t : st) {
      int64_t count = 1;
      base_name(t["name"] ? t["name"].Scalar() : "", &count);
      const int64_t sx = mx, sy = my;
      if (count > 1) {
        int64_t meshx = 0;
        if (const YAML::Node local = t["local"]) {
          for (const auto& c : local)
            meshx = std::max(meshx, attr_int(c["attributes"], {"meshX"}, 0, file));
        }
        const int64_t gx = meshx > 0 ? meshx / mx : count;
        mx *= std::max<int64_t>(1, gx);
        my *= std::max<int64_t>(1, count / std::max<int64_t>(1, gx));
      }
      if (const YAML::Node local = t["local"]) {
        for (const auto& c : local) {
          int64_t n = 1;
          const std::string name = base_name(c["name"].Scalar(), &n);
          component(c, name);
        }
      }
      if (const YAML::Node s = t["subtree"]) subtree(s);
      mx = sx;
      my = sy;
    }
  }
};

}  // namespace

bool is_timeloop_arch(const YAML::Node& root) { return root.IsMap() && root["architecture"]; }

Arch parse_timeloop_arch(const YAML::Node& root, std::string_view file) {
  Walker w{file, {}, 1, 1, false};
  w.arch.name = std::string(file);
  const YAML::Node a = root["architecture"];
  yaml::expect_map(a, file, "key \"architecture\"");
  if (a["nodes"]) {
    w.nodes(a["nodes"]);
  } else if (a["subtree"]) {
    w.subtree(a["subtree"]);
  } else {
    fail("{}: architecture: expected \"nodes\" (v0.4) or \"subtree\" (v0.3)", yaml::where(file, a));
  }
  if (!w.have_compute) fail("{}: architecture has no compute component (class *mac*)", file);
  for (auto& l : w.arch.levels) {
    // Storage at the PEs' place shares their mesh shape.
    if (l.instances() == w.arch.compute.instances()) {
      l.mesh_x = w.arch.compute.mesh_x;
      l.mesh_y = w.arch.compute.mesh_y;
    }
  }
  validate_arch(w.arch, file);
  return w.arch;
}

Workload load_timeloop_problem(const std::string& path) {
  const std::string text = slurp(path, "problem file");
  try {
    const YAML::Node root = yaml::load(text, path);
    const YAML::Node p = root["problem"];
    if (!p || !p.IsMap()) fail("{}: expected a Timeloop problem (key \"problem\")", path);
    const YAML::Node inst = p["instance"] ? p["instance"] : p;
    Workload w;
    w.name = path;
    w.op = "Conv";
    const std::pair<const char*, Dim> dims[] = {{"N", Dim::N}, {"M", Dim::M}, {"C", Dim::C},
                                                {"P", Dim::E}, {"Q", Dim::F}, {"R", Dim::R},
                                                {"S", Dim::S}};
    for (const auto& [k, d] : dims) {
      const int64_t v = yaml::get_int(inst, k, 1, path, "problem instance");
      if (v <= 0) fail("{}: problem instance: {} must be positive", yaml::where(path, inst), k);
      w.dims[static_cast<int>(d)] = v;
    }
    w.U = yaml::get_int(inst, "Hstride", 1, path, "problem instance");
    w.U_w = yaml::get_int(inst, "Wstride", 1, path, "problem instance");
    w.dil_h = yaml::get_int(inst, "Hdilation", 1, path, "problem instance");
    w.dil_w = yaml::get_int(inst, "Wdilation", 1, path, "problem instance");
    if (w.U <= 0 || w.U_w <= 0 || w.dil_h <= 0 || w.dil_w <= 0) {
      fail("{}: strides and dilations must be positive", path);
    }
    return w;
  } catch (const YAML::Exception& e) {
    fail("{}:{}: {}", path, e.mark.line + 1, e.msg);
  }
}

bool looks_like_timeloop_map(std::string_view text) {
  return text.find("for ") != std::string_view::npos &&
         text.find(" in [") != std::string_view::npos;
}

Mapping parse_timeloop_map(std::string_view text, std::string_view file, const Arch& arch) {
  Mapping m;
  m.levels.resize(arch.levels.size());
  std::optional<size_t> level;
  int line_no = 0;
  std::string line;
  std::istringstream in{std::string(text)};
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t i = line.find_first_not_of(" \t|");
    if (i == std::string::npos) continue;
    const std::string_view rest = std::string_view(line).substr(i);
    if (rest.starts_with("for ")) {
      // "for Q in [0:14) (Spatial-X)"; a residual "[0:14/13)" keeps the full factor.
      if (!level) fail("{}:{}: a loop before any level header", file, line_no);
      char c = rest.size() > 4 ? rest[4] : ' ';
      const size_t open = rest.find("[0:");
      if (open == std::string_view::npos) fail("{}:{}: expected \"for D in [0:N)\"", file, line_no);
      int64_t f = 0;
      const char* b = rest.data() + open + 3;
      const auto [end, ec] = std::from_chars(b, rest.data() + rest.size(), f);
      if (ec != std::errc() || f <= 0) fail("{}:{}: loop factor must be positive", file, line_no);
      (void)end;
      const std::optional<Dim> d = dim_from_letter(c);
      if (!d) fail("{}:{}: unknown dimension '{}'", file, line_no, c);
      const Loop l{*d, f};
      if (rest.find("(Spatial-X)") != std::string_view::npos) {
        m.levels[*level].x.push_back(l);
      } else if (rest.find("(Spatial-Y)") != std::string_view::npos) {
        m.levels[*level].y.push_back(l);
      } else {
        m.levels[*level].temporal.push_back(l);
      }
      continue;
    }
    if (i != 0) continue;
    const size_t bracket = rest.find(" [");
    if (bracket == std::string_view::npos) continue;  // rules of dashes, << Compute >>
    const std::string name(rest.substr(0, bracket));
    level = arch.find_level(name);
    if (!level) fail("{}:{}: level \"{}\": unknown level", file, line_no, name);
  }
  return m;
}

void apply_ert(Arch& arch, const std::string& path) {
  const std::string text = slurp(path, "energy table");
  try {
    const YAML::Node root = yaml::load(text, path);
    YAML::Node table;
    if (root["ERT_summary"]) table = root["ERT_summary"]["table_summary"];
    if (!table && root["ERT"]) table = root["ERT"]["tables"];
    if (!table || !table.IsSequence()) fail("{}: expected ERT_summary: table_summary: [...]", path);
    for (const auto& entry : table) {
      const std::string full =
          yaml::as_string(yaml::require(entry, "name", path, "a table entry"), path, "name");
      const std::string name = base_name(full.substr(full.rfind('.') + 1));
      const YAML::Node actions = entry["actions"];
      if (!actions || !actions.IsSequence()) continue;
      auto energy_of = [&](const YAML::Node& a) {
        for (const char* k : {"energy", "average_energy", "max_energy"}) {
          if (a[k]) return yaml::as_double(a[k], path, fmt::format("\"{}\"", k));
        }
        fail("{}: action without energy", yaml::where(path, a));
      };
      if (name == arch.compute.name) {
        for (const auto& a : actions) {
          const std::string an = a["name"].Scalar();
          if (an == "compute" || an == "mac_random") {
            arch.compute.energy = energy_of(a);
            break;
          }
        }
        continue;
      }
      const auto idx = arch.find_level(name);
      if (!idx) continue;  // networks and other components carry no counted action here
      LevelEnergy& e = arch.levels[*idx].energy;
      bool update_given = false;
      for (const auto& a : actions) {
        const std::string an = a["name"].Scalar();
        const double v = energy_of(a);
        if (an == "read") e.read = v;
        if (an == "write") {
          e.fill = v;
          if (!update_given) e.update = v;
        }
        if (an == "update") e.update = v, update_given = true;
        if (an == "leak") e.leak = v;
      }
    }
    arch.energy_unit = EnergyUnit::pj;
  } catch (const YAML::Exception& e) {
    fail("{}:{}: {}", path, e.mark.line + 1, e.msg);
  }
}

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p);
  if (!f) fail("{}: cannot write", p.string());
  f << text;
  if (!f) fail("{}: write failed", p.string());
}

std::string dataspaces(const StorageLevel& l, bool keep) {
  std::vector<std::string> out;
  const char* names[] = {"Weights", "Inputs", "Outputs"};
  for (int t = 0; t < kTensorKinds; ++t) {
    if (l.keeps[t] == keep) out.push_back(names[t]);
  }
  return fmt::format("[{}]", fmt::join(out, ", "));
}

}  // namespace

void emit_timeloop(const std::string& dir, const Arch& arch, const Workload& w,
                   const Mapping* mapping) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("{}: cannot create directory: {}", dir, ec.message());
  const std::filesystem::path d(dir);
  write_file(d / "problem.yaml",
             fmt::format("problem:\n  version: 0.4\n  shape:\n    name: CNN_Layer\n"
                         "    dimensions: [C, M, R, S, N, P, Q]\n  instance:\n"
                         "    C: {}\n    M: {}\n    R: {}\n    S: {}\n    N: {}\n    P: {}\n"
                         "    Q: {}\n    Hstride: {}\n    Wstride: {}\n    Hdilation: {}\n"
                         "    Wdilation: {}\n",
                         w.dim(Dim::C), w.dim(Dim::M), w.dim(Dim::R), w.dim(Dim::S), w.dim(Dim::N),
                         w.dim(Dim::E), w.dim(Dim::F), w.U, w.U_w, w.dil_h, w.dil_w));
  std::string a = "architecture:\n  version: 0.4\n  nodes:\n  - !Container\n    name: system\n";
  int64_t mx = 1, my = 1;
  for (const StorageLevel& l : arch.levels) {
    if (l.mesh_x != mx || l.mesh_y != my) {
      a +=
          fmt::format("  - !Container\n    name: {}_array\n    spatial: {{meshX: {}, meshY: {}}}\n",
                      l.name, l.mesh_x / mx, l.mesh_y / my);
      mx = l.mesh_x;
      my = l.mesh_y;
    }
    a += fmt::format("  - !Component\n    name: {}\n    class: {}\n", l.name,
                     &l == &arch.levels[0] ? "DRAM" : "storage");
    a += fmt::format("    attributes: {{datawidth: {}, width: {}", l.word_bits,
                     l.word_bits * l.block_size);
    if (l.words > 0) a += fmt::format(", depth: {}", l.words / l.block_size);
    if (l.read_bandwidth > 0) a += fmt::format(", read_bandwidth: {}", l.read_bandwidth);
    if (l.write_bandwidth > 0) a += fmt::format(", write_bandwidth: {}", l.write_bandwidth);
    a += "}\n";
    a += fmt::format("    constraints:\n      dataspace: {{keep: {}, bypass: {}}}\n",
                     dataspaces(l, true), dataspaces(l, false));
  }
  if (arch.compute.mesh_x != mx || arch.compute.mesh_y != my) {
    a += fmt::format("  - !Container\n    name: mac_array\n    spatial: {{meshX: {}, meshY: {}}}\n",
                     arch.compute.mesh_x / mx, arch.compute.mesh_y / my);
  }
  a += fmt::format(
      "  - !Component\n    name: {}\n    class: intmac\n    attributes: {{datawidth: {}}}\n",
      arch.compute.name, arch.compute.word_bits);
  write_file(d / "arch.yaml", a);
  std::string e = "ERT_summary:\n  version: '0.4'\n  table_summary:\n";
  for (const StorageLevel& l : arch.levels) {
    e += fmt::format(
        "  - name: system.{}\n    actions:\n    - {{name: read, energy: {}}}\n"
        "    - {{name: write, energy: {}}}\n    - {{name: update, energy: {}}}\n"
        "    - {{name: leak, energy: {}}}\n",
        l.name, l.energy.read, l.energy.fill, l.energy.update, l.energy.leak);
  }
  e += fmt::format("  - name: system.{}\n    actions:\n    - {{name: compute, energy: {}}}\n",
                   arch.compute.name, arch.compute.energy);
  write_file(d / "ERT_summary.yaml", e);
  if (mapping) {
    std::string m;
    int depth = 0;
    const char* letters = "NMCPQRS";  // Timeloop's names for N M C E F R S
    for (size_t i = 0; i < arch.levels.size(); ++i) {
      m += fmt::format("{} [ ]\n{}\n", arch.levels[i].name,
                       std::string(arch.levels[i].name.size() + 4, '-'));
      const LevelMapping& lm = mapping->levels[i];
      auto put = [&](const std::vector<Loop>& loops, const char* tag) {
        for (const Loop& l : loops) {
          m += fmt::format("|{}for {} in [0:{}){}\n", std::string(2 * depth + 1, ' '),
                           letters[static_cast<int>(l.dim)], l.factor, tag);
          ++depth;
        }
      };
      put(lm.temporal, "");
      put(lm.x, " (Spatial-X)");
      put(lm.y, " (Spatial-Y)");
      m += "\n";
    }
    m += "<< Compute >>\n";
    write_file(d / "map.txt", m);
  }
}

}  // namespace loupe::accel
