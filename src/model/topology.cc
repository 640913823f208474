#include "model/topology.h"

#include "model/units.h"

namespace hexa {

Result<SiteId> Topology::add_site(std::string_view name) {
  if (name.empty()) return Status::Invalid("site name: must not be empty");
  if (site_names_.find(name)) return Status::Invalid("site '" + std::string(name) + "': declared twice");
  if (sites_.size() >= kMaxSites) return Status::Invalid("sites: at most 64 sites");
  SiteId id = site_names_.intern(name);
  SiteInfo info{std::string(name), {}, {}};
  info.profile.region = std::string(name);
  sites_.push_back(std::move(info));
  return id;
}

Result<BlockId> Topology::add_block(SiteId site, std::string_view name, std::string_view gpu_type) {
  if (site >= sites_.size()) return Status::Invalid("block: unknown site");
  if (gpu_type.empty()) return Status::Invalid("gpu_type: must not be empty");
  if (!types_.find(gpu_type) && types_.size() >= kMaxGpuTypes)
    return Status::Invalid("gpu_type: at most 64 GPU types");
  auto id = static_cast<BlockId>(blocks_.size());
  blocks_.push_back(BlockInfo{std::string(name), site, types_.intern(gpu_type), {}});
  sites_[site].blocks.push_back(id);
  return id;
}

Result<NodeId> Topology::add_node(BlockId block, std::string_view name, int gpus) {
  if (block >= blocks_.size()) return Status::Invalid("node: unknown block");
  if (gpus < 1 || gpus > kMaxGpusPerNode)
    return Status::Invalid("gpus_per_node: must be between 1 and 64, got " + std::to_string(gpus));
  if (name.empty()) return Status::Invalid("node name: must not be empty");
  if (node_names_.find(name)) return Status::Invalid("node '" + std::string(name) + "': declared twice");
  auto id = static_cast<NodeId>(nodes_.size());
  node_names_.intern(name);
  const BlockInfo& b = blocks_[block];
  nodes_.push_back(NodeInfo{std::string(name), b.site, block, b.type, gpus, b.sliced});
  blocks_[block].nodes.push_back(id);
  total_gpus_ += gpus;
  if (b.sliced) sliced_gpus_ += gpus;
  return id;
}

Status Topology::set_profile(SiteId site, const SiteProfile& p) {
  if (site >= sites_.size()) return Status::Invalid("site: unknown site");
  if (p.provider.empty()) return Status::Invalid("provider: must not be empty");
  if (p.price_factor_bps < 1 || p.price_factor_bps > 1000000)
    return Status::Invalid("price_factor: must be between 0.0001 and 100");
  if (p.pue_milli < 1000 || p.pue_milli > 5000) return Status::Invalid("pue: must be between 1.0 and 5.0");
  for (int c : p.carbon)
    if (c < 0 || c > 5000) return Status::Invalid("carbon_g_per_kwh: must be between 0 and 5000");
  sites_[site].profile = p;
  if (sites_[site].profile.region.empty()) sites_[site].profile.region = sites_[site].name;
  return Status::Ok();
}

Status Topology::set_type_watts(std::string_view gpu_type, int watts) {
  auto t = types_.find(gpu_type);
  if (!t) return Status::Invalid("gpu_types: no block has GPU type '" + std::string(gpu_type) + "'");
  if (watts < 1 || watts > 10000) return Status::Invalid("watts: must be between 1 and 10000");
  if (type_watts_.size() <= *t) type_watts_.resize(*t + 1, 0);
  type_watts_[*t] = watts;
  return Status::Ok();
}

Status Topology::set_slice_profiles(std::vector<SliceProfile> table) {
  if (Status st = check_slice_profiles(table); !st.ok()) return st;
  slice_profiles_ = std::move(table);
  return Status::Ok();
}

Status Topology::set_sliced(BlockId block) {
  if (block >= blocks_.size()) return Status::Invalid("slices: unknown block");
  if (blocks_[block].sliced) return Status::Ok();
  blocks_[block].sliced = true;
  for (NodeId n : blocks_[block].nodes) {
    nodes_[n].sliced = true;
    sliced_gpus_ += nodes_[n].gpus;
  }
  return Status::Ok();
}

std::optional<int> Topology::find_slice(std::string_view name) const {
  for (std::size_t i = 0; i < slice_profiles_.size(); ++i)
    if (slice_profiles_[i].name == name) return static_cast<int>(i + 1);
  return std::nullopt;
}

std::string Topology::slice_names() const {
  std::string out;
  for (const SliceProfile& p : slice_profiles_) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

Status Topology::add_downtime(Downtime d) {
  const std::string what = "downtime '" + d.name + "'";
  if (d.nodes.empty()) return Status::Invalid(what + ": has no nodes");
  if (d.from < 0 || d.to <= d.from) return Status::Invalid(what + ": its window must end after it begins");
  for (NodeId n : d.nodes) {
    if (n >= nodes_.size()) return Status::Invalid(what + ": unknown node " + std::to_string(n));
    if (nodes_[n].site != nodes_[d.nodes[0]].site || nodes_[n].type != nodes_[d.nodes[0]].type)
      return Status::Invalid(what + ": its nodes must be of one site and one GPU type");
  }
  downtimes_.push_back(std::move(d));
  return Status::Ok();
}

long Topology::site_gpus(SiteId site, TypeMask types) const {
  long n = 0;
  for (BlockId b : sites_[site].blocks) {
    if (!allows(types, blocks_[b].type)) continue;
    for (NodeId node : blocks_[b].nodes) n += nodes_[node].gpus;
  }
  return n;
}

static std::string set_name(std::uint64_t mask, const Interner& names, const char* any) {
  if (mask == 0) return any;
  std::string out;
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    if (!(mask & bit(i))) continue;
    if (!out.empty()) out += '|';
    out += names.name(i);
  }
  return out;
}

SiteMask Topology::provider_sites(std::string_view provider) const {
  SiteMask mask = 0;
  for (SiteId s = 0; s < sites_.size(); ++s)
    if (sites_[s].profile.provider == provider) mask |= bit(s);
  return mask;
}

std::string Topology::site_set_name(SiteMask mask) const { return set_name(mask, site_names_, "any site"); }
std::string Topology::type_set_name(TypeMask mask) const { return set_name(mask, types_, "any type"); }

}  // namespace hexa
