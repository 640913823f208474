// What FreeIndex keeps per node beside its slots, against the state it is derived from.
// find_free_node and for_each_free_node read a bit per node instead of each node's slot:
// after random takes, gives and restores, they list exactly the nodes of the block with a
// free GPU, in the block's order, and stop at the first node the caller accepts. Blocks
// longer than a word of bits, blocks that straddle words, and blocks whose nodes were added
// by turns (no range of ids) are all covered. holdable() reads a mask per sliced node: after
// random holds and releases, it is the node's GPUs that the slice index has not set aside.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/free_index.h"
#include "engine/free_index_random.h"
#include "test_util.h"

namespace hexa {
namespace {

// Two blocks whose nodes were added by turns, then one of 70 nodes after them.
Topology interleaved() {
  Topology t;
  const SiteId site = *t.add_site("s");
  const BlockId a = *t.add_block(site, "a", "gpu"), b = *t.add_block(site, "b", "gpu");
  for (int i = 0; i < 20; ++i) {
    (void)t.add_node(a, "a" + std::to_string(i), 4);
    (void)t.add_node(b, "b" + std::to_string(i), 4);
  }
  const BlockId c = *t.add_block(site, "c", "gpu");
  for (int i = 0; i < 70; ++i) (void)t.add_node(c, "c" + std::to_string(i), 2);
  return t;
}

void expect_listed(const FreeIndex& f, const Topology& topo) {
  for (BlockId b = 0; b < topo.blocks().size(); ++b) {
    std::vector<NodeId> want, got;
    for (NodeId n : topo.block(b).nodes)
      if (f.free_mask(n) != 0) want.push_back(n);
    f.for_each_free_node(b, [&](NodeId n) { got.push_back(n); });
    ASSERT_EQ(got, want) << "block " << b;
    // The search stops at the first node accepted: the middle one of those listed.
    if (want.empty()) {
      ASSERT_FALSE(f.find_free_node(b, [](NodeId) { return true; }));
      continue;
    }
    const NodeId target = want[want.size() / 2];
    std::vector<NodeId> seen;
    ASSERT_TRUE(f.find_free_node(b, [&](NodeId n) { return seen.push_back(n), n == target; }));
    ASSERT_EQ(seen, std::vector<NodeId>(want.begin(), want.begin() + static_cast<long>(want.size() / 2 + 1)));
  }
}

TEST(FreeIndexFreeNodes, ListsTheNodesWithFreeGpusInBlockOrder) {
  const std::vector<Topology> topos = [] {
    std::vector<Topology> v;
    v.push_back(testing::cluster(3, 4, 8, 2));    // small blocks, one word
    v.push_back(testing::cluster(2, 100, 1, 1));  // blocks longer than a word, straddling words
    v.push_back(interleaved());
    return v;
  }();
  FreeIndex::Checkpoint undo;
  for (const Topology& topo : topos) {
    auto node = [&](std::mt19937& rng) {
      return static_cast<NodeId>(std::uniform_int_distribution<std::size_t>(0, topo.nodes().size() - 1)(rng));
    };
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
      std::mt19937 rng(seed);
      FreeIndex f(topo);
      expect_listed(f, topo);  // all free
      for (int i = 0; i < 300; ++i) testing::random_change(f, topo, node(rng), rng);
      expect_listed(f, topo);
      f.checkpoint(&undo);
      for (int i = 0; i < 100; ++i) {
        const NodeId n = node(rng);
        f.note(&undo, n);
        testing::random_change(f, topo, n, rng);
      }
      expect_listed(f, topo);
      f.restore(undo);
      expect_listed(f, topo);
    }
  }
}

// A block of whole GPUs and a sliced one, with slices running on some GPUs.
TEST(FreeIndexHoldable, ASlicedNodesHoldableGpusAreThoseNotSetAside) {
  Topology topo;
  const SiteId site = *topo.add_site("s");
  const BlockId whole = *topo.add_block(site, "w", "H100"), lab = *topo.add_block(site, "lab", "H100");
  ASSERT_TRUE(topo.set_sliced(lab).ok());
  for (int i = 0; i < 3; ++i) (void)topo.add_node(whole, "w" + std::to_string(i), 8);
  for (int i = 0; i < 4; ++i) (void)topo.add_node(lab, "l" + std::to_string(i), 8);
  auto slow = [&](const FreeIndex& f, NodeId n) {
    if (!topo.node(n).sliced) return f.free_mask(n);
    std::uint64_t m = 0;
    for (int i = 0; i < topo.node(n).gpus; ++i)
      if (!f.slices().aside(f.slices().gpu_of(n, i))) m |= std::uint64_t{1} << i;
    return m;
  };
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    FreeIndex f(topo);
    std::vector<Allocation> held;
    std::vector<std::uint64_t> taken(topo.nodes().size(), 0);
    for (int step = 0; step < 200; ++step) {
      const auto n = static_cast<NodeId>(rng() % topo.nodes().size());
      if (rng() % 3 == 0 && !held.empty()) {  // a reservation lets go
        const std::size_t k = rng() % held.size();
        f.release(held[k]);
        held.erase(held.begin() + static_cast<long>(k));
      } else if (rng() % 2 == 0) {  // a reservation holds some of what it may
        if (const std::uint64_t m = f.holdable(n) & rng()) {
          held.push_back({{n, m}});
          f.hold(held.back());
        }
      } else if (!topo.node(n).sliced) {  // jobs take whole GPUs and give them back, not held ones
        if (rng() % 2 == 0) {
          const std::uint64_t m = f.free_mask(n) & rng();
          f.take(n, m);
          taken[n] |= m;
        } else {
          const std::uint64_t m = taken[n] & rng();
          f.give(n, m);
          taken[n] &= ~m;
        }
      }
      for (NodeId m = 0; m < topo.nodes().size(); ++m) ASSERT_EQ(f.holdable(m), slow(f, m)) << "seed " << seed << " step " << step;
    }
  }
}

}  // namespace
}  // namespace hexa
