// SliceIndex::set_aside and put_back over many GPUs at once (a pass holding a lab's reserved
// GPUs): the same buckets, in the same order, and the same counts as one call per GPU.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/free_index.h"

namespace hexa {
namespace {

// Two sites of two sliced nodes: two pools.
Topology sliced_pools() {
  Topology t;
  for (int site = 0; site < 2; ++site) {
    SiteId s = *t.add_site("s" + std::to_string(site));
    BlockId b = *t.add_block(s, "m" + std::to_string(site), "H100");
    EXPECT_TRUE(t.set_sliced(b).ok());
    for (int n = 0; n < 2; ++n) (void)t.add_node(b, "n" + std::to_string(site) + std::to_string(n), 8);
  }
  return t;
}

void expect_same(const SliceIndex& a, const SliceIndex& b, const Topology& t, int step) {
  ASSERT_EQ(a.free_units(), b.free_units()) << step;
  for (SliceGpu g = 0; g < a.gpus(); ++g) ASSERT_EQ(a.aside(g), b.aside(g)) << step;
  for (PoolId p = 0; p < a.pools(); ++p) {
    ASSERT_EQ(a.pool_free_units(p), b.pool_free_units(p)) << step;
    ASSERT_EQ(a.most_free_units(p), b.most_free_units(p)) << step;
    for (int k = 1; k <= static_cast<int>(t.slice_profiles().size()); ++k) ASSERT_EQ(a.fitting(p, k), b.fitting(p, k)) << step;
    std::vector<SlotMask> ma, mb;
    a.for_each_occupancy(p, [&](SlotMask m) { ma.push_back(m); });
    b.for_each_occupancy(p, [&](SlotMask m) { mb.push_back(m); });
    ASSERT_EQ(ma, mb) << step;
    for (unsigned m = 0; m < 256; ++m) ASSERT_EQ(a.with(p, static_cast<SlotMask>(m)), b.with(p, static_cast<SlotMask>(m))) << step;
  }
}

TEST(SliceBatch, SameAsOneGpuAtATime) {
  const Topology t = sliced_pools();
  const FreeIndex idx(t);
  std::vector<PoolId> block_pool;
  for (BlockId b = 0; b < t.blocks().size(); ++b) block_pool.push_back(idx.pool_of_block(b));
  SliceIndex one(t, block_pool, idx.pools().size()), many = one;
  std::mt19937 rng(16);
  std::vector<NodeGpus> held;  // slices placed on both
  std::vector<SliceGpu> aside;
  for (int step = 0; step < 2000; ++step) {
    const auto what = rng() % 3;
    if (what == 0) {  // a slice on a random GPU, where its profile fits
      const SliceGpu g = static_cast<SliceGpu>(rng() % one.gpus());
      const int k = 1 + static_cast<int>(rng() % t.slice_profiles().size());
      const int at = one.first_start(k, one.used(g));
      if (at < 0) continue;
      NodeGpus a{one.node_of(g), std::uint64_t{1} << one.index_in_node(g), t.slice_profile(k).slots_at(at),
                 static_cast<std::uint8_t>(k)};
      one.take(a), many.take(a);
      held.push_back(a);
    } else if (what == 1 && !held.empty()) {  // one ends
      const std::size_t i = rng() % held.size();
      one.give(held[i]), many.give(held[i]);
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (aside.empty()) {  // a reservation sets some GPUs aside, in a random order
      for (SliceGpu g = 0; g < one.gpus(); ++g)
        if (rng() % 2) aside.push_back(g);
      std::shuffle(aside.begin(), aside.end(), rng);
      for (SliceGpu g : aside) one.set_aside(g);
      many.set_aside(aside);
    } else {  // and puts them back
      for (SliceGpu g : aside) one.put_back(g);
      many.put_back(aside);
      aside.clear();
    }
    expect_same(one, many, t, step);
  }
}

}  // namespace
}  // namespace hexa
