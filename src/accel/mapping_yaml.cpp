// The YAML form of a mapping (mapping.hpp, docs/accel.md), parsed into the same Mapping as the
// text format. Loops are lists of one-entry maps because their order (outer -> inner) matters.
#include <charconv>
#include <map>

#include "accel/mapping.hpp"
#include "accel/yaml_util.hpp"
#include "loupe/error.hpp"

namespace loupe::accel {

namespace {

[[noreturn]] void key_error(std::string_view file, const YAML::Node& key, std::string_view reason) {
  fail("{}: key \"{}\": {}", yaml::where(file, key), key.IsScalar() ? key.Scalar() : "?", reason);
}

// Where each dimension's last loop was written (for factor product errors).
using Lines = std::map<Dim, YAML::Node>;

std::vector<Loop> parse_loops(const YAML::Node& list, const YAML::Node& list_key,
                              std::string_view file, Lines& lines) {
  if (!list.IsSequence()) {
    key_error(file, list_key, "expected a list of loops outer -> inner, e.g. [E: 8, M: 4]");
  }
  std::vector<Loop> loops;
  for (const YAML::Node& item : list) {
    if (!item.IsMap() || item.size() != 1) {
      key_error(file, list_key, "each loop is one DIM: factor entry, e.g. E: 8");
    }
    const YAML::Node key = item.begin()->first;
    const YAML::Node val = item.begin()->second;
    const std::string letter = key.IsScalar() ? key.Scalar() : "";
    const std::optional<Dim> d =
        letter.size() == 1 ? dim_from_letter(letter[0]) : std::optional<Dim>();
    if (!d) key_error(file, key, "unknown loop dimension (N M C E F R S; P Q K read as E F M)");
    const std::string value = val.IsScalar() ? val.Scalar() : "";
    int64_t f = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), f);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || f <= 0 ||
        f > (int64_t{1} << 30)) {
      key_error(file, key, fmt::format("factor must be a positive integer, got \"{}\"", value));
    }
    loops.push_back({*d, f});
    lines[*d] = key;
  }
  return loops;
}

}  // namespace

bool looks_like_mapping_yaml(std::string_view text) {
  // The first significant line is a bare "KEY:" and the next one is indented: a YAML block map.
  // Text-format lines carry their loops after the colon.
  int seen = 0;
  while (!text.empty() && seen < 2) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line == "---") continue;
    if (seen++ == 0) {
      if (line.front() == ' ' || line.back() != ':') return false;
    } else {
      return line.front() == ' ' || line.front() == '\t';
    }
  }
  return false;
}

Mapping parse_mapping_yaml(std::string_view text, std::string_view file, const Arch& arch,
                           const Workload* w) {
  const YAML::Node doc = yaml::load(text, file);
  try {
    yaml::expect_map(doc, file, "a YAML mapping");
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (it->first.Scalar() == "mapping") continue;
      const std::string hint = yaml::closest(it->first.Scalar(), {"mapping"});
      key_error(file, it->first,
                hint.empty() ? "unknown key (a YAML mapping has one key, mapping)"
                             : "unknown key (did you mean mapping?)");
    }
    const YAML::Node top = yaml::require(doc, "mapping", file, "a YAML mapping");
    yaml::expect_map(top, file, "\"mapping\"");
    Mapping m;
    m.levels.resize(arch.levels.size());
    std::vector<bool> seen(arch.levels.size(), false);
    Lines lines;
    YAML::Node mapping_key;
    for (auto it = doc.begin(); it != doc.end(); ++it) mapping_key = it->first;
    for (auto it = top.begin(); it != top.end(); ++it) {
      const YAML::Node name = it->first;
      const auto idx = name.IsScalar() ? arch.find_level(name.Scalar()) : std::nullopt;
      if (!idx) {
        std::vector<std::string> names;
        for (const auto& l : arch.levels) names.push_back(l.name);
        key_error(file, name,
                  fmt::format("unknown level (the arch has {})", fmt::join(names, ", ")));
      }
      if (seen[*idx]) key_error(file, name, "level given twice");
      seen[*idx] = true;
      const YAML::Node body = it->second;
      if (body.IsNull()) continue;
      if (!body.IsMap()) key_error(file, name, "expected temporal / spatial_x / spatial_y");
      LevelMapping& lm = m.levels[*idx];
      for (auto k = body.begin(); k != body.end(); ++k) {
        const std::string key = k->first.IsScalar() ? k->first.Scalar() : "";
        std::vector<Loop>* into = key == "temporal"    ? &lm.temporal
                                  : key == "spatial_x" ? &lm.x
                                  : key == "spatial_y" ? &lm.y
                                                       : nullptr;
        if (!into) {
          const std::string hint = yaml::closest(key, {"temporal", "spatial_x", "spatial_y"});
          key_error(file, k->first,
                    fmt::format("unknown key in level \"{}\" ({})", name.Scalar(),
                                hint.empty() ? "temporal, spatial_x or spatial_y"
                                             : "did you mean " + hint + "?"));
        }
        *into = parse_loops(k->second, k->first, file, lines);
      }
    }
    if (w) {
      if (const auto problem = factor_problem(arch, *w, m)) {
        const auto at = lines.find(problem->dim);
        if (at != lines.end()) key_error(file, at->second, problem->reason);
        fail("{}: key \"{}\": {}", yaml::where(file, mapping_key), dim_letter(problem->dim),
             problem->reason);
      }
    }
    return m;
  } catch (const YAML::Exception& e) {
    fail("{}:{}: {}", file, e.mark.line + 1, e.msg);
  }
}

}  // namespace loupe::accel
