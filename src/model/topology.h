// Topology: sites -> blocks (a rack or network domain) -> nodes -> GPUs.
// A block holds nodes of one GPU type; a node has 1..64 GPUs. Built once, then read-only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/ids.h"
#include "model/interner.h"
#include "model/status.h"

namespace hexa {

struct SiteInfo {
  std::string name;
  std::vector<BlockId> blocks;
};

struct BlockInfo {
  std::string name;
  SiteId site = 0;
  TypeId type = 0;
  std::vector<NodeId> nodes;
};

struct NodeInfo {
  std::string name;
  SiteId site = 0;
  BlockId block = 0;
  TypeId type = 0;
  int gpus = 0;
};

class Topology {
 public:
  // Builders. Each checks its input and changes nothing when it fails.
  Result<SiteId> add_site(std::string_view name);
  Result<BlockId> add_block(SiteId site, std::string_view name, std::string_view gpu_type);
  Result<NodeId> add_node(BlockId block, std::string_view name, int gpus);

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
  long total_gpus_ = 0;
};

}  // namespace hexa
