#include "accel/yaml_util.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "loupe/error.hpp"

namespace loupe::accel::yaml {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string kind_of(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return fmt::format("\"{}\"", node.Scalar());
}

}  // namespace

YAML::Node load(std::string_view text, std::string_view file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; editors count lines from 1.
    fail("{}:{}: YAML syntax error: {}", file, e.mark.line + 1, e.msg);
  }
}

std::string where(std::string_view file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return std::string(file);
  return fmt::format("{}:{}", file, mark.line + 1);
}

std::string closest(std::string_view word, std::initializer_list<std::string_view> candidates) {
  std::string best;
  size_t best_distance = 3;
  for (std::string_view c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

void expect_map(const YAML::Node& node, std::string_view file, std::string_view what) {
  if (!node.IsMap()) fail("{}: {} must be a map, got {}", where(file, node), what, kind_of(node));
}

void expect_sequence(const YAML::Node& node, std::string_view file, std::string_view what) {
  if (!node.IsSequence()) {
    fail("{}: {} must be a list, got {}", where(file, node), what, kind_of(node));
  }
}

void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                std::string_view file, std::string_view context) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) fail("{}: non-scalar key in {}", where(file, it->first), context);
    const std::string& key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    const std::string hint = closest(key, allowed);
    if (hint.empty()) {
      fail("{}: unknown key \"{}\" in {} (allowed: {})", where(file, it->first), key, context,
           fmt::join(allowed, ", "));
    }
    fail("{}: unknown key \"{}\" in {} (did you mean {}?)", where(file, it->first), key, context,
         hint);
  }
}

const YAML::Node require(const YAML::Node& map, std::string_view key, std::string_view file,
                         std::string_view context) {
  const YAML::Node node = map[std::string(key)];
  if (!node.IsDefined() || node.IsNull()) {
    fail("{}: missing key \"{}\" in {}", where(file, map), key, context);
  }
  return node;
}

std::string as_string(const YAML::Node& node, std::string_view file, std::string_view what) {
  if (!node.IsScalar())
    fail("{}: {} must be a string, got {}", where(file, node), what, kind_of(node));
  return node.Scalar();
}

int64_t as_int(const YAML::Node& node, std::string_view file, std::string_view what) {
  if (!node.IsScalar()) {
    fail("{}: {} must be an integer, got {}", where(file, node), what, kind_of(node));
  }
  const std::string& s = node.Scalar();
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) {
    fail("{}: {} must be an integer, got \"{}\"", where(file, node), what, s);
  }
  return value;
}

double as_double(const YAML::Node& node, std::string_view file, std::string_view what) {
  if (!node.IsScalar()) {
    fail("{}: {} must be a number, got {}", where(file, node), what, kind_of(node));
  }
  const std::string& s = node.Scalar();
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    fail("{}: {} must be a number, got \"{}\"", where(file, node), what, s);
  }
  return value;
}

bool as_bool(const YAML::Node& node, std::string_view file, std::string_view key) {
  const std::string s = as_string(node, file, fmt::format("key \"{}\"", key));
  if (s != "true" && s != "false") {
    fail("{}: key \"{}\": \"{}\" is not true or false", where(file, node), key, s);
  }
  return s == "true";
}

int64_t get_int(const YAML::Node& map, std::string_view key, int64_t fallback,
                std::string_view file, std::string_view context) {
  const YAML::Node node = map[std::string(key)];
  if (!node.IsDefined()) return fallback;
  return as_int(node, file, fmt::format("\"{}\" in {}", key, context));
}

double get_double(const YAML::Node& map, std::string_view key, double fallback,
                  std::string_view file, std::string_view context) {
  const YAML::Node node = map[std::string(key)];
  if (!node.IsDefined()) return fallback;
  return as_double(node, file, fmt::format("\"{}\" in {}", key, context));
}

}  // namespace loupe::accel::yaml
