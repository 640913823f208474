#include "sim/yaml_fields.h"

#include <cmath>
#include <cstdio>

namespace hexa {

Status YamlMap::bad(const char* key, const std::string& rule) const {
  std::string where = path(key);
  const YAML::Node n = node_[key];
  if (n.IsDefined() && n.Mark().line >= 0) where += " (line " + std::to_string(n.Mark().line + 1) + ")";
  return Status::Invalid(where + ": " + rule);
}

Status YamlMap::check(std::initializer_list<const char*> known) const {
  if (!node_.IsMap()) return Status::Invalid(label() + ": must be a map of keys to values");
  for (const auto& kv : node_) {
    std::string key = kv.first.Scalar();
    bool ok = false;
    std::string list;
    for (const char* k : known) {
      ok = ok || key == k;
      list += list.empty() ? k : std::string(", ") + k;
    }
    if (!ok) return Status::Invalid(label() + ": unknown key '" + key + "'; expected one of " + list);
  }
  return Status::Ok();
}

Status YamlMap::get(const char* key, std::string* out) const {
  if (!has(key)) return Status::Ok();
  if (!node_[key].IsScalar()) return bad(key, "must be a text value");
  *out = node_[key].Scalar();
  return Status::Ok();
}

Status YamlMap::get(const char* key, std::vector<std::string>* out) const {
  if (!has(key)) return Status::Ok();
  const YAML::Node n = node_[key];
  std::vector<std::string> v;
  for (std::size_t i = 0; n.IsSequence() && i < n.size(); ++i) {
    if (!n[i].IsScalar() || n[i].Scalar().empty()) return bad(key, "must be a list of names");
    v.push_back(n[i].Scalar());
  }
  if (!n.IsSequence()) return bad(key, "must be a list of names");
  *out = std::move(v);
  return Status::Ok();
}

Status YamlMap::get(const char* key, bool* out) const {
  if (!has(key)) return Status::Ok();
  bool v = false;
  if (!node_[key].IsScalar() || !YAML::convert<bool>::decode(node_[key], v)) return bad(key, "must be true or false");
  *out = v;
  return Status::Ok();
}

Status YamlMap::get(const char* key, long* out, long min, long max) const {
  if (!has(key)) return Status::Ok();
  long v = 0;
  std::string rule = "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (!node_[key].IsScalar() || !YAML::convert<long>::decode(node_[key], v))
    return bad(key, rule + ", got '" + (node_[key].IsScalar() ? node_[key].Scalar() : "a list or map") + "'");
  if (v < min || v > max) return bad(key, rule + ", got " + std::to_string(v));
  *out = v;
  return Status::Ok();
}

Status YamlMap::get(const char* key, double* out, double min, double max) const {
  if (!has(key)) return Status::Ok();
  double v = 0;
  char rule_text[96];
  std::snprintf(rule_text, sizeof rule_text, "must be a number between %g and %g", min, max);
  std::string rule = rule_text;
  if (!node_[key].IsScalar() || !YAML::convert<double>::decode(node_[key], v) || !std::isfinite(v))
    return bad(key, rule + ", got '" + (node_[key].IsScalar() ? node_[key].Scalar() : "a list or map") + "'");
  if (v < min || v > max) return bad(key, rule + ", got " + node_[key].Scalar());
  *out = v;
  return Status::Ok();
}

}  // namespace hexa
