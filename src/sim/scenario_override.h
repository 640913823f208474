// Scenario overrides: change one value of a scenario file by its YAML path before the scenario
// is built (`hexa simulate --set PATH=VALUE`, and each variant of `--compare PATH=a,b,c`).
//
// A path is dot-separated segments from the top of the file. A segment addresses a map key, or
// a list item by index (`sites.0`) or by its `name:` (`cluster.sites.mulhouse.price_factor`).
// A missing map key is created (the scenario reader then checks it as if it were in the file,
// so a typo is still an "unknown key"); a list item that does not exist is an error. The value
// is YAML: `las`, `0.9`, `[45, 50]`, `2025-03-01`. Short aliases: policy, placement,
// site_choice, seed (docs/simulator.md).
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/status.h"

namespace hexa {

struct Override {
  std::string flag;   // "--set" or "--compare": named in every message
  std::string knob;   // as given: "policy"
  std::string path;   // aliases expanded: "scheduler.policy"
  std::string value;  // YAML text
  // "--set scheduler.policy=las", for messages.
  std::string text() const { return flag + " " + knob + "=" + value; }
  // "policy=las", a column label.
  std::string label() const { return knob + "=" + value; }
};

// The YAML path a knob stands for: an alias's path, or the knob itself.
std::string override_path(const std::string& knob);

// "PATH=VALUE". Errors (naming `flag`): no '=', empty path or segment, empty value.
Result<Override> parse_override(const std::string& flag, const std::string& text);

// "KNOB=a,b[,c...]": one override per value, in order. Commas inside [...] or {...} belong to
// the value. Errors: as parse_override, and an empty list or an empty item.
Result<std::vector<Override>> parse_compare(const std::string& flag, const std::string& text);

// Sets the value in `root` (a parsed scenario file). Errors name the override and the segment:
// a list item that does not exist, a path through a plain value, a value that is not YAML.
Status apply_override(YAML::Node& root, const Override& o);

}  // namespace hexa
