#include "ledger/block_vector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hexa {
namespace {

// Across blocks: what was pushed is where it was put, in order, by index and by walk; elements
// do not move as more come; copies compare equal until one changes.
TEST(BlockVector, KeepsElementsInPlaceAndInOrderAcrossBlocks) {
  BlockVector<std::string, 4> v;
  std::vector<std::string> want;
  std::vector<const std::string*> where;
  for (int i = 0; i < 23; ++i) {
    want.push_back("element " + std::to_string(i) + std::string(static_cast<std::size_t>(i), '.'));
    where.push_back(&v.push_back(std::string(want.back())));
  }
  ASSERT_EQ(v.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(v[i], want[i]);
    EXPECT_EQ(&v[i], where[i]);  // never moved
  }
  std::size_t i = 0;
  for (const std::string& s : v) EXPECT_EQ(s, want[i++]);
  EXPECT_EQ(i, want.size());
  BlockVector<std::string, 4> copy = v;
  EXPECT_TRUE(copy == v);
  copy[21] += "!";
  EXPECT_FALSE(copy == v);
  copy.push_back("more");
  EXPECT_EQ(copy.back(), "more");
  BlockVector<std::string, 4> moved = std::move(copy);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from one is empty
  EXPECT_EQ(moved.size(), want.size() + 1);
  EXPECT_EQ(moved.back(), "more");
  v.assign_default(9);
  EXPECT_EQ(v.size(), 9u);
  for (std::string& s : v) EXPECT_TRUE(s.empty());
  v.clear();
  EXPECT_TRUE(v.empty());
}

}  // namespace
}  // namespace hexa
