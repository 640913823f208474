#include "engine/free_index.h"

#include <bit>
#include <cassert>
#include <map>
#include <tuple>

namespace hexa {

// splitmix64's finaliser: well-spread keys for consecutive node ids.
static std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static std::uint64_t all_gpus(int gpus) {
  return gpus >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << gpus) - 1;
}

FreeIndex::FreeIndex(const Topology& topo) : topo_(&topo) {
  std::map<std::tuple<SiteId, TypeId, bool>, PoolId> by_key;
  block_pool_.resize(topo.blocks().size());
  for (BlockId b = 0; b < topo.blocks().size(); ++b) {
    const BlockInfo& bi = topo.block(b);
    auto [it, fresh] = by_key.emplace(std::tuple{bi.site, bi.type, bi.sliced}, static_cast<PoolId>(pools_.size()));
    if (fresh) pools_.push_back(PoolInfo{bi.site, bi.type, {}, 0, 0, bi.sliced});
    PoolInfo& pool = pools_[it->second];
    pool.blocks.push_back(b);
    block_pool_[b] = it->second;
    for (NodeId n : bi.nodes) {
      pool.total += topo.node(n).gpus;
      pool.max_node = std::max(pool.max_node, topo.node(n).gpus);
    }
  }
  for (PoolId p = 0; p < pools_.size(); ++p) {
    pool_off_.push_back(pool_level_.size());
    pool_level_.resize(pool_level_.size() + pools_[p].max_node + 1, 0);
    pool_free_.push_back(0);
    pool_fingerprint_.push_back(0);
  }
  for (BlockId b = 0; b < topo.blocks().size(); ++b) {
    block_off_.push_back(block_level_.size());
    block_level_.resize(block_level_.size() + pools_[block_pool_[b]].max_node + 1, 0);
    block_free_.push_back(0);
  }
  node_.resize(topo.nodes().size());
  has_free_.assign((node_.size() + 63) / 64, 0);
  consecutive_.resize(topo.blocks().size());
  for (BlockId b = 0; b < topo.blocks().size(); ++b) {
    const std::vector<NodeId>& nodes = topo.block(b).nodes;
    bool in_a_row = true;
    for (std::size_t i = 1; i < nodes.size(); ++i) in_a_row = in_a_row && nodes[i] == nodes[0] + i;
    consecutive_[b] = in_a_row;
  }
  for (NodeId n = 0; n < node_.size(); ++n) {
    node_[n].key = mix64(n) | 1;
    node_[n].block = topo.node(n).block;
    node_[n].sliced = topo.node(n).sliced;
  }
  for (NodeId n = 0; n < topo.nodes().size(); ++n) {
    BlockId b = topo.node(n).block;
    ++block_level_[block_off_[b]];
    ++pool_level_[pool_off_[block_pool_[b]]];
    if (!topo.node(n).sliced) give(n, all_gpus(topo.node(n).gpus));  // sliced: in slices_ only
  }
  slices_ = SliceIndex(topo, block_pool_, pools_.size());
  reach_from_slices();
}

std::uint64_t FreeIndex::holdable(NodeId n) const { return node_[n].sliced ? in_reach_[n] : node_[n].mask; }

void FreeIndex::reach_from_slices() {
  in_reach_.assign(node_.size(), 0);
  for (NodeId n = 0; n < node_.size(); ++n) {
    if (!node_[n].sliced) continue;
    for (int i = 0, gpus = topo_->node(n).gpus; i < gpus; ++i)
      if (!slices_.aside(slices_.gpu_of(n, i))) in_reach_[n] |= std::uint64_t{1} << i;
  }
}

// Whole GPUs one node at a time; sliced ones in one batch (SliceIndex::set_aside), in the
// allocation's order.
void FreeIndex::hold(const Allocation& a) {
  sliced_.clear();
  for (const NodeGpus& g : a) {
    assert(g.slots == 0);
    if (!node_[g.node].sliced) {
      take(g.node, g.mask);
      continue;
    }
    for (std::uint64_t m = g.mask; m; m &= m - 1) sliced_.push_back(slices_.gpu_of(g.node, std::countr_zero(m)));
    in_reach_[g.node] &= ~g.mask;
  }
  if (!sliced_.empty()) slices_.set_aside(sliced_);
}

void FreeIndex::release(const Allocation& a) {
  sliced_.clear();
  for (const NodeGpus& g : a) {
    assert(g.slots == 0);
    if (!node_[g.node].sliced) {
      give(g.node, g.mask);
      continue;
    }
    for (std::uint64_t m = g.mask; m; m &= m - 1) sliced_.push_back(slices_.gpu_of(g.node, std::countr_zero(m)));
    in_reach_[g.node] |= g.mask;
  }
  if (!sliced_.empty()) slices_.put_back(sliced_);
}

void FreeIndex::move_level(NodeId n, int from, int to) {
  BlockId b = node_[n].block;
  PoolId p = block_pool_[b];
  --block_level_[block_off_[b] + from];
  ++block_level_[block_off_[b] + to];
  --pool_level_[pool_off_[p] + from];
  ++pool_level_[pool_off_[p] + to];
}

void FreeIndex::take(NodeId n, std::uint64_t mask) {
  NodeSlot& node = node_[n];
  assert((node.mask & mask) == mask);
  int k = std::popcount(mask);
  move_level(n, node.free, node.free - k);
  BlockId b = node.block;
  refingerprint(n, block_pool_[b], node.mask, node.mask & ~mask);
  node.mask &= ~mask;
  node.free -= k;
  mark(n);
  block_free_[b] -= k;
  pool_free_[block_pool_[b]] -= k;
  total_free_ -= k;
}

void FreeIndex::give(NodeId n, std::uint64_t mask) {
  NodeSlot& node = node_[n];
  assert((node.mask & mask) == 0);
  assert((mask & ~all_gpus(topo_->node(n).gpus)) == 0);
  int k = std::popcount(mask);
  move_level(n, node.free, node.free + k);
  BlockId b = node.block;
  refingerprint(n, block_pool_[b], node.mask, node.mask | mask);
  node.mask |= mask;
  node.free += k;
  mark(n);
  block_free_[b] += k;
  pool_free_[block_pool_[b]] += k;
  total_free_ += k;
}

void FreeIndex::checkpoint(Checkpoint* c) const {
  c->total_free = total_free_;
  c->fingerprint = fingerprint_;
  c->block_free = block_free_;
  c->pool_free = pool_free_;
  c->block_level = block_level_;
  c->pool_level = pool_level_;
  c->pool_fingerprint = pool_fingerprint_;
  c->nodes.clear();
}

void FreeIndex::restore(const Checkpoint& c) {
  total_free_ = c.total_free;
  fingerprint_ = c.fingerprint;
  block_free_ = c.block_free;
  pool_free_ = c.pool_free;
  block_level_ = c.block_level;
  pool_level_ = c.pool_level;
  pool_fingerprint_ = c.pool_fingerprint;
  for (auto it = c.nodes.rbegin(); it != c.nodes.rend(); ++it) {  // the first note of a node last
    node_[it->first].mask = it->second;
    node_[it->first].free = std::popcount(it->second);  // whole GPUs: the count is the mask's
    mark(it->first);
  }
}

std::vector<std::uint64_t> FreeIndex::free_masks() const {
  std::vector<std::uint64_t> out;
  for (const NodeSlot& node : node_) out.push_back(node.mask);
  return out;
}

int FreeIndex::pool_max_node_free(PoolId p) const {
  for (int k = pools_[p].max_node; k > 0; --k)
    if (pool_level(p, k) > 0) return k;
  return 0;
}

}  // namespace hexa
