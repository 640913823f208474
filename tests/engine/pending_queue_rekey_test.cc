// PendingQueue::rekey: the same queue, and the same order of the group lists, as erase then
// push, which it replaces for policies that re-key every waiting job in every pass (ftf).
#include <gtest/gtest.h>

#include <random>

#include "engine/pending_queue.h"

namespace hexa {
namespace {

// What a pass sees: groups in list order, each group's jobs in key order.
std::vector<std::pair<std::uint32_t, std::vector<JobId>>> seen(PendingQueue& q) {
  std::vector<std::pair<std::uint32_t, std::vector<JobId>>> out;
  for (const auto& [key, g] : q.groups()) {
    out.push_back({key.group, {}});
    for (const QueueEntry& e : *g) out.back().second.push_back(e.id);
  }
  return out;
}

TEST(PendingQueueRekey, SameAsEraseThenPushUnderRandomOperations) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    PendingQueue a, b;  // a: erase + push; b: rekey where it can
    std::vector<GroupKey> group(64);
    std::vector<bool> queued(64, false);
    int rekeyed = 0;
    for (int step = 0; step < 2000; ++step) {
      const JobId id = rng() % 64;
      const PolicyKey key{static_cast<std::int64_t>(rng() % 8), static_cast<std::int64_t>(rng() % 1000)};
      if (!queued[id]) {
        group[id] = {-static_cast<int>(rng() % 2), static_cast<std::uint32_t>(rng() % 4)};
        a.push(id, group[id], key);
        b.push(id, group[id], key);
        queued[id] = true;
      } else if (rng() % 4 == 0) {
        a.erase(id);
        b.erase(id);
        queued[id] = false;
      } else {
        a.erase(id);
        a.push(id, group[id], key);
        if (b.rekey(id, group[id], key)) {
          ++rekeyed;
        } else {
          b.erase(id);
          b.push(id, group[id], key);
        }
      }
      if (step % 50 == 0) a.drop_empty_groups(), b.drop_empty_groups();
      ASSERT_EQ(seen(a), seen(b)) << "seed " << seed << " step " << step;
    }
    EXPECT_GT(rekeyed, 100) << "seed " << seed;  // the test exercises rekey, not only its refusals
  }
}

TEST(PendingQueueRekey, RefusesWhatEraseAndPushWouldChangeMore) {
  PendingQueue q;
  q.push(1, {0, 0}, {0, 1});
  EXPECT_FALSE(q.rekey(1, {0, 0}, {0, 5}));  // the group's last job
  q.push(2, {0, 0}, {0, 2});
  EXPECT_FALSE(q.rekey(1, {0, 1}, {0, 5}));  // another group
  EXPECT_FALSE(q.rekey(3, {0, 0}, {0, 5}));  // not queued
  ASSERT_TRUE(q.rekey(1, {0, 0}, {0, 5}));
  std::vector<JobId> order;
  q.in_order(&order);
  EXPECT_EQ(order, (std::vector<JobId>{2, 1}));
}

}  // namespace
}  // namespace hexa
