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
    char c = s[i];
    if (c == 'P') c = 'E';
    if (c == 'Q') c = 'F';
    if (c == 'K') c = 'M';
    const std::string_view letters = "NMCEFRS";
    const size_t d = letters.find(c);
    if (d == std::string_view::npos) {
      fail("{}: unknown loop dimension '{}' (N M C E F R S)", where, s[i]);
    }
    ++i;
    if (i < s.size() && s[i] == '=') ++i;
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    int64_t f = 0;
    const auto [end, ec] = std::from_chars(s.data() + i, s.data() + j, f);
    if (j == i || ec != std::errc() || end != s.data() + j || f <= 0 || f > (int64_t{1} << 30)) {
      fail("{}: loop '{}' needs a positive factor", where, letters[d]);
    }
    out.push_back({static_cast<Dim>(d), f});
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

Mapping load_mapping_file(const std::string& path, const Arch& arch) {
  std::ifstream f(path);
  if (!f) fail("{}: cannot open mapping file", path);
  std::stringstream s;
  s << f.rdbuf();
  if (looks_like_timeloop_map(s.str())) return parse_timeloop_map(s.str(), path, arch);
  return parse_mapping_text(s.str(), path, arch);
}

void validate_mapping(const Arch& arch, const Workload& w, const Mapping& m,
                      std::string_view source) {
  if (m.levels.size() != arch.levels.size()) {
    fail("{}: mapping has {} levels, the arch {}", source, m.levels.size(), arch.levels.size());
  }
  std::array<int64_t, kDims> product = {1, 1, 1, 1, 1, 1, 1};
  auto add = [&](const Loop& l) {
    int64_t& p = product[static_cast<int>(l.dim)];
    if (p > (int64_t{1} << 40) / l.factor)
      fail("{}: factors of {} overflow", source, dim_letter(l.dim));
    p *= l.factor;
  };
  for (size_t i = 0; i < m.levels.size(); ++i) {
    const LevelMapping& lm = m.levels[i];
    for (const Loop& l : lm.temporal) add(l);
    int64_t px = 1, py = 1;
    for (const Loop& l : lm.x) px *= l.factor, add(l);
    for (const Loop& l : lm.y) py *= l.factor, add(l);
    if (px > arch.fanout_x(i) || py > arch.fanout_y(i)) {
      fail("{}: level \"{}\": spatial factors X {} x Y {} exceed its fanout {}x{}", source,
           arch.levels[i].name, px, py, arch.fanout_x(i), arch.fanout_y(i));
    }
  }
  for (Dim d : kAllDims) {
    const int64_t p = product[static_cast<int>(d)];
    const int64_t size = w.dim(d);
    if (p < size) {
      fail("{}: factors of {} multiply to {}, the layer has {}={}", source, dim_letter(d), p,
           dim_letter(d), size);
    }
    if (p == size) continue;
    // Padding is allowed only while every loop of d still reaches a real index.
    for (const auto& lm : m.levels) {
      for (const auto* loops : {&lm.temporal, &lm.x, &lm.y}) {
        for (const Loop& l : *loops) {
          if (l.dim == d && l.factor > 1 && p / l.factor >= size) {
            fail(
                "{}: factors of {} multiply to {}, far beyond the layer's {}={} (loop {}{} is "
                "idle)",
                source, dim_letter(d), p, dim_letter(d), size, dim_letter(d), l.factor);
          }
        }
      }
    }
  }
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
