#include "sim/scenario_override.h"

#include <cctype>
#include <map>

namespace hexa {
namespace {

const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> a = {
      {"policy", "scheduler.policy"},
      {"placement", "scheduler.placement"},
      {"site_choice", "scheduler.site_choice"},
      {"site-choice", "scheduler.site_choice"},
      {"slice_placement", "scheduler.slice_placement"},
      {"seed", "seed"},
  };
  return a;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out(1);
  for (char c : path) {
    if (c == '.')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

std::string joined(const std::vector<std::string>& segs, std::size_t upto) {
  std::string s;
  for (std::size_t i = 0; i < upto && i < segs.size(); ++i) s += (i ? "." : "") + segs[i];
  return s.empty() ? "(top)" : s;
}

bool is_index(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Walks `node` down segs[i..], creating missing map keys, and sets the last one to `value`.
// yaml-cpp nodes are handles: a child is taken into a fresh Node (never assigned over `node`,
// which would overwrite the tree).
Status set_at(YAML::Node node, const std::vector<std::string>& segs, std::size_t i, const YAML::Node& value,
              const Override& o) {
  const std::string& seg = segs[i];
  const bool last = i + 1 == segs.size();
  auto bad = [&](const std::string& why) { return Status::Invalid(o.text() + ": " + joined(segs, i + 1) + ": " + why); };
  if (node.IsSequence()) {
    std::size_t at = node.size();
    if (is_index(seg)) {
      at = std::stoul(seg);
      if (at >= node.size())
        return bad("no item " + seg + " in a list of " + std::to_string(node.size()));
    } else {
      std::string names;
      for (std::size_t k = 0; k < node.size() && at == node.size(); ++k) {
        if (!node[k].IsMap() || !node[k]["name"] || !node[k]["name"].IsScalar()) continue;
        if (node[k]["name"].Scalar() == seg) at = k;
        names += (names.empty() ? "" : ", ") + node[k]["name"].Scalar();
      }
      if (at == node.size())
        return bad("no item named '" + seg + "' in " + joined(segs, i) +
                   (names.empty() ? " (its items have no names: use an index)" : " (items: " + names + ")"));
    }
    if (last) {
      node[at] = value;
      return Status::Ok();
    }
    return set_at(node[at], segs, i + 1, value, o);
  }
  if (node.IsScalar()) return Status::Invalid(o.text() + ": " + joined(segs, i) + ": is a plain value, not a map or list");
  // A map, or nothing yet (a key without a value): keys are created as needed.
  if (last) {
    node[seg] = value;
    return Status::Ok();
  }
  if (!node[seg] || node[seg].IsNull()) node[seg] = YAML::Node(YAML::NodeType::Map);
  return set_at(node[seg], segs, i + 1, value, o);
}

}  // namespace

std::string override_path(const std::string& knob) {
  auto it = aliases().find(knob);
  return it == aliases().end() ? knob : it->second;
}

Result<Override> parse_override(const std::string& flag, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos)
    return Status::Invalid(flag + " '" + text + "': expected PATH=VALUE (e.g. scheduler.policy=las)");
  Override o{flag, text.substr(0, eq), "", text.substr(eq + 1)};
  o.path = override_path(o.knob);
  for (const std::string& seg : split_path(o.path))
    if (seg.empty() || seg.find_first_of(" \t") != std::string::npos)
      return Status::Invalid(o.text() + ": path '" + o.knob + "' has an empty segment or a blank (expected a.b.c)");
  if (o.value.empty()) return Status::Invalid(o.text() + ": no value after '='");
  return o;
}

Result<std::vector<Override>> parse_compare(const std::string& flag, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos)
    return Status::Invalid(flag + " '" + text + "': expected KNOB=a,b[,c...] (e.g. policy=las,fair)");
  const std::string knob = text.substr(0, eq), list = text.substr(eq + 1);
  if (list.empty()) return Status::Invalid(flag + " " + text + ": no values; expected KNOB=a,b[,c...]");
  std::vector<std::string> values(1);
  int depth = 0;
  for (char c : list) {
    depth += c == '[' || c == '{';
    depth -= (c == ']' || c == '}') && depth > 0;
    if (c == ',' && depth == 0)
      values.emplace_back();
    else
      values.back() += c;
  }
  std::vector<Override> out;
  for (const std::string& v : values) {
    if (v.empty()) return Status::Invalid(flag + " " + text + ": an empty value in the list");
    auto o = parse_override(flag, knob + "=" + v);
    if (!o.ok()) return o.status();
    for (const Override& seen : out)
      if (seen.value == v) return Status::Invalid(flag + " " + text + ": value '" + v + "' given twice");
    out.push_back(std::move(o).value());
  }
  return out;
}

Status apply_override(YAML::Node& root, const Override& o) {
  YAML::Node value;
  try {
    value = YAML::Load(o.value);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(o.text() + ": '" + o.value + "' is not a YAML value: " + e.msg);
  }
  if (!root.IsMap()) return Status::Invalid(o.text() + ": the scenario file is not a map");
  return set_at(root, split_path(o.path), 0, value, o);
}

}  // namespace hexa
