#pragma once
// Shared by the arch and mapping parsers: every YAML problem becomes one loupe::Error that names
// the file, the line and the key, e.g.
//   arch.yaml:12: unknown key "word_bit" in level "GLB" (did you mean word_bits?)
// yaml-cpp's own exceptions never escape: the parsers catch YAML::Exception at the boundary.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace loupe::accel::yaml {

// Parses a whole document; syntax errors become "<file>:<line>: YAML syntax error: ...".
YAML::Node load(std::string_view text, std::string_view file);

// "<file>:<line>" for a node (line 1-based; "<file>" alone when yaml-cpp has no mark).
std::string where(std::string_view file, const YAML::Node& node);

// Checks that every key of `map` is one of `allowed`; `context` reads e.g. `level "GLB"`.
void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                std::string_view file, std::string_view context);

// The closest of `candidates` to `word` within two edits, or "" (for "did you mean" hints).
std::string closest(std::string_view word, std::initializer_list<std::string_view> candidates);

// Typed reads of `map[key]` with errors naming the key and line. `require_*` fail when the key is
// missing; `get_*` return `fallback` then.
const YAML::Node require(const YAML::Node& map, std::string_view key, std::string_view file,
                         std::string_view context);
std::string as_string(const YAML::Node& node, std::string_view file, std::string_view what);
int64_t as_int(const YAML::Node& node, std::string_view file, std::string_view what);
double as_double(const YAML::Node& node, std::string_view file, std::string_view what);
// `true` or `false`; `key` names it in the error.
bool as_bool(const YAML::Node& node, std::string_view file, std::string_view key);
void expect_map(const YAML::Node& node, std::string_view file, std::string_view what);
void expect_sequence(const YAML::Node& node, std::string_view file, std::string_view what);

int64_t get_int(const YAML::Node& map, std::string_view key, int64_t fallback,
                std::string_view file, std::string_view context);
double get_double(const YAML::Node& map, std::string_view key, double fallback,
                  std::string_view file, std::string_view context);

}  // namespace loupe::accel::yaml
