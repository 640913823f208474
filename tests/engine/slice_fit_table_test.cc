// SliceIndex::fitting_profiles, the table count() walks instead of every profile: for every
// occupancy it lists exactly the profiles that have a start there, worked out here from the
// profiles themselves (not from first_start, which the table is built from). That the counts
// it keeps stay exact under random take/give/set-aside sequences is
// SliceProperty.RandomTakeGiveKeepsIndexExact (slice_test.cc), which recounts fitting().
#include <vector>

#include <gtest/gtest.h>

#include "engine/free_index.h"

namespace hexa {
namespace {

// One site, one sliced block of one node.
Topology one_sliced_node(std::vector<SliceProfile> table) {
  Topology t;
  SiteId site = *t.add_site("s0");
  BlockId b = *t.add_block(site, "m", "H100");
  EXPECT_TRUE(t.set_sliced(b).ok());
  (void)t.add_node(b, "m0", 8);
  if (!table.empty()) {
    EXPECT_TRUE(t.set_slice_profiles(std::move(table)).ok());
  }
  return t;
}

// The profiles with room on occupancy m, from the MIG rule: an allowed start whose slots are free.
std::vector<std::uint8_t> fitting_by_rule(const Topology& t, SlotMask m) {
  std::vector<std::uint8_t> out;
  for (std::size_t k = 0; k < t.slice_profiles().size(); ++k) {
    const SliceProfile& p = t.slice_profiles()[k];
    for (int at = 0; at < kSliceSlots; ++at)
      if ((p.starts >> at & 1) && !(p.slots_at(at) & m)) {
        out.push_back(static_cast<std::uint8_t>(k + 1));
        break;
      }
  }
  return out;
}

void expect_table_follows_rule(const Topology& t) {
  const FreeIndex idx(t);
  const SliceIndex& si = idx.slices();
  for (unsigned m = 0; m < 256; ++m) {
    const auto listed = si.fitting_profiles(static_cast<SlotMask>(m));
    const std::vector<std::uint8_t> got(listed.begin(), listed.end());
    EXPECT_EQ(got, fitting_by_rule(t, static_cast<SlotMask>(m))) << "occupancy " << m;
    for (std::uint8_t k : got) EXPECT_GE(si.first_start(k, static_cast<SlotMask>(m)), 0);
  }
}

TEST(SliceFitTable, ListsExactlyTheProfilesThatFitEachOccupancy) {
  const Topology t = one_sliced_node({});  // the H100 table
  expect_table_follows_rule(t);
  const FreeIndex idx(t);
  EXPECT_EQ(idx.slices().fitting_profiles(0).size(), t.slice_profiles().size()) << "an empty GPU fits all";
  EXPECT_TRUE(idx.slices().fitting_profiles(0xff).empty()) << "a full GPU fits none";
}

TEST(SliceFitTable, FollowsACustomTable) {
  // Starts of its own (first and last compute slot; odd offsets), and the whole GPU.
  expect_table_follows_rule(one_sliced_node({{"a", 1, 1, 0x41}, {"b", 2, 3, 0x09}, {"c", 7, 8, 0}, {"d", 3, 2, 0x12}}));
}

}  // namespace
}  // namespace hexa
