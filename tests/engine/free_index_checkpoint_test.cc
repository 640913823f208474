// FreeIndex::checkpoint and restore (an EASY plan gives back hundreds of ends, then undoes it
// all at once): after random takes and gives of noted nodes, restore brings every figure a
// placer reads back to what it was, the same as taking and giving each change back.
#include <random>

#include <gtest/gtest.h>

#include "engine/free_index.h"
#include "engine/free_index_random.h"
#include "test_util.h"

namespace hexa {
namespace {

using testing::cluster;

void expect_same(const FreeIndex& a, const FreeIndex& b, const Topology& topo) {
  ASSERT_EQ(a.total_free(), b.total_free());
  ASSERT_EQ(a.masks_fingerprint(), b.masks_fingerprint());
  ASSERT_EQ(a.free_masks(), b.free_masks());
  for (NodeId n = 0; n < topo.nodes().size(); ++n) ASSERT_EQ(a.node_free(n), b.node_free(n));
  for (PoolId p = 0; p < a.pools().size(); ++p) {
    ASSERT_EQ(a.pool_free(p), b.pool_free(p));
    ASSERT_EQ(a.pool_fingerprint(p), b.pool_fingerprint(p));
    for (int k = 0; k <= a.pools()[p].max_node; ++k) ASSERT_EQ(a.pool_level(p, k), b.pool_level(p, k));
  }
  for (BlockId k = 0; k < topo.blocks().size(); ++k) {
    ASSERT_EQ(a.block_free(k), b.block_free(k));
    for (int l = 0; l <= a.pools()[a.pool_of_block(k)].max_node; ++l) ASSERT_EQ(a.block_level(k, l), b.block_level(k, l));
  }
}

TEST(FreeIndexCheckpoint, RestoreUndoesEveryNotedChange) {
  const Topology topo = cluster(3, 4, 8, 2);  // 2 sites x 3 blocks x 4 nodes of 8 GPUs
  auto node = [&](std::mt19937& rng) {
    return static_cast<NodeId>(std::uniform_int_distribution<std::size_t>(0, topo.nodes().size() - 1)(rng));
  };
  FreeIndex::Checkpoint undo;  // reused, as a plan reuses it
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    FreeIndex f(topo);
    for (int i = 0; i < 40; ++i) testing::random_change(f, topo, node(rng), rng);  // somewhere busy
    const FreeIndex before = f;
    f.checkpoint(&undo);
    for (int i = 0; i < 60; ++i) {  // the same node may change many times
      const NodeId n = node(rng);
      f.note(&undo, n);
      testing::random_change(f, topo, n, rng);
    }
    f.restore(undo);
    expect_same(f, before, topo);
  }
}

}  // namespace
}  // namespace hexa
