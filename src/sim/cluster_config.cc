// Cluster descriptions: the NODESxGPUS shorthand, YAML files (docs/cluster-format.md) and the
// Alibaba GPU-2023 node list. Every error names where it is and the rule; no exception escapes.
#include "sim/cluster_config.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <vector>

#include "model/units.h"
#include "sim/csv.h"

namespace hexa {

namespace {

constexpr std::int64_t kMaxNodes = 1'000'000;  // in the whole cluster
constexpr int kNodesPerBlock = 8;              // shorthand and node lists: one block = 8 nodes
constexpr std::int64_t kMaxCount = 100'000;    // YAML count and nodes of one entry

struct NodeSpec {
  std::string name;
  int gpus = 0;
};

// Adds `nodes` to `site` in blocks of 8, named block_name(0), block_name(1), ...
template <class Name>
Status add_in_blocks(Topology& topo, SiteId site, std::string_view type, const std::vector<NodeSpec>& nodes,
                     Name block_name) {
  BlockId block = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i % kNodesPerBlock == 0) {
      auto b = topo.add_block(site, block_name(i / kNodesPerBlock), type);
      if (!b.ok()) return b.status();
      block = *b;
    }
    if (auto n = topo.add_node(block, nodes[i].name, nodes[i].gpus); !n.ok()) return n.status();
  }
  return Status::Ok();
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "80x8" -> {"80", "8"}; anything else (not digits 'x' digits) -> nullopt.
std::optional<std::pair<std::string_view, std::string_view>> shorthand_parts(std::string_view text) {
  std::size_t x = text.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  std::string_view nodes = text.substr(0, x), gpus = text.substr(x + 1);
  if (!all_digits(nodes) || !all_digits(gpus)) return std::nullopt;
  return std::make_pair(nodes, gpus);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<Topology> cluster_from_shorthand(const std::string& text) {
  auto parts = shorthand_parts(text);
  if (!parts) return Status::Invalid("--cluster: expected NODESxGPUS (e.g. 80x8), got '" + text + "'");
  std::optional<std::int64_t> nodes = csv::to_int(parts->first), gpus = csv::to_int(parts->second);
  if (!nodes || *nodes < 1 || *nodes > kMaxNodes)
    return Status::Invalid("--cluster " + text + ": NODES must be an integer between 1 and 1000000, got '" +
                           std::string(parts->first) + "'");
  if (!gpus || *gpus < 1 || *gpus > kMaxGpusPerNode)
    return Status::Invalid("--cluster " + text + ": GPUS must be an integer between 1 and 64, got '" +
                           std::string(parts->second) + "'");
  std::vector<NodeSpec> specs(static_cast<std::size_t>(*nodes));
  for (std::size_t i = 0; i < specs.size(); ++i)
    specs[i] = {"n" + std::to_string(i), static_cast<int>(*gpus)};
  Topology topo;
  auto site = topo.add_site("site0");
  if (!site.ok()) return site.status();
  Status st = add_in_blocks(topo, *site, "gpu", specs, [](std::size_t b) { return "b" + std::to_string(b); });
  if (!st.ok()) return Status::Invalid("--cluster " + text + ": " + st.message());
  return topo;
}

namespace {

// A value for messages. REQUIRES nothing: a missing key's node throws on Type(), so check first.
std::string describe(const YAML::Node& n) {
  if (!n.IsDefined()) return "nothing";
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

// Builds a Topology from a YAML description, checking every value; `where` prefixes messages.
class YamlCluster {
 public:
  explicit YamlCluster(const std::string& where) : where_(where) {}
  Result<Topology> build(const YAML::Node& root);

 private:
  Status fail(const std::string& path, const std::string& rule) const {
    return Status::Invalid(where_ + ": " + (path.empty() ? "" : path + ": ") + rule);
  }
  Status check_keys(const YAML::Node& map, const std::string& path,
                    std::initializer_list<std::string_view> allowed) const;
  Result<std::int64_t> integer(const YAML::Node& map, const std::string& path, const char* key,
                               std::int64_t lo, std::int64_t hi, std::optional<std::int64_t> def) const;
  Result<std::string> name(const YAML::Node& map, const std::string& path, const char* key,
                           bool required) const;
  // A decimal number in [lo, hi], scaled to an integer (1.2 x 1000 = 1200).
  Result<int> fixed(const YAML::Node& map, const std::string& path, const char* key, double lo, double hi,
                    double scale, int def) const;
  Status site(const YAML::Node& node, const std::string& path);
  Status profile(const YAML::Node& node, const std::string& path, SiteId site);
  Status gpu_types(const YAML::Node& node);
  Status slice_profiles(const YAML::Node& node);
  // slices: mig | none on a block entry; true when its GPUs are sliced.
  Result<bool> slices(const YAML::Node& map, const std::string& path) const;
  Status block(const YAML::Node& node, const std::string& path, const std::string& site_name, SiteId site);
  // online_day and maintenance of a site or block entry: downtimes of the nodes it added.
  Status timeline(const YAML::Node& node, const std::string& path, const std::string& what, const std::string& id,
                  NodeId first);
  Result<TimeMs> day(const YAML::Node& map, const std::string& path, const char* key) const;
  Status add_block(const std::string& path, const std::string& block_name, SiteId site,
                   const std::string& type, std::int64_t nodes, std::int64_t gpus, bool sliced);

  const std::string& where_;
  Topology topo_;
  std::int64_t nodes_ = 0;
  std::size_t site_blocks_ = 0;                               // blocks so far in the current site
  std::unordered_map<std::string, std::string> block_paths_;  // block name -> where declared
};

Result<Topology> YamlCluster::build(const YAML::Node& root) {
  if (!root.IsMap()) return fail("", "must be a map with key 'sites', got " + describe(root));
  if (Status st = check_keys(root, "", {"sites", "gpu_types", "slice_profiles"}); !st.ok()) return st;
  if (root["slice_profiles"].IsDefined())  // first: blocks name it
    if (Status st = slice_profiles(root["slice_profiles"]); !st.ok()) return st;
  const YAML::Node sites = root["sites"];
  if (!sites.IsDefined() || !sites.IsSequence() || sites.size() == 0)
    return fail("sites", "must be a non-empty list of sites, got " + describe(sites));
  for (std::size_t i = 0; i < sites.size(); ++i)
    if (Status st = site(sites[i], "sites[" + std::to_string(i) + "]"); !st.ok()) return st;
  if (root["gpu_types"].IsDefined())
    if (Status st = gpu_types(root["gpu_types"]); !st.ok()) return st;
  return std::move(topo_);
}

// Unknown keys are errors: a typo ("gpus_per_nodes") must not fall back to a default silently.
Status YamlCluster::check_keys(const YAML::Node& map, const std::string& path,
                               std::initializer_list<std::string_view> allowed) const {
  if (!map.IsMap()) return fail(path, "must be a map, got " + describe(map));
  std::vector<std::string> seen;
  for (const auto& kv : map) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : describe(kv.first);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return fail(path, "unknown key '" + key + "'; expected one of: " + list);
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return fail(path, "key '" + key + "' given twice");
    seen.push_back(key);
  }
  return Status::Ok();
}

Result<std::int64_t> YamlCluster::integer(const YAML::Node& map, const std::string& path, const char* key,
                                          std::int64_t lo, std::int64_t hi,
                                          std::optional<std::int64_t> def) const {
  const YAML::Node n = map[key];
  std::string rule = "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
  if (!n.IsDefined()) {
    if (def) return *def;
    return fail(path + "." + key, "is required (" + rule + ")");
  }
  std::optional<std::int64_t> v = n.IsScalar() ? csv::to_int(n.Scalar()) : std::nullopt;
  if (!v || *v < lo || *v > hi) return fail(path + "." + key, rule + ", got " + describe(n));
  return *v;
}

// Names end up in job constraints ("H100|A100") and CSV cells: no separators or blanks.
Result<std::string> YamlCluster::name(const YAML::Node& map, const std::string& path, const char* key,
                                      bool required) const {
  const YAML::Node n = map[key];
  if (!n.IsDefined() && !required) return std::string();
  const char* rule = "must be a non-empty name without blanks, ',' or '|'";
  if (!n.IsDefined()) return fail(path + "." + key, std::string("is required; ") + rule);
  if (!n.IsScalar() || n.Scalar().empty() || n.Scalar().find_first_of(" \t,|") != std::string::npos)
    return fail(path + "." + key, std::string(rule) + ", got " + describe(n));
  return n.Scalar();
}

Result<int> YamlCluster::fixed(const YAML::Node& map, const std::string& path, const char* key, double lo,
                               double hi, double scale, int def) const {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) return def;
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !(v >= lo && v <= hi))
  {
    char rule[80];
    std::snprintf(rule, sizeof rule, "must be a number between %g and %g", lo, hi);
    return fail(path + "." + key, std::string(rule) + ", got " + describe(n));
  }
  return static_cast<int>(std::lround(v * scale));
}

// provider, region, price_factor, pue, carbon_g_per_kwh (one figure, or 24: one per UTC hour).
Status YamlCluster::profile(const YAML::Node& node, const std::string& path, SiteId site) {
  SiteProfile p;
  auto provider = name(node, path, "provider", false);
  auto region = name(node, path, "region", false);
  auto price = fixed(node, path, "price_factor", 0.0001, 100, 10000, 10000);
  auto pue = fixed(node, path, "pue", 1, 5, 1000, 1000);
  for (const Status& st : {provider.status(), region.status(), price.status(), pue.status()})
    if (!st.ok()) return st;
  if (!provider->empty()) p.provider = *provider;
  p.region = *region;
  p.price_factor_bps = *price;
  p.pue_milli = *pue;
  const YAML::Node c = node["carbon_g_per_kwh"];
  const std::string cpath = path + ".carbon_g_per_kwh";
  const char* rule = "must be a figure of gCO2e/kWh (0 to 5000), or a list of 24, one per UTC hour";
  if (c.IsDefined()) {
    std::vector<std::int64_t> v;
    for (const YAML::Node& n : c.IsSequence() ? c : YAML::Node(std::vector<YAML::Node>{c})) {
      auto x = n.IsScalar() ? csv::to_int(n.Scalar()) : std::nullopt;
      if (!x || *x < 0 || *x > 5000) return fail(cpath, std::string(rule) + ", got " + describe(c));
      v.push_back(*x);
    }
    if (v.size() != 1 && v.size() != 24) return fail(cpath, std::string(rule) + ", got " + std::to_string(v.size()) + " figures");
    for (std::size_t h = 0; h < 24; ++h) p.carbon[h] = static_cast<int>(v.size() == 1 ? v[0] : v[h]);
  }
  if (Status st = topo_.set_profile(site, p); !st.ok()) return fail(path, st.message());
  return Status::Ok();
}

// gpu_types: {H100: {watts: 700}}: what a GPU of each type draws, for energy and carbon.
Status YamlCluster::gpu_types(const YAML::Node& node) {
  if (!node.IsMap()) return fail("gpu_types", "must be a map of GPU type to {watts}, got " + describe(node));
  for (const auto& kv : node) {
    const std::string type = kv.first.Scalar(), path = "gpu_types." + type;
    if (Status st = check_keys(kv.second, path, {"watts"}); !st.ok()) return st;
    auto watts = integer(kv.second, path, "watts", 1, 10000, std::nullopt);
    if (!watts.ok()) return watts.status();
    if (Status st = topo_.set_type_watts(type, static_cast<int>(*watts)); !st.ok()) return fail(path, st.message());
  }
  return Status::Ok();
}

// slice_profiles: [{name: 1g.10gb, compute: 1, memory: 1, starts: [0, 1, 2]}, ...]: replaces the
// built-in H100-like table (model/slice_profile.h).
Status YamlCluster::slice_profiles(const YAML::Node& node) {
  if (!node.IsSequence() || node.size() == 0)
    return fail("slice_profiles", "must be a non-empty list of {name, compute, memory, starts}, got " + describe(node));
  std::vector<SliceProfile> table;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = "slice_profiles[" + std::to_string(i) + "]";
    if (Status st = check_keys(node[i], path, {"name", "compute", "memory", "starts"}); !st.ok()) return st;
    auto n = name(node[i], path, "name", true);
    if (!n.ok()) return n.status();
    auto compute = integer(node[i], path, "compute", 1, kSliceCompute, std::nullopt);
    if (!compute.ok()) return compute.status();
    auto memory = integer(node[i], path, "memory", 1, kSliceSlots, std::nullopt);
    if (!memory.ok()) return memory.status();
    SliceProfile p{*n, static_cast<int>(*compute), static_cast<int>(*memory), 0};
    if (const YAML::Node starts = node[i]["starts"]; starts.IsDefined()) {
      const char* rule = "must be a non-empty list of start offsets, memory slots 0 to 7";
      if (!starts.IsSequence() || starts.size() == 0) return fail(path + ".starts", std::string(rule) + ", got " + describe(starts));
      for (const YAML::Node& x : starts) {
        auto v = x.IsScalar() ? csv::to_int(x.Scalar()) : std::nullopt;
        if (!v || *v < 0 || *v >= kSliceSlots) return fail(path + ".starts", std::string(rule) + ", got " + describe(x));
        p.starts = static_cast<std::uint8_t>(p.starts | (1u << *v));
      }
    }
    table.push_back(std::move(p));
  }
  if (Status st = topo_.set_slice_profiles(std::move(table)); !st.ok()) return fail("slice_profiles", st.message());
  return Status::Ok();
}

Result<bool> YamlCluster::slices(const YAML::Node& map, const std::string& path) const {
  const YAML::Node n = map["slices"];
  if (!n.IsDefined()) return false;
  if (n.IsScalar() && (n.Scalar() == "mig" || n.Scalar() == "none")) return n.Scalar() == "mig";
  return fail(path + ".slices", "must be 'mig' (GPUs partitioned into slices, for slice jobs only) or 'none', got " +
                                    describe(n));
}

Status YamlCluster::site(const YAML::Node& node, const std::string& path) {
  if (Status st = check_keys(node, path, {"name", "blocks", "provider", "region", "price_factor", "pue",
                                          "carbon_g_per_kwh", "online_day", "maintenance"});
      !st.ok())
    return st;
  auto site_name = name(node, path, "name", true);
  if (!site_name.ok()) return site_name.status();
  auto id = topo_.add_site(*site_name);
  if (!id.ok()) return fail(path + ".name", id.status().message());
  const YAML::Node blocks = node["blocks"];
  if (!blocks.IsDefined() || !blocks.IsSequence() || blocks.size() == 0)
    return fail(path + ".blocks", "must be a non-empty list of blocks, got " + describe(blocks));
  site_blocks_ = 0;
  auto first = static_cast<NodeId>(topo_.nodes().size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    Status st = block(blocks[i], path + ".blocks[" + std::to_string(i) + "]", *site_name, *id);
    if (!st.ok()) return st;
  }
  if (Status st = timeline(node, path, "site " + *site_name, *site_name, first); !st.ok()) return st;
  return profile(node, path, *id);
}

Result<TimeMs> YamlCluster::day(const YAML::Node& map, const std::string& path, const char* key) const {
  const YAML::Node n = map[key];
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !(v >= 0 && v <= 36500))
    return fail(path + "." + key, "must be a number of days between 0 and 36500, got " + describe(n));
  return static_cast<TimeMs>(std::llround(v * static_cast<double>(kDay)));
}

// online_day: D (days from the start of the run), maintenance: [{start_day, hours}]. Each
// becomes a downtime per GPU type of the nodes this entry declared.
Status YamlCluster::timeline(const YAML::Node& node, const std::string& path, const std::string& what,
                             const std::string& id, NodeId first) {
  std::map<TypeId, std::vector<NodeId>> by_type;
  for (auto n = first; n < topo_.nodes().size(); ++n) by_type[topo_.node(n).type].push_back(n);
  auto add = [&](const std::string& name, const std::string& why, TimeMs from, TimeMs to) -> Status {
    for (auto& [type, nodes] : by_type) {
      std::string suffix = by_type.size() > 1 ? "-" + topo_.types().name(type) : "";
      if (Status st = topo_.add_downtime({name + suffix, why, nodes, from, to}); !st.ok()) return fail(path, st.message());
    }
    return Status::Ok();
  };
  if (node["online_day"].IsDefined()) {
    auto online = day(node, path, "online_day");
    if (!online.ok()) return online.status();
    if (*online > 0)
      if (Status st = add(id + "-offline", what + " not online", 0, *online); !st.ok()) return st;
  }
  const YAML::Node m = node["maintenance"];
  if (!m.IsDefined()) return Status::Ok();
  if (!m.IsSequence()) return fail(path + ".maintenance", "must be a list of {start_day, hours}, got " + describe(m));
  for (std::size_t i = 0; i < m.size(); ++i) {
    const std::string mp = path + ".maintenance[" + std::to_string(i) + "]";
    if (Status st = check_keys(m[i], mp, {"start_day", "hours"}); !st.ok()) return st;
    auto from = day(m[i], mp, "start_day");
    if (!from.ok()) return from.status();
    auto hours = integer(m[i], mp, "hours", 1, 8760, std::nullopt);
    if (!hours.ok()) return hours.status();
    std::string name = id + "-maintenance-" + std::to_string(i);
    if (Status st = add(name, "maintenance of " + what, *from, *from + *hours * kHour); !st.ok()) return st;
  }
  return Status::Ok();
}

Status YamlCluster::block(const YAML::Node& node, const std::string& path, const std::string& site_name,
                          SiteId site) {
  if (Status st = check_keys(node, path, {"count", "nodes", "gpus_per_node", "gpu_type", "name", "online_day",
                                          "maintenance", "slices"});
      !st.ok())
    return st;
  auto sliced = slices(node, path);
  if (!sliced.ok()) return sliced.status();
  auto count = integer(node, path, "count", 1, kMaxCount, 1);
  if (!count.ok()) return count.status();
  auto nodes = integer(node, path, "nodes", 1, kMaxCount, std::nullopt);
  if (!nodes.ok()) return nodes.status();
  auto gpus = integer(node, path, "gpus_per_node", 1, kMaxGpusPerNode, std::nullopt);
  if (!gpus.ok()) return gpus.status();
  auto type = name(node, path, "gpu_type", true);
  if (!type.ok()) return type.status();
  auto prefix = name(node, path, "name", false);
  if (!prefix.ok()) return prefix.status();
  if (nodes_ + *count * *nodes > kMaxNodes)
    return fail(path, "the cluster would have more than " + std::to_string(kMaxNodes) + " nodes");
  auto first = static_cast<NodeId>(topo_.nodes().size());
  std::string first_block, last_block;
  for (std::int64_t k = 0; k < *count; ++k) {
    std::string block_name = prefix->empty() ? site_name + "-b" + std::to_string(site_blocks_)
                             : *count == 1   ? *prefix
                                             : *prefix + std::to_string(k);
    if (k == 0) first_block = block_name;
    last_block = block_name;
    ++site_blocks_;
    if (Status st = add_block(path, block_name, site, *type, *nodes, *gpus, *sliced); !st.ok()) return st;
  }
  std::string what = *count == 1 ? "block " + first_block : "blocks " + first_block + " to " + last_block;
  return timeline(node, path, what, first_block, first);
}

Status YamlCluster::add_block(const std::string& path, const std::string& block_name, SiteId site,
                              const std::string& type, std::int64_t nodes, std::int64_t gpus, bool sliced) {
  auto [it, fresh] = block_paths_.try_emplace(block_name, path);
  if (!fresh) return fail(path + ".name", "block '" + block_name + "' already declared at " + it->second);
  auto b = topo_.add_block(site, block_name, type);
  if (!b.ok()) return fail(path, b.status().message());
  if (sliced)
    if (Status st = topo_.set_sliced(*b); !st.ok()) return fail(path + ".slices", st.message());
  for (std::int64_t j = 0; j < nodes; ++j) {
    auto n = topo_.add_node(*b, block_name + "-n" + std::to_string(j), static_cast<int>(gpus));
    if (!n.ok()) return fail(path, n.status().message());
  }
  nodes_ += nodes;
  return Status::Ok();
}

}  // namespace

Result<Topology> cluster_from_yaml(const YAML::Node& root, const std::string& where) {
  // yaml-cpp reports bad access and conversions by exceptions; none may leave this layer.
  try {
    return YamlCluster(where).build(root);
  } catch (const YAML::Exception& e) {
    std::string line = e.mark.is_null() ? "" : " (line " + std::to_string(e.mark.line + 1) + ")";
    return Status::Invalid(where + ": " + e.msg + line);
  } catch (const std::exception& e) {
    return Status::Invalid(where + ": " + e.what());
  }
}

Result<Topology> load_cluster_yaml(const std::string& path) {
  auto text = csv::read_file(path);
  if (!text.ok()) return text.status();
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Status::Invalid(path + ": YAML syntax: " + e.msg);
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax: " + e.msg);
  }
  return cluster_from_yaml(root, path);
}

namespace {

constexpr std::string_view kNodeHeader = "sn,cpu_milli,memory_mib,gpu,model";
constexpr std::int64_t kMaxAmount = 1'000'000'000'000;  // cpu_milli, memory_mib: sanity only

// Reads the node list, grouping GPU nodes by model in order of first appearance.
class NodeListReader {
 public:
  explicit NodeListReader(const std::string& path) : path_(path) {}

  Status line(const csv::Line& line) {
    csv::Where at{path_, line.number};
    std::vector<std::string_view> f = csv::split(line.text);
    if (!header_seen_) {
      header_seen_ = true;
      return csv::check_header(at, f, kNodeHeader);
    }
    if (Status st = csv::check_count(at, f.size(), 5); !st.ok()) return st;
    return node(at, f);
  }

  Result<Topology> finish();

 private:
  Status node(const csv::Where& at, const std::vector<std::string_view>& f);

  const std::string& path_;
  bool header_seen_ = false;
  csv::IdSet ids_;
  std::vector<std::pair<std::string, std::vector<NodeSpec>>> models_;
  std::unordered_map<std::string, std::size_t> model_index_;
};

Status NodeListReader::node(const csv::Where& at, const std::vector<std::string_view>& f) {
  if (Status st = ids_.add(at, "sn", f[0]); !st.ok()) return st;
  if (auto r = csv::int_field(at, "cpu_milli", f[1], 0, kMaxAmount); !r.ok()) return r.status();
  if (auto r = csv::int_field(at, "memory_mib", f[2], 0, kMaxAmount); !r.ok()) return r.status();
  auto gpus = csv::int_field(at, "gpu", f[3], 0, kMaxGpusPerNode);
  if (!gpus.ok()) return gpus.status();
  if (*gpus == 0) return Status::Ok();  // a CPU-only node: nothing to schedule GPU jobs on
  if (f[4].empty() || f[4].find_first_of(" \t|") != std::string_view::npos)
    return csv::bad(at, "model",
                    "must be a GPU type name without blanks or '|', got '" + std::string(f[4]) + "'");
  auto [it, fresh] = model_index_.try_emplace(std::string(f[4]), models_.size());
  if (fresh) models_.emplace_back(std::string(f[4]), std::vector<NodeSpec>());
  models_[it->second].second.push_back({std::string(f[0]), static_cast<int>(*gpus)});
  return Status::Ok();
}

Result<Topology> NodeListReader::finish() {
  if (!header_seen_)
    return Status::Invalid(path_ + ": empty file; expected header '" + std::string(kNodeHeader) + "'");
  if (models_.empty()) return Status::Invalid(path_ + ": no GPU nodes (every node has gpu = 0)");
  Topology topo;
  auto site = topo.add_site("alibaba");
  if (!site.ok()) return site.status();
  for (const auto& entry : models_) {  // no structured binding: clang 14 cannot capture one
    const std::string& model = entry.first;
    Status st = add_in_blocks(topo, *site, model, entry.second,
                              [&](std::size_t b) { return model + "-b" + std::to_string(b); });
    if (!st.ok()) return Status::Invalid(path_ + ": model '" + model + "': " + st.message());
  }
  return topo;
}

}  // namespace

Result<Topology> load_alibaba_nodes(const std::string& path) {
  NodeListReader reader(path);
  Status st = csv::for_each_line(path, [&](const csv::Line& l) { return reader.line(l); });
  if (!st.ok()) return st;
  return reader.finish();
}

Result<Topology> load_cluster(const std::string& spec) {
  if (shorthand_parts(spec)) return cluster_from_shorthand(spec);
  if (ends_with(spec, ".yaml") || ends_with(spec, ".yml")) return load_cluster_yaml(spec);
  if (ends_with(spec, ".csv")) return load_alibaba_nodes(spec);
  return Status::Invalid(
      "--cluster: expected NODESxGPUS (e.g. 80x8), a .yaml file or an Alibaba node list .csv, got '" + spec +
      "'");
}

}  // namespace hexa
