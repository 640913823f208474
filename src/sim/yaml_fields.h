// Reading YAML maps strictly: every key known, every value checked, every error naming its
// path ("scenario.yaml: scheduler.policy: ..."). No yaml-cpp exception escapes these helpers.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/status.h"

namespace hexa {

class YamlMap {
 public:
  // `path` names the map in messages: "scenario.yaml:" for a file's top map, then
  // "scenario.yaml: scheduler", "scenario.yaml: workload.startups" for maps inside it.
  YamlMap(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  // Fails when the node is not a map or has a key outside `known`.
  Status check(std::initializer_list<const char*> known) const;
  bool has(const char* key) const { return node_[key].IsDefined() && !node_[key].IsNull(); }
  const YAML::Node node(const char* key) const { return node_[key]; }
  std::string path(const char* key) const { return path_ + (path_.ends_with(':') ? " " : ".") + key; }
  // The map's own name in messages.
  std::string label() const { return path_.ends_with(':') ? path_.substr(0, path_.size() - 1) : path_; }

  // Each leaves `out` untouched when the key is absent.
  Status get(const char* key, std::string* out) const;
  Status get(const char* key, bool* out) const;
  Status get(const char* key, long* out, long min, long max) const;
  Status get(const char* key, double* out, double min, double max) const;
  // A list of names (non-empty text values).
  Status get(const char* key, std::vector<std::string>* out) const;

 private:
  Status bad(const char* key, const std::string& rule) const;
  YAML::Node node_;
  std::string path_;
};

}  // namespace hexa
