// FreeIndex: free GPUs of every node, with aggregates per block and per pool, so placement
// prunes by aggregate instead of scanning nodes (DESIGN.md, rule 5).
//
// A pool is one (site, GPU type, sliced or not) triple; a gang is always placed inside one
// pool. For each block and each pool the index keeps the free total and a histogram: how many
// nodes have exactly k free GPUs. take() and give() keep all of it exact in O(1).
//
// Sliced blocks (Topology::set_sliced) form pools of their own. Their GPUs are never free as
// whole GPUs: they are tracked slot by slot in slices(), and serve slice jobs only.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "engine/slice_index.h"
#include "model/job.h"
#include "model/topology.h"

namespace hexa {

class Reader;
class Writer;

struct PoolInfo {
  SiteId site = 0;
  TypeId type = 0;
  std::vector<BlockId> blocks;
  long total = 0;    // GPUs in the pool
  int max_node = 0;  // GPUs of its largest node
  bool sliced = false;  // its GPUs serve slice jobs only (SliceIndex)
};

class FreeIndex {
 public:
  explicit FreeIndex(const Topology& topo);

  // REQUIRES: mask is a subset of the node's free GPUs.
  void take(NodeId node, std::uint64_t mask);
  // REQUIRES: mask is a subset of the node's GPUs that are not free.
  void give(NodeId node, std::uint64_t mask);
  // Whole GPUs or slices, as each entry says.
  void take(const Allocation& a) { for (const auto& ng : a) ng.slots ? slices_.take(ng) : take(ng.node, ng.mask); }
  void give(const Allocation& a) { for (const auto& ng : a) ng.slots ? slices_.give(ng) : give(ng.node, ng.mask); }

  // Advance reservations hold GPUs out of placement (engine/advance_reservations.h). A whole
  // GPU must be free, and is taken; a sliced GPU is set aside as it is, with the slices that
  // run on it, so that only its reservation's own jobs place slices there.
  // holdable: the node's GPUs that hold() may hold now. hold/release: entries with slots == 0.
  std::uint64_t holdable(NodeId n) const;
  void hold(const Allocation& a);
  void release(const Allocation& a);

  const Topology& topology() const { return *topo_; }
  const std::vector<PoolInfo>& pools() const { return pools_; }
  PoolId pool_of_block(BlockId b) const { return block_pool_[b]; }

  std::uint64_t free_mask(NodeId n) const { return node_[n].mask; }
  // Every node's free mask, by NodeId, and a fingerprint of them all kept up to date by take()
  // and give() in O(1): equal masks give equal fingerprints, so a cache of something computed
  // from the masks (EasyPlanCache) rules most changes out without comparing them all.
  std::vector<std::uint64_t> free_masks() const;  // by NodeId (tests)
  std::uint64_t masks_fingerprint() const { return fingerprint_; }
  // The same sum over the pool's nodes alone: what a placement for a request reads is the
  // pools eligible for it (Placer), so a cache of one can ignore changes in the others.
  std::uint64_t pool_fingerprint(PoolId p) const { return pool_fingerprint_[p]; }
  int node_free(NodeId n) const { return node_[n].free; }
  long block_free(BlockId b) const { return block_free_[b]; }
  long pool_free(PoolId p) const { return pool_free_[p]; }
  long total_free() const { return total_free_; }  // whole GPUs
  // Nothing at all is free: no whole GPU and no compute unit of a sliced GPU.
  bool none_free() const { return total_free_ == 0 && slices_.free_units() == 0; }
  const SliceIndex& slices() const { return slices_; }
  // Nodes of the block (pool) with exactly k free GPUs. REQUIRES: 0 <= k <= max_node of its pool.
  int block_level(BlockId b, int k) const { return block_level_[block_off_[b] + k]; }
  int pool_level(PoolId p, int k) const { return pool_level_[pool_off_[p] + k]; }
  // Most free GPUs on one node of the pool.
  int pool_max_node_free(PoolId p) const;

  // What a caller that gives and takes whole GPUs for a while needs to undo it all at once:
  // the whole-GPU aggregates, copied, and each node's mask from before its first change (note
  // a node before changing it; noting it again does no harm). restore() puts them back by
  // copying: an EASY plan gives back the GPUs of hundreds of ends and took each back again.
  // Slices are not covered.
  struct Checkpoint {
    long total_free = 0;
    std::uint64_t fingerprint = 0;
    std::vector<long> block_free, pool_free;
    std::vector<int> block_level, pool_level;
    std::vector<std::uint64_t> pool_fingerprint;
    std::vector<std::pair<NodeId, std::uint64_t>> nodes;  // (node, its mask then)
  };
  void checkpoint(Checkpoint* c) const;
  void note(Checkpoint* c, NodeId n) const { c->nodes.push_back({n, node_[n].mask}); }
  void restore(const Checkpoint& c);

  // Calls f(n) for each node n of block b with a free whole GPU, in the block's order, until
  // f returns true; returns whether one did. Reads a bit per node: a plan lists the free GPUs
  // of every block the head may use, and a placement looks for free nodes in a block, where
  // reading each node's slot was a cache miss for every two nodes, most of them busy.
  template <class F>
  bool find_free_node(BlockId b, F&& f) const {
    const std::vector<NodeId>& nodes = topo_->block(b).nodes;
    if (nodes.empty()) return false;
    if (!consecutive_[b]) {  // nodes added to several blocks by turns: no range of bits
      for (NodeId n : nodes)
        if (node_[n].mask != 0 && f(n)) return true;
      return false;
    }
    const std::size_t first = nodes.front(), end = first + nodes.size();
    for (std::size_t w = first / 64; w * 64 < end; ++w) {
      std::uint64_t bits = has_free_[w];
      if (w == first / 64) bits &= ~std::uint64_t{0} << (first % 64);
      if ((w + 1) * 64 > end) bits &= (std::uint64_t{1} << (end % 64)) - 1;
      for (; bits != 0; bits &= bits - 1)
        if (f(static_cast<NodeId>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))))) return true;
    }
    return false;
  }
  // The same for every such node.
  template <class F>
  void for_each_free_node(BlockId b, F&& f) const {
    find_free_node(b, [&](NodeId n) { return f(n), false; });
  }

  // Snapshots (engine/free_index_archive.cc): each node's free GPUs and the slice index; the
  // aggregates are worked out again. REQUIRES (load): a fresh index of the same topology.
  void save(Writer& w) const;
  bool load(Reader& r);

 private:
  void move_level(NodeId n, int from, int to);
  void reach_from_slices();  // in_reach_ from the slice index (constructor, load)
  // The sum over nodes of free mask x node key (mod 2^64): linear, so a change of one mask
  // updates it with one multiply. Keys are fixed odd numbers, not secrets: a collision costs
  // only the exact compare that follows it.
  void refingerprint(NodeId n, PoolId p, std::uint64_t from, std::uint64_t to) {
    const std::uint64_t d = (to - from) * node_[n].key;
    fingerprint_ += d;
    pool_fingerprint_[p] += d;
  }

  const Topology* topo_;
  std::vector<PoolInfo> pools_;
  std::vector<PoolId> block_pool_;
  // What a take or a give of a node reads and writes of it, in one place: spread over the
  // topology's node and three arrays, each was a cache miss of its own (an EASY plan gives
  // back some 60 nodes, and the France month's gives and takes were 7% of its samples).
  struct NodeSlot {
    std::uint64_t mask = 0;  // its free whole GPUs (none on a sliced node: SliceIndex)
    std::uint64_t key = 0;   // for refingerprint: fixed, from the NodeId
    BlockId block = 0;       // the topology's
    int free = 0;            // popcount(mask)
    bool sliced = false;     // the topology's
  };
  std::vector<NodeSlot> node_;  // by NodeId
  // By NodeId: a sliced node's GPUs that no hold() set aside (SliceIndex::aside), so that
  // holdable() reads one word, not a flag of the slice index per GPU: advance reservations
  // ask it for every GPU of theirs in every pass (a tenth of the France cut's instructions).
  std::vector<std::uint64_t> in_reach_;
  // Bit n: node n has a free whole GPU (node_[n].mask != 0), for for_each_free_node.
  std::vector<std::uint64_t> has_free_;
  std::vector<char> consecutive_;  // by BlockId: its nodes are consecutive ids
  void mark(NodeId n) {
    const std::uint64_t bit = std::uint64_t{1} << (n % 64);
    has_free_[n / 64] = node_[n].mask != 0 ? has_free_[n / 64] | bit : has_free_[n / 64] & ~bit;
  }
  std::vector<long> block_free_;
  std::vector<long> pool_free_;
  std::vector<int> block_level_, pool_level_;     // flat histograms
  std::vector<std::size_t> block_off_, pool_off_; // where each one's histogram starts
  long total_free_ = 0;
  std::uint64_t fingerprint_ = 0;
  std::vector<std::uint64_t> pool_fingerprint_;  // by PoolId
  SliceIndex slices_;
  std::vector<SliceGpu> sliced_;  // scratch of hold and release
};

}  // namespace hexa
