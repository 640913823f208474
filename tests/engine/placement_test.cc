#include <bit>

#include <gtest/gtest.h>

#include "engine/placement.h"
#include "test_util.h"

namespace hexa {
namespace {

using testing::cluster;

int gpus_of(const Allocation& a) {
  int n = 0;
  for (const auto& ng : a) n += std::popcount(ng.mask);
  return n;
}

class PlacementTest : public ::testing::Test {
 protected:
  void SetUp() override { placer = std::move(make_placer("topology")).value(); }
  std::unique_ptr<Placer> placer;
};

TEST_F(PlacementTest, SixteenGpuJobTakesTwoNodesOfOneBlock) {
  Topology topo = cluster(2, 4, 8);  // 2 blocks x 4 nodes x 8 GPUs
  FreeIndex idx(topo);
  idx.take(0, 0x1);  // block 0 has 31 free, block 1 has 32
  Allocation a;
  ASSERT_TRUE(placer->place(idx, {16, 0, 0}, &a, nullptr));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(gpus_of(a), 16);
  BlockId b = topo.node(a[0].node).block;
  EXPECT_EQ(topo.node(a[1].node).block, b);
  EXPECT_EQ(b, 0u) << "best fit: the block with less free capacity that still holds it";
  EXPECT_EQ(a[0].mask, 0xFFu);
  EXPECT_EQ(a[1].mask, 0xFFu);
}

TEST_F(PlacementTest, SmallJobGoesToTheTightestNode) {
  Topology topo = cluster(1, 3, 8);
  FreeIndex idx(topo);
  idx.take(1, 0x1F);  // node 1: 3 free
  idx.take(2, 0x0F);  // node 2: 4 free
  Allocation a;
  ASSERT_TRUE(placer->place(idx, {3, 0, 0}, &a, nullptr));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].node, 1u);
  EXPECT_EQ(a[0].mask, 0xE0u);
  ASSERT_TRUE(placer->place(idx, {4, 0, 0}, &a, nullptr));
  EXPECT_EQ(a[0].node, 2u);
}

TEST_F(PlacementTest, SmallJobNeverSpansNodes) {
  Topology topo = cluster(1, 2, 8);
  FreeIndex idx(topo);
  idx.take(0, 0x1F);
  idx.take(1, 0x1F);  // 3 + 3 free, but no node has 4
  Allocation a;
  PlaceFailure why;
  EXPECT_FALSE(placer->place(idx, {4, 0, 0}, &a, &why));
  EXPECT_EQ(why.kind, WaitKind::kNoNode);
  EXPECT_EQ(why.best, 3);
  // count placement ignores nodes and takes them
  auto count = std::move(make_placer("count")).value();
  ASSERT_TRUE(count->place(idx, {4, 0, 0}, &a, nullptr));
  EXPECT_EQ(gpus_of(a), 4);
}

TEST_F(PlacementTest, LargeJobUsesFewestBlocksOfOneSite) {
  Topology topo = cluster(3, 2, 8);  // 3 blocks of 16 GPUs
  FreeIndex idx(topo);
  idx.take(0, 0xFF);  // block 0: 8 free
  Allocation a;
  ASSERT_TRUE(placer->place(idx, {32, 0, 0}, &a, nullptr));
  EXPECT_EQ(gpus_of(a), 32);
  for (const auto& ng : a) EXPECT_NE(topo.node(ng.node).block, 0u) << "two whole blocks beat three";
}

TEST_F(PlacementTest, NeverAcrossSites) {
  Topology topo = cluster(1, 1, 8, /*sites=*/2);
  FreeIndex idx(topo);
  Allocation a;
  PlaceFailure why;
  EXPECT_FALSE(placer->place(idx, {16, 0, 0}, &a, &why));
  EXPECT_EQ(why.kind, WaitKind::kNoBlock);
  EXPECT_EQ(why.best, 8);
  EXPECT_TRUE(placer->place(idx, {8, 0, bit(1)}, &a, nullptr));
  EXPECT_EQ(topo.node(a[0].node).site, 1u) << "allowed sites are respected";
}

TEST_F(PlacementTest, UnknownPlacementNamesTheChoices) {
  auto p = make_placer("random");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("topology or count"), std::string::npos);
}

TEST(FreeIndexTest, AggregatesFollowTakeAndGive) {
  Topology topo = cluster(2, 2, 4);
  FreeIndex idx(topo);
  EXPECT_EQ(idx.total_free(), 16);
  EXPECT_EQ(idx.pool_level(0, 4), 4);
  idx.take(0, 0x3);
  EXPECT_EQ(idx.node_free(0), 2);
  EXPECT_EQ(idx.block_free(0), 6);
  EXPECT_EQ(idx.block_level(0, 2), 1);
  EXPECT_EQ(idx.block_level(0, 4), 1);
  EXPECT_EQ(idx.pool_max_node_free(0), 4);
  idx.give(0, 0x1);
  EXPECT_EQ(idx.node_free(0), 3);
  EXPECT_EQ(idx.pool_level(0, 3), 1);
  EXPECT_EQ(idx.total_free(), 15);
}

}  // namespace
}  // namespace hexa
