// FreeIndex::find_free_node and for_each_free_node read a bit per node instead of each node's
// slot: after random takes, gives and restores, they list exactly the nodes of the block with
// a free GPU, in the block's order, and stop at the first node the caller accepts. Blocks
// longer than a word of bits, blocks that straddle words, and blocks whose nodes were added
// by turns (no range of ids) are all covered.
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

}  // namespace
}  // namespace hexa
