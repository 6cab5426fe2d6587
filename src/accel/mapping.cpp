#include "accel/mapping.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "accel/analysis.hpp"
#include "accel/timeloop.hpp"
#include "loupe/error.hpp"

namespace loupe::accel {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// "E14" (also Timeloop's P, Q, K for E, F, M, and "E=14").
std::vector<Loop> parse_loops(std::string_view s, std::string_view where) {
  std::vector<Loop> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
      ++i;
      continue;
    }
    const std::optional<Dim> d = dim_from_letter(s[i]);
    if (!d) fail("{}: unknown loop dimension '{}' (N M C E F R S)", where, s[i]);
    ++i;
    if (i < s.size() && s[i] == '=') ++i;
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    int64_t f = 0;
    const auto [end, ec] = std::from_chars(s.data() + i, s.data() + j, f);
    if (j == i || ec != std::errc() || end != s.data() + j || f <= 0 || f > (int64_t{1} << 30)) {
      fail("{}: loop '{}' needs a positive factor", where, dim_letter(*d));
    }
    out.push_back({*d, f});
    i = j;
  }
  return out;
}

}  // namespace

Mapping parse_mapping_text(std::string_view text, std::string_view file, const Arch& arch) {
  Mapping m;
  m.levels.resize(arch.levels.size());
  std::vector<bool> seen(arch.levels.size(), false);
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      fail("{}:{}: expected \"LEVEL: loops [| X: loops] [| Y: loops]\"", file, line_no);
    }
    const std::string name(trim(line.substr(0, colon)));
    const auto idx = arch.find_level(name);
    if (!idx) {
      std::vector<std::string> names;
      for (const auto& l : arch.levels) names.push_back(l.name);
      fail("{}:{}: level \"{}\": unknown level (the arch has {})", file, line_no, name,
           fmt::join(names, ", "));
    }
    if (seen[*idx]) fail("{}:{}: level \"{}\": given twice", file, line_no, name);
    seen[*idx] = true;
    const std::string where = fmt::format("{}:{}: level \"{}\"", file, line_no, name);
    LevelMapping& lm = m.levels[*idx];
    std::string_view rest = line.substr(colon + 1);
    bool first = true;
    while (true) {
      const size_t bar = rest.find('|');
      std::string_view part = trim(rest.substr(0, bar));
      if (first) {
        lm.temporal = parse_loops(part, where);
      } else if (part.starts_with("X:") || part.starts_with("x:")) {
        lm.x = parse_loops(part.substr(2), where);
      } else if (part.starts_with("Y:") || part.starts_with("y:")) {
        lm.y = parse_loops(part.substr(2), where);
      } else {
        fail("{}: expected \"X: loops\" or \"Y: loops\" after '|', got \"{}\"", where, part);
      }
      first = false;
      if (bar == std::string_view::npos) break;
      rest = rest.substr(bar + 1);
    }
  }
  return m;
}

Mapping load_mapping_file(const std::string& path, const Arch& arch, const Workload* w) {
  std::ifstream f(path);
  if (!f) fail("{}: cannot open mapping file", path);
  std::stringstream s;
  s << f.rdbuf();
  if (looks_like_timeloop_map(s.str())) return parse_timeloop_map(s.str(), path, arch);
  if (looks_like_mapping_yaml(s.str())) return parse_mapping_yaml(s.str(), path, arch, w);
  return parse_mapping_text(s.str(), path, arch);
}

std::optional<FactorProblem> factor_problem(const Arch& arch, const Workload& w, const Mapping& m) {
  if (m.levels.size() != arch.levels.size()) {
    return FactorProblem{Dim::N, fmt::format("mapping has {} levels, the arch {}", m.levels.size(),
                                             arch.levels.size())};
  }
  std::array<int64_t, kDims> product = {1, 1, 1, 1, 1, 1, 1};
  for (size_t i = 0; i < m.levels.size(); ++i) {
    const LevelMapping& lm = m.levels[i];
    int64_t px = 1, py = 1;
    for (const auto* loops : {&lm.temporal, &lm.x, &lm.y}) {
      for (const Loop& l : *loops) {
        int64_t& p = product[static_cast<int>(l.dim)];
        if (p > (int64_t{1} << 40) / l.factor) {
          return FactorProblem{l.dim, fmt::format("factors of {} overflow", dim_letter(l.dim))};
        }
        p *= l.factor;
        if (loops == &lm.x) px *= l.factor;
        if (loops == &lm.y) py *= l.factor;
      }
    }
    if (px > arch.fanout_x(i) || py > arch.fanout_y(i)) {
      const Dim d = (px > arch.fanout_x(i) ? lm.x : lm.y).front().dim;
      return FactorProblem{
          d, fmt::format("level \"{}\": spatial factors X {} x Y {} exceed its "
                         "fanout {}x{}",
                         arch.levels[i].name, px, py, arch.fanout_x(i), arch.fanout_y(i))};
    }
  }
  for (Dim d : kAllDims) {
    const int64_t p = product[static_cast<int>(d)];
    const int64_t size = w.dim(d);
    if (p < size) {
      return FactorProblem{d, fmt::format("factors of {} multiply to {}, the layer has {}={}",
                                          dim_letter(d), p, dim_letter(d), size)};
    }
    if (p == size) continue;
    // Padding is allowed only while every loop of d still reaches a real index.
    for (const auto& lm : m.levels) {
      for (const auto* loops : {&lm.temporal, &lm.x, &lm.y}) {
        for (const Loop& l : *loops) {
          if (l.dim == d && l.factor > 1 && p / l.factor >= size) {
            return FactorProblem{
                d, fmt::format("factors of {} multiply to {}, far beyond the layer's {}={} (loop "
                               "{}{} is idle)",
                               dim_letter(d), p, dim_letter(d), size, dim_letter(d), l.factor)};
          }
        }
      }
    }
  }
  return std::nullopt;
}

void validate_mapping(const Arch& arch, const Workload& w, const Mapping& m,
                      std::string_view source) {
  if (const auto problem = factor_problem(arch, w, m)) fail("{}: {}", source, problem->reason);
  const Analysis a = analyze_unchecked(arch, w, m);
  for (size_t i = 0; i < arch.levels.size(); ++i) {
    const StorageLevel& l = arch.levels[i];
    if (l.words == 0) continue;
    int64_t used = 0;
    for (TensorKind t : kAllTensorKinds) {
      if (l.keeps_tensor(t)) used += a.levels[i].tensors[static_cast<int>(t)].tile;
    }
    if (used > l.words) {
      fail("{}: level \"{}\": tiles need {} words, capacity is {}", source, l.name, used, l.words);
    }
  }
  if (const auto i = partial_sum_spill(arch, a)) {
    fail(
        "{}: level \"{}\": partial sums would go there and back (partial_sums: false); put the "
        "C R S loops of that level inside its N M E F loops",
        source, arch.levels[*i].name);
  }
}

namespace {

std::string loops_text(const std::vector<Loop>& loops) {
  std::string s;
  for (const Loop& l : loops) {
    if (!s.empty()) s += ' ';
    s += fmt::format("{}{}", dim_letter(l.dim), l.factor);
  }
  return s;
}

}  // namespace

std::string mapping_to_string(const Arch& arch, const Mapping& m) {
  std::string out;
  for (size_t i = 0; i < m.levels.size(); ++i) {
    const LevelMapping& lm = m.levels[i];
    if (lm.temporal.empty() && lm.x.empty() && lm.y.empty()) continue;
    out += fmt::format("{}: {}", arch.levels[i].name, loops_text(lm.temporal));
    if (!lm.x.empty()) out += " | X: " + loops_text(lm.x);
    if (!lm.y.empty()) out += " | Y: " + loops_text(lm.y);
    out += '\n';
  }
  return out;
}

std::string mapping_summary(const Arch& arch, const Mapping& m) {
  std::string out;
  for (size_t i = 0; i < m.levels.size(); ++i) {
    const LevelMapping& lm = m.levels[i];
    if (lm.temporal.empty() && lm.x.empty() && lm.y.empty()) continue;
    if (!out.empty()) out += ' ';
    std::vector<std::string> parts;
    if (!lm.temporal.empty()) parts.push_back(loops_text(lm.temporal));
    if (!lm.x.empty()) parts.push_back(fmt::format("X:{}", loops_text(lm.x)));
    if (!lm.y.empty()) parts.push_back(fmt::format("Y:{}", loops_text(lm.y)));
    out += fmt::format("{}[{}]", arch.levels[i].name, fmt::join(parts, " "));
  }
  return out;
}

}  // namespace loupe::accel
