#pragma once
// A tiny validator for the subset of JSON Schema that docs/schema/*.json use: type (one or a
// list), required, properties, items, enum, minimum, exclusiveMinimum, maximum and local $ref
// ("#/$defs/NAME"). Returns one message per violation, each naming the JSON path.
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace loupe::testing {

inline nlohmann::json load_schema(const std::string& name) {
  std::ifstream f(std::string(LOUPE_SOURCE_DIR) + "/docs/schema/" + name);
  return nlohmann::json::parse(f);
}

inline bool schema_type_matches(const std::string& t, const nlohmann::json& v) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

inline void validate_at(const nlohmann::json& root, const nlohmann::json& schema,
                        const nlohmann::json& v, const std::string& path,
                        std::vector<std::string>& errors) {
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0 || !root["$defs"].contains(ref.substr(prefix.size()))) {
      errors.push_back(path + ": unresolvable $ref " + ref);
      return;
    }
    validate_at(root, root["$defs"][ref.substr(prefix.size())], v, path, errors);
    return;
  }
  if (schema.contains("type")) {
    bool ok = false;
    if (schema["type"].is_array()) {
      for (const auto& t : schema["type"]) ok = ok || schema_type_matches(t, v);
    } else {
      ok = schema_type_matches(schema["type"], v);
    }
    if (!ok) {
      errors.push_back(path + ": expected type " + schema["type"].dump() + ", got " + v.dump());
      return;
    }
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == v;
    if (!found) errors.push_back(path + ": " + v.dump() + " not in " + schema["enum"].dump());
  }
  if (v.is_number()) {
    const double x = v.get<double>();
    if (schema.contains("minimum") && x < schema["minimum"].get<double>()) {
      errors.push_back(path + ": " + v.dump() + " < minimum");
    }
    if (schema.contains("exclusiveMinimum") && x <= schema["exclusiveMinimum"].get<double>()) {
      errors.push_back(path + ": " + v.dump() + " <= exclusiveMinimum");
    }
    if (schema.contains("maximum") && x > schema["maximum"].get<double>()) {
      errors.push_back(path + ": " + v.dump() + " > maximum");
    }
  }
  if (v.is_object()) {
    if (schema.contains("required")) {
      for (const auto& k : schema["required"]) {
        if (!v.contains(k.get<std::string>())) {
          errors.push_back(path + ": missing required key " + k.dump());
        }
      }
    }
    if (schema.contains("properties")) {
      for (const auto& [k, sub] : schema["properties"].items()) {
        if (v.contains(k)) validate_at(root, sub, v[k], path + "." + k, errors);
      }
    }
  }
  if (v.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < v.size(); ++i) {
      validate_at(root, schema["items"], v[i], path + "[" + std::to_string(i) + "]", errors);
    }
  }
}

inline std::vector<std::string> validate(const nlohmann::json& schema, const nlohmann::json& v) {
  std::vector<std::string> errors;
  validate_at(schema, schema, v, "$", errors);
  return errors;
}

}  // namespace loupe::testing
