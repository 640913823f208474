// The pending queue's groups keep their set nodes in a pool the queue owns: a queue moved, or
// assigned over one that has jobs (as a snapshot's load does), frees each node once, into
// the pool it came from (the sanitizer build checks the frees), and keeps its order.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "engine/pending_queue.h"

namespace hexa {
namespace {

std::vector<JobId> order(const PendingQueue& q) {
  std::vector<JobId> out;
  q.in_order(&out);
  return out;
}

TEST(PendingQueuePool, MovedAndAssignedOverAFullQueueItKeepsItsJobs) {
  PendingQueue full;
  for (JobId i = 0; i < 300; ++i) full.push(i, {0, i % 7}, {static_cast<std::int64_t>(300 - i), i});
  PendingQueue other;
  for (JobId i = 0; i < 50; ++i) other.push(i, {-1, i % 3}, {static_cast<std::int64_t>(i), i});
  const std::vector<JobId> want = order(other);
  full = std::move(other);  // the old groups and their pool go, in that order
  EXPECT_EQ(full.size(), 50u);
  EXPECT_EQ(order(full), want);
  PendingQueue moved(std::move(full));  // the pool moves with the sets that point into it
  moved.erase(7);
  moved.push(7, {-1, 0}, {1000, 7});
  moved.drop_empty_groups();
  EXPECT_EQ(moved.size(), 50u);
  moved = PendingQueue();
  EXPECT_TRUE(moved.empty());
  moved.push(1, {0, 0}, {0, 1});
  EXPECT_EQ(order(moved), std::vector<JobId>{1});
}

}  // namespace
}  // namespace hexa
