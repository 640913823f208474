// FreeIndex::masks_fingerprint, kept up to date by take() and give(), against the fingerprint
// of a fresh index brought to the same masks: on random sequences they always agree (the
// EasyPlanCache relies on equal masks giving equal fingerprints), and different masks mostly
// give different ones (else the cache would compare every mask on most lookups).
#include <random>

#include <gtest/gtest.h>

#include "engine/free_index.h"
#include "engine/free_index_random.h"
#include "test_util.h"

namespace hexa {
namespace {

using testing::cluster;

// A fresh index of the topology with the given free masks.
FreeIndex with_masks(const Topology& topo, const std::vector<std::uint64_t>& masks) {
  FreeIndex f(topo);
  for (NodeId n = 0; n < masks.size(); ++n)
    if (f.free_mask(n) != masks[n]) f.take(n, f.free_mask(n) & ~masks[n]);
  return f;
}

TEST(FreeIndexFingerprint, FollowsTheMasksOnRandomSequences) {
  const Topology topo = cluster(3, 4, 8, 2);  // 2 sites x 3 blocks x 4 nodes of 8 GPUs
  std::uint64_t distinct = 0, changes = 0;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    FreeIndex f(topo);
    const FreeIndex fresh(topo);
    ASSERT_EQ(f.masks_fingerprint(), fresh.masks_fingerprint());
    std::uint64_t last = f.masks_fingerprint();
    for (int step = 0; step < 300; ++step) {
      const auto n = static_cast<NodeId>(std::uniform_int_distribution<std::size_t>(0, topo.nodes().size() - 1)(rng));
      testing::random_change(f, topo, n, rng);
      ASSERT_EQ(f.free_masks(), with_masks(topo, f.free_masks()).free_masks());
      ASSERT_EQ(f.masks_fingerprint(), with_masks(topo, f.free_masks()).masks_fingerprint())
          << "seed " << seed << " step " << step;
      if (f.masks_fingerprint() != last) ++distinct;
      ++changes;
      last = f.masks_fingerprint();
    }
    // Everything given back: the fingerprint of a fresh index again.
    for (NodeId n = 0; n < topo.nodes().size(); ++n) {
      const std::uint64_t all = (std::uint64_t{1} << topo.node(n).gpus) - 1;
      if (std::uint64_t m = ~f.free_mask(n) & all) f.give(n, m);
    }
    EXPECT_EQ(f.masks_fingerprint(), fresh.masks_fingerprint());
  }
  // Not a constant: a step that changed the masks changed the fingerprint, bar a few
  // steps that changed nothing (an empty pick).
  EXPECT_GT(distinct, changes / 2);
}

}  // namespace
}  // namespace hexa
