// GPU slices: profile placement rules, packing against best fit, exactness of the SliceIndex
// under take and give, and that whole GPUs and slices never share a GPU.
#include <bit>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "engine/placement.h"
#include "engine/slice_frag.h"
#include "test_util.h"

namespace hexa {
namespace {

// One site; block "w" of whole-GPU nodes and block "m" of sliced nodes (0 nodes: no block).
Topology mixed(int whole_nodes, int sliced_nodes, int gpus) {
  Topology t;
  SiteId site = *t.add_site("s0");
  if (whole_nodes) {
    BlockId b = *t.add_block(site, "w", "H100");
    for (int n = 0; n < whole_nodes; ++n) (void)t.add_node(b, "w" + std::to_string(n), gpus);
  }
  if (sliced_nodes) {
    BlockId b = *t.add_block(site, "m", "H100");
    EXPECT_TRUE(t.set_sliced(b).ok());
    for (int n = 0; n < sliced_nodes; ++n) (void)t.add_node(b, "m" + std::to_string(n), gpus);
  }
  return t;
}

std::unique_ptr<Placer> slicer(const char* name) { return std::move(make_slice_placer(name)).value(); }

PlaceRequest slice_req(const Topology& t, const char* profile) {
  PlaceRequest r;
  r.slice = *t.find_slice(profile);
  return r;
}

TEST(SliceProfiles, DefaultStartsFollowMig) {
  Topology t;
  std::map<std::string, unsigned> starts;
  for (const SliceProfile& p : t.slice_profiles()) starts[p.name] = p.starts;
  EXPECT_EQ(starts["1g.10gb"], 0x7Fu) << "0..6";
  EXPECT_EQ(starts["1g.20gb"], 0x55u) << "0, 2, 4, 6";
  EXPECT_EQ(starts["2g.20gb"], 0x15u) << "0, 2, 4";
  EXPECT_EQ(starts["3g.40gb"], 0x11u) << "0, 4";
  EXPECT_EQ(starts["4g.40gb"], 0x01u) << "0";
  EXPECT_EQ(starts["7g.80gb"], 0x01u) << "0";
  EXPECT_EQ(t.find_slice("7g.80gb"), 6);
  EXPECT_FALSE(t.find_slice("8g"));
}

TEST(SliceProfiles, BadTablesNameTheProfileAndRule) {
  Topology t;
  auto bad = [&](std::vector<SliceProfile> table) { return t.set_slice_profiles(std::move(table)).message(); };
  EXPECT_EQ(bad({{"x", 8, 8, 0}}), "slice profile 'x'.compute: must be between 1 and 7 (sevenths of a GPU), got 8");
  EXPECT_EQ(bad({{"x", 1, 9, 0}}), "slice profile 'x'.memory: must be between 1 and 8 (eighths of a GPU), got 9");
  EXPECT_EQ(bad({{"a", 1, 1, 0}, {"a", 2, 2, 0}}), "slice profile 'a': declared twice");
  EXPECT_NE(bad({{"x", 3, 4, 0x20}}).find("slice profile 'x'.starts: offset 5 leaves the GPU"), std::string::npos);
  EXPECT_EQ(t.slice_profiles().size(), 6u) << "a bad table changes nothing";
}

TEST(SlicePlacement, SevenOneGSlicesFillAGpuThenItIsFull) {
  Topology t = mixed(0, 1, 1);
  for (const char* name : {"frag", "bestfit"}) {
    FreeIndex fresh(t);
    auto p = slicer(name);
    Allocation a;
    SlotMask seen = 0;
    for (int i = 0; i < 7; ++i) {
      ASSERT_TRUE(p->place(fresh, slice_req(t, "1g.10gb"), &a, nullptr)) << name << " slice " << i;
      ASSERT_EQ(a.size(), 1u);
      EXPECT_EQ(std::popcount(a[0].slots), 1);
      EXPECT_FALSE(seen & a[0].slots) << "a slot is never handed out twice";
      seen = static_cast<SlotMask>(seen | a[0].slots);
      fresh.take(a);
    }
    EXPECT_EQ(seen, kComputeSlots) << "slot 7 has no compute: a 1g never starts there";
    PlaceFailure why;
    EXPECT_FALSE(p->place(fresh, slice_req(t, "1g.10gb"), &a, &why));
    EXPECT_EQ(why.kind, WaitKind::kNoSlice);
    EXPECT_EQ(why.best, 0);
  }
}

TEST(SlicePlacement, ProfilesStartOnlyWhereAllowed) {
  Topology t = mixed(0, 1, 1);
  FreeIndex idx(t);
  auto p = slicer("bestfit");
  Allocation a;
  idx.take({{0, 1, 0x02, 1}});  // a 1g at slot 1
  // 4g may start at 0 only: slot 1 is held, so it no longer fits; a 3g goes to 4..7.
  EXPECT_FALSE(p->place(idx, slice_req(t, "4g.40gb"), &a, nullptr));
  ASSERT_TRUE(p->place(idx, slice_req(t, "3g.40gb"), &a, nullptr));
  EXPECT_EQ(a[0].slots, 0xF0);
  idx.take(a);
  ASSERT_TRUE(p->place(idx, slice_req(t, "2g.20gb"), &a, nullptr));
  EXPECT_EQ(a[0].slots, 0x0C) << "2g at 2 (0 overlaps the 1g)";
  EXPECT_EQ(a[0].slice, *t.find_slice("2g.20gb"));
  EXPECT_EQ(a[0].mask, 1u);
}

// Best fit takes the lowest free offset and blocks the only start of a 4g; the
// fragmentation-aware placer puts the 1g at the end and fills its GPU's hole with the 4g.
TEST(SlicePacking, FragAwareKeepsRoomWhereBestFitFragments) {
  Topology t = mixed(0, 1, 2);
  auto run = [&](const char* policy) {
    FreeIndex idx(t);
    auto p = slicer(policy);
    Allocation a;
    int placed = 0;
    for (const char* prof : {"1g.10gb", "4g.40gb", "4g.40gb"})
      if (p->place(idx, slice_req(t, prof), &a, nullptr)) idx.take(a), ++placed;
    return placed;
  };
  EXPECT_EQ(run("bestfit"), 2) << "1g at 0 on GPU 0, 4g on GPU 1, the second 4g fits nowhere";
  EXPECT_EQ(run("frag"), 3) << "1g at 6, both 4g at 0";
}

TEST(SlicePacking, FragAwarePrefersFillingAHoleToOpeningAGpu) {
  Topology t = mixed(0, 1, 2);
  FreeIndex idx(t);
  idx.take({{0, 1, 0xF0, static_cast<std::uint8_t>(*t.find_slice("3g.40gb"))}});  // GPU 0: 3g at 4
  auto p = slicer("frag");
  Allocation a;
  ASSERT_TRUE(p->place(idx, slice_req(t, "2g.20gb"), &a, nullptr));
  EXPECT_EQ(a[0].mask, 1u) << "GPU 0, not the empty GPU 1";
  const SliceMix seven = [&] {
    SliceMix m(t.slice_profiles().size() + 1, 0);
    m[static_cast<std::size_t>(*t.find_slice("7g.80gb"))] = 1;
    return m;
  }();
  EXPECT_EQ(slice_fragmentation(idx.slices(), seven).weighted, 4) << "GPU 0's 4 free units cannot host a 7g";
}

TEST(SlicePlacement, WholeGpusAndSlicesNeverShareAGpu) {
  Topology t = mixed(1, 1, 8);
  FreeIndex idx(t);
  EXPECT_EQ(idx.total_free(), 8) << "sliced GPUs are never free as whole GPUs";
  EXPECT_EQ(idx.slices().free_units(), 8 * 7);
  auto p = std::move(make_placer("topology")).value();
  Allocation a;
  PlaceRequest whole{8, 0, 0};
  ASSERT_TRUE(p->place(idx, whole, &a, nullptr));
  EXPECT_FALSE(t.node(a[0].node).sliced);
  idx.take(a);
  EXPECT_FALSE(p->place(idx, whole, &a, nullptr)) << "the sliced node does not serve whole-GPU jobs";
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(p->place(idx, slice_req(t, "7g.80gb"), &a, nullptr));
    EXPECT_TRUE(t.node(a[0].node).sliced);
    idx.take(a);
  }
  PlaceFailure why;
  EXPECT_FALSE(p->place(idx, slice_req(t, "1g.10gb"), &a, &why));
  EXPECT_EQ(why.kind, WaitKind::kNoSlice);
  EXPECT_TRUE(idx.none_free());
}

TEST(SlicePlacement, RespectsSitesTypesAndRank) {
  Topology t;
  for (const char* s : {"a", "b"}) {
    SiteId site = *t.add_site(s);
    for (const char* type : {"H100", "A100"}) {
      BlockId b = *t.add_block(site, std::string(s) + type, type);
      ASSERT_TRUE(t.set_sliced(b).ok());
      (void)t.add_node(b, std::string(s) + type + "n", 1);
    }
  }
  FreeIndex idx(t);
  Allocation a;
  auto p = slicer("frag");
  PlaceRequest r = slice_req(t, "1g.10gb");
  r.sites = bit(*t.find_site("b"));
  r.types = bit(*t.find_type("A100"));
  ASSERT_TRUE(p->place(idx, r, &a, nullptr));
  EXPECT_EQ(t.node(a[0].node).name, "bA100n");
  std::vector<std::int64_t> rank(idx.pools().size(), 1);
  rank[idx.pool_of_block(t.node(*t.find_node("aA100n")).block)] = 0;
  PlaceRequest any = slice_req(t, "1g.10gb");
  any.rank = &rank;
  ASSERT_TRUE(p->place(idx, any, &a, nullptr));
  EXPECT_EQ(t.node(a[0].node).name, "aA100n") << "the site choice comes before the fit";
}

// Random slice and whole-GPU placements and releases, and sliced GPUs set aside and put back:
// no slot is ever held twice, and every aggregate of the index equals a recount from the
// allocations held (the classes, and per pool the GPUs with room for each profile).
TEST(SliceProperty, RandomTakeGiveKeepsIndexExact) {
  for (const char* policy : {"frag", "bestfit"}) {
    Topology t = mixed(2, 3, 4);
    FreeIndex idx(t);
    auto p = std::move(make_placer("topology", policy)).value();
    std::mt19937 rng(7);
    std::vector<Allocation> held;
    const int profiles = static_cast<int>(t.slice_profiles().size());
    std::vector<char> aside(idx.slices().gpus(), 0);
    for (int step = 0; step < 3000; ++step) {
      if (rng() % 10 == 0) {  // a reservation holds a sliced GPU, or lets it go
        SliceGpu g = static_cast<SliceGpu>(rng() % idx.slices().gpus());
        Allocation one{{idx.slices().node_of(g), std::uint64_t{1} << idx.slices().index_in_node(g)}};
        aside[g] ? idx.release(one) : idx.hold(one);
        aside[g] = !aside[g];
      } else if (held.empty() || rng() % 3 != 0) {
        PlaceRequest r;
        if (rng() % 4 == 0) r.gpus = 1 + static_cast<int>(rng() % 4);
        else r.slice = 1 + static_cast<int>(rng() % static_cast<unsigned>(profiles));
        Allocation a;
        if (p->place(idx, r, &a, nullptr)) idx.take(a), held.push_back(a);
      } else {
        std::size_t i = rng() % held.size();
        idx.give(held[i]);
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
      }
      // Recount.
      const SliceIndex& si = idx.slices();
      std::vector<SlotMask> used(si.gpus(), 0);
      std::vector<long> per_profile(static_cast<std::size_t>(profiles) + 1, 0);
      long whole = 0;
      for (const Allocation& a : held)
        for (const NodeGpus& g : a) {
          if (!g.slots) {
            ASSERT_FALSE(t.node(g.node).sliced) << "a whole-GPU job on a sliced GPU";
            whole += std::popcount(g.mask);
            continue;
          }
          ASSERT_TRUE(t.node(g.node).sliced) << "a slice on a whole-GPU node";
          SliceGpu gpu = si.gpu_of(g.node, std::countr_zero(g.mask));
          ASSERT_FALSE(used[gpu] & g.slots) << "slot held twice, step " << step;
          used[gpu] = static_cast<SlotMask>(used[gpu] | g.slots);
          ++per_profile[g.slice];
        }
      ASSERT_EQ(idx.total_free(), 8 - whole);
      long units = 0;
      std::map<std::pair<PoolId, int>, std::size_t> classes;
      for (SliceGpu g = 0; g < si.gpus(); ++g) {
        ASSERT_EQ(si.used(g), used[g]);
        if (aside[g]) continue;  // in no class, its free units out of the count
        units += free_units_of(used[g]);
        ++classes[{si.pool_of(g), used[g]}];
      }
      ASSERT_EQ(si.free_units(), units);
      for (int k = 1; k <= profiles; ++k) ASSERT_EQ(si.held(k), per_profile[static_cast<std::size_t>(k)]);
      for (PoolId pool = 0; pool < si.pools(); ++pool) {
        std::size_t seen = 0;
        si.for_each_occupancy(pool, [&](SlotMask m) {
          ASSERT_EQ(si.with(pool, m).size(), (classes[{pool, m}]));
          seen += si.with(pool, m).size();
        });
        long kept = 0, most = 0;
        std::vector<long> fitting(static_cast<std::size_t>(profiles) + 1, 0);
        for (SliceGpu g = 0; g < si.gpus(); ++g) {
          if (si.pool_of(g) != pool || aside[g]) continue;
          ++kept;
          most = std::max<long>(most, free_units_of(used[g]));
          for (int k = 1; k <= profiles; ++k) fitting[static_cast<std::size_t>(k)] += si.first_start(k, used[g]) >= 0;
        }
        ASSERT_EQ(static_cast<long>(seen), kept) << "every GPU not aside in exactly one class";
        ASSERT_EQ(si.most_free_units(pool), most) << "step " << step;
        for (int k = 1; k <= profiles; ++k) ASSERT_EQ(si.fitting(pool, k), fitting[static_cast<std::size_t>(k)]);
      }
    }
    for (const Allocation& a : held) idx.give(a);
    for (SliceGpu g = 0; g < aside.size(); ++g)
      if (aside[g]) idx.release({{idx.slices().node_of(g), std::uint64_t{1} << idx.slices().index_in_node(g)}});
    EXPECT_EQ(idx.slices().free_units(), 12 * 7) << policy;
    EXPECT_EQ(idx.total_free(), 8);
  }
}

TEST(SlicePlacement, UnknownSlicePlacerNamesTheChoices) {
  auto p = make_placer("topology", "worstfit");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "slice_placement: unknown 'worstfit'; expected frag or bestfit");
}

}  // namespace
}  // namespace hexa
