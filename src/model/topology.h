// Topology: sites -> blocks (a rack or network domain) -> nodes -> GPUs.
// A block holds nodes of one GPU type; a node has 1..64 GPUs. Built once, then read-only.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "model/ids.h"
#include "model/interner.h"
#include "model/slice_profile.h"
#include "model/status.h"
#include "model/units.h"

namespace hexa {

// What a site is beyond its GPUs: who runs it, what it costs and what it emits.
struct SiteProfile {
  std::string provider = "default";
  std::string region;              // "" = the site's name
  int price_factor_bps = 10000;    // price multiplier in basis points: 11000 = 10% dearer
  int pue_milli = 1000;            // power usage effectiveness x 1000: 1200 = 1.2
  std::array<int, 24> carbon{};    // grid carbon intensity, gCO2e/kWh, by hour of the day (UTC)
  bool operator==(const SiteProfile&) const = default;
};

// Planned downtime: nodes out of service over [from, to): a site or block not online yet, or
// maintenance. The core keeps each as a reservation for nobody (engine/advance_reservations.h).
struct Downtime {
  std::string name;  // unique among downtimes
  std::string why;   // for people: "site mulhouse not online until day 60"
  std::vector<NodeId> nodes;
  TimeMs from = 0, to = 0;
};

struct SiteInfo {
  std::string name;
  std::vector<BlockId> blocks;
  SiteProfile profile;
};

struct BlockInfo {
  std::string name;
  SiteId site = 0;
  TypeId type = 0;
  std::vector<NodeId> nodes;
  bool sliced = false;  // its GPUs are partitioned into slices and serve slice jobs only
};

struct NodeInfo {
  std::string name;
  SiteId site = 0;
  BlockId block = 0;
  TypeId type = 0;
  int gpus = 0;
  bool sliced = false;  // as its block
};

class Topology {
 public:
  // Builders. Each checks its input and changes nothing when it fails.
  Result<SiteId> add_site(std::string_view name);
  Result<BlockId> add_block(SiteId site, std::string_view name, std::string_view gpu_type);
  Result<NodeId> add_node(BlockId block, std::string_view name, int gpus);
  // Errors: unknown site, price factor or PUE out of range, carbon intensity negative.
  Status set_profile(SiteId site, const SiteProfile& profile);
  // Power draw of one GPU of a type, watts (0 = unknown). Error: unknown type, out of range.
  Status set_type_watts(std::string_view gpu_type, int watts);
  int type_watts(TypeId type) const { return type < type_watts_.size() ? type_watts_[type] : 0; }
  // Errors: no nodes, an unknown node, nodes of several sites or GPU types, an empty window.
  Status add_downtime(Downtime d);
  const std::vector<Downtime>& downtimes() const { return downtimes_; }

  // Slices (MIG-like). The table defaults to default_slice_profiles(); a job names a profile
  // by its index + 1 (JobSpec::slice). A sliced block's GPUs serve slice jobs only: its whole
  // GPU is the largest profile. Errors: a bad table (check_slice_profiles), unknown block.
  Status set_slice_profiles(std::vector<SliceProfile> table);
  Status set_sliced(BlockId block);
  const std::vector<SliceProfile>& slice_profiles() const { return slice_profiles_; }
  // REQUIRES: 1 <= slice <= slice_profiles().size().
  const SliceProfile& slice_profile(int slice) const { return slice_profiles_[static_cast<std::size_t>(slice - 1)]; }
  // The JobSpec::slice of a profile name (index + 1); none when unknown.
  std::optional<int> find_slice(std::string_view name) const;
  bool any_sliced() const { return sliced_gpus_ > 0; }
  long sliced_gpus() const { return sliced_gpus_; }
  // "1g.10gb, 2g.20gb, ...": the known profiles, for messages.
  std::string slice_names() const;

  const std::vector<SiteInfo>& sites() const { return sites_; }
  const std::vector<BlockInfo>& blocks() const { return blocks_; }
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  const SiteInfo& site(SiteId id) const { return sites_[id]; }
  const BlockInfo& block(BlockId id) const { return blocks_[id]; }
  const NodeInfo& node(NodeId id) const { return nodes_[id]; }

  const Interner& types() const { return types_; }
  std::optional<SiteId> find_site(std::string_view name) const { return site_names_.find(name); }
  std::optional<TypeId> find_type(std::string_view name) const { return types_.find(name); }
  std::optional<NodeId> find_node(std::string_view name) const { return node_names_.find(name); }

  // The sites a provider runs; 0 when it runs none (an unknown provider).
  SiteMask provider_sites(std::string_view provider) const;

  long total_gpus() const { return total_gpus_; }
  long site_gpus(SiteId site, TypeMask types) const;
  // Text of a site set or GPU type set for messages: "paris|marseille", "any site".
  std::string site_set_name(SiteMask mask) const;
  std::string type_set_name(TypeMask mask) const;

 private:
  std::vector<SiteInfo> sites_;
  std::vector<BlockInfo> blocks_;
  std::vector<NodeInfo> nodes_;
  Interner site_names_;
  Interner node_names_;  // names are unique: hosts name the node that failed
  Interner types_;
  std::vector<int> type_watts_;  // by TypeId
  std::vector<SliceProfile> slice_profiles_ = default_slice_profiles();
  std::vector<Downtime> downtimes_;
  long total_gpus_ = 0;
  long sliced_gpus_ = 0;
};

}  // namespace hexa
