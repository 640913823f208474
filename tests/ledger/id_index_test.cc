// IdIndex: lookups by name after inserts and erases, checked against the vector it indexes.
#include "ledger/id_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hexa {
namespace {

struct Named {
  std::string id;
};

// Every name present is found at its position; every erased one is not.
void expect_consistent(const IdIndex& index, const std::vector<Named>& v, const std::vector<bool>& present) {
  std::size_t count = 0;
  for (std::uint32_t i = 0; i < v.size(); ++i) {
    auto pos = index.find(v[i].id, v);
    if (present[i]) {
      ++count;
      ASSERT_TRUE(pos.has_value()) << v[i].id;
      EXPECT_EQ(*pos, i);
    } else {
      EXPECT_FALSE(pos.has_value()) << v[i].id;
    }
  }
  EXPECT_EQ(index.size(), count);
}

TEST(IdIndex, FindsWhatWasInsertedAndNothingElse) {
  std::vector<Named> v;
  IdIndex index;
  EXPECT_FALSE(index.find("a", v).has_value());
  for (int i = 0; i < 1000; ++i) {
    v.push_back({"hold:j" + std::to_string(i) + "#0"});
    index.insert(v.back().id, static_cast<std::uint32_t>(i));
  }
  expect_consistent(index, v, std::vector<bool>(v.size(), true));
  EXPECT_FALSE(index.find("hold:j1000#0", v).has_value());
}

// Erasing from the middle of probe runs (many names, a small table between grows) must keep
// every other name reachable: the backward shift may not strand one behind a hole.
TEST(IdIndex, EraseKeepsEveryOtherNameReachable) {
  std::vector<Named> v;
  IdIndex index;
  for (int i = 0; i < 600; ++i) {
    v.push_back({"a" + std::to_string(i * 7919 % 1000)});
    index.insert(v.back().id, static_cast<std::uint32_t>(i));
  }
  std::vector<bool> present(v.size(), true);
  for (std::uint32_t i = 0; i < v.size(); i += 3) {
    index.erase(v[i].id, i);
    present[i] = false;
  }
  expect_consistent(index, v, present);
  for (std::uint32_t i = 0; i < v.size(); i += 3) {  // back in, at the same positions
    index.insert(v[i].id, i);
    present[i] = true;
  }
  expect_consistent(index, v, present);
}

// Equality is by content: an insert that grew the table, then its erase, leaves an index equal
// to the one before (a failed operation compares whole ledgers before and after).
TEST(IdIndex, EqualByContentAfterInsertThenErase) {
  std::vector<Named> v;
  IdIndex index;
  for (int i = 0; i < 8; ++i) {
    v.push_back({"n" + std::to_string(i)});
    index.insert(v.back().id, static_cast<std::uint32_t>(i));
  }
  const IdIndex before = index;
  v.push_back({"n8"});
  index.insert("n8", 8);  // the 9th name grows the table
  EXPECT_NE(index, before);
  index.erase("n8", 8);
  EXPECT_EQ(index, before);
  IdIndex other;  // the same names inserted in another order: equal
  for (int i = 7; i >= 0; --i) other.insert(v[static_cast<std::size_t>(i)].id, static_cast<std::uint32_t>(i));
  EXPECT_EQ(other, before);
  other.erase("n3", 3);
  other.insert("n3", 9);  // same name, another position: not equal
  EXPECT_NE(other, before);
}

}  // namespace
}  // namespace hexa
