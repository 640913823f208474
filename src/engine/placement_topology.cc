// Topology-aware best-fit placement.
// A gang of at most one node's GPUs goes on one node; a larger one on the fewest nodes of one
// block when a block can hold it, else on the fewest blocks of one site; never across sites.
// Among candidates it picks the tightest fit, so whole nodes and blocks stay free for big gangs.
#include <algorithm>
#include <bit>
#include <tuple>
#include <vector>

#include "engine/placement.h"

namespace hexa {
namespace {

// The lowest `k` set bits of `mask`.
std::uint64_t lowest_bits(std::uint64_t mask, int k) {
  std::uint64_t out = 0;
  for (int i = 0; i < k; ++i) {
    std::uint64_t b = mask & -mask;
    out |= b;
    mask &= ~b;
  }
  return out;
}

// Fewest nodes of block `b` holding `g` GPUs, from its histogram: take the fullest first.
int nodes_needed(const FreeIndex& idx, BlockId b, int max_node, long g) {
  int n = 0;
  for (int k = max_node; k > 0 && g > 0; --k) {
    long c = idx.block_level(b, k);
    long use = std::min(c, (g + k - 1) / k);
    n += static_cast<int>(use);
    g -= use * k;
  }
  return n;
}

// Fills `out` with `g` GPUs of block `b` on the fewest nodes, the last one a best fit. The
// nodes go most free GPUs first, equal ones in block order (a stable sort's order): one walk
// over the block lays its nodes out that way, by a counting sort on the block's histogram. A
// copy and a sort of the block's nodes for every placement was a tenth of the France month,
// and a walk per level after that, 5% of its instructions.
void take_in_block(const FreeIndex& idx, BlockId b, long g, Allocation* out) {
  if (g <= 0) return;
  const int top = idx.pools()[idx.pool_of_block(b)].max_node;
  thread_local std::vector<NodeId> order;
  thread_local std::vector<std::size_t> at;  // by level: where its nodes go in `order`
  at.assign(static_cast<std::size_t>(top) + 2, 0);
  for (int k = top; k > 0; --k)
    at[static_cast<std::size_t>(k) - 1] = at[static_cast<std::size_t>(k)] + static_cast<std::size_t>(idx.block_level(b, k));
  // at[k] is now where level k's nodes start, at[0] how many nodes have a free GPU. Once they
  // are laid out, at[k] is where level k's nodes end.
  order.resize(at[0]);
  idx.for_each_free_node(b, [&](NodeId n) { order[at[static_cast<std::size_t>(idx.node_free(n))]++] = n; });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const NodeId n = order[i];
    const int k = idx.node_free(n);
    if (k < g) {  // not the last node: take all of it
      out->push_back({n, idx.free_mask(n)});
      g -= k;
      continue;
    }
    // The last node: the smallest one left that still holds the remainder, the last in order
    // among equals. Below level k no node was taken; at level k, none after n.
    int level = static_cast<int>(g);
    while (level < k && idx.block_level(b, level) == 0) ++level;
    const NodeId last = order[at[static_cast<std::size_t>(level)] - 1];
    out->push_back({last, lowest_bits(idx.free_mask(last), static_cast<int>(g))});
    return;
  }
}

// Score of a candidate: fewer blocks, then fewer nodes, then less left over. Lower is better.
using Score = std::tuple<long, long, long>;

struct Candidate {
  Score score{};
  PoolId pool = 0;
  BlockId block = 0;  // single-node and one-block cases
  int level = 0;      // single-node case: free GPUs of the chosen node
  int shape = -1;     // 0 one node, 1 one block, 2 several blocks
};

class TopologyPlacer final : public Placer {
 public:
  std::string_view name() const override { return "topology"; }

  bool place(const FreeIndex& idx, const PlaceRequest& req, Allocation* out,
             PlaceFailure* why) const override {
    Candidate best;
    std::int64_t best_rank = 0;
    bool small_everywhere = true;
    long most = 0;
    for (PoolId p = 0; p < idx.pools().size(); ++p) {
      const PoolInfo& pool = idx.pools()[p];
      if (!pool_eligible(pool, req)) continue;
      bool small = req.gpus <= pool.max_node;
      small_everywhere = small_everywhere && small;
      most = std::max(most, small ? long{idx.pool_max_node_free(p)} : idx.pool_free(p));
      if (idx.pool_free(p) < req.gpus) continue;
      Candidate c = small ? one_node(idx, p, req.gpus) : several_nodes(idx, p, req.gpus);
      if (c.shape < 0) continue;
      const std::int64_t rank = req.rank_of(pool, p);
      if (best.shape < 0 || rank < best_rank || (rank == best_rank && c.score < best.score)) best = c, best_rank = rank;
    }
    if (best.shape < 0) {
      if (why) *why = {small_everywhere ? WaitKind::kNoNode : WaitKind::kNoBlock, most};
      return false;
    }
    out->clear();
    materialize(idx, best, req.gpus, out);
    return true;
  }

 private:
  static Candidate one_node(const FreeIndex& idx, PoolId p, int g) {
    for (int k = g; k <= idx.pools()[p].max_node; ++k) {
      if (idx.pool_level(p, k) == 0) continue;
      for (BlockId b : idx.pools()[p].blocks)
        if (idx.block_level(b, k) > 0) return {{1, 1, k - g}, p, b, k, 0};
    }
    return {};
  }

  static Candidate several_nodes(const FreeIndex& idx, PoolId p, int g) {
    const PoolInfo& pool = idx.pools()[p];
    Candidate best;
    for (BlockId b : pool.blocks) {
      if (idx.block_free(b) < g) continue;
      Score s{1, nodes_needed(idx, b, pool.max_node, g), idx.block_free(b) - g};
      if (best.shape < 0 || s < best.score) best = {s, p, b, 0, 1};
    }
    if (best.shape >= 0) return best;
    // Several blocks: the fullest blocks first. (Scratch kept: a big head is placed twice in
    // every EASY plan.)
    thread_local std::vector<long> frees;
    frees.clear();
    for (BlockId b : pool.blocks) frees.push_back(idx.block_free(b));
    std::sort(frees.rbegin(), frees.rend());
    long left = g, blocks = 0;
    for (long f : frees) {
      if (left <= 0) break;
      left -= f;
      ++blocks;
    }
    return {{blocks, 0, idx.pool_free(p) - g}, p, 0, 0, 2};
  }

  static void materialize(const FreeIndex& idx, const Candidate& c, long g, Allocation* out) {
    if (c.shape == 0) {
      const bool found = idx.find_free_node(c.block, [&](NodeId n) {
        if (idx.node_free(n) != c.level) return false;
        out->push_back({n, lowest_bits(idx.free_mask(n), static_cast<int>(g))});
        return true;
      });
      if (found) return;
    }
    if (c.shape == 1) return take_in_block(idx, c.block, g, out);
    thread_local std::vector<BlockId> blocks;
    blocks = idx.pools()[c.pool].blocks;
    std::stable_sort(blocks.begin(), blocks.end(),
                     [&](BlockId x, BlockId y) { return idx.block_free(x) > idx.block_free(y); });
    std::size_t i = 0;
    while (g > 0) {
      if (idx.block_free(blocks[i]) < g) {  // not the last block: all of it
        take_in_block(idx, blocks[i], idx.block_free(blocks[i]), out);
        g -= idx.block_free(blocks[i]);
        ++i;
        continue;
      }
      std::size_t last = i;  // the smallest block left that holds the remainder
      for (std::size_t j = i + 1; j < blocks.size() && idx.block_free(blocks[j]) >= g; ++j) last = j;
      take_in_block(idx, blocks[last], g, out);
      g = 0;
    }
  }
};

}  // namespace

std::unique_ptr<Placer> make_topology_placer() { return std::make_unique<TopologyPlacer>(); }

}  // namespace hexa
