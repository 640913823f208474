// The reasons a pass writes in the queue's entries (Scheduler::waits_behind_head): a queued
// job's reason is the newer of its own and its entry's; an entry's goes with the entry (a job
// queued again starts without one), moves with it when re-keyed, and is in snapshots.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "engine/pending_queue.h"
#include "model/archive.h"

namespace hexa {
namespace {

const QueueEntry& entry_of(PendingQueue& q, JobId id) {
  for (const auto& [key, g] : q.groups())
    for (const QueueEntry& e : *g)
      if (e.id == id) return e;
  ADD_FAILURE() << "job " << id << " is not queued";
  static const QueueEntry kNone;
  return kNone;
}

WaitReason own(WaitKind kind, std::uint64_t pass) { return WaitReason::of(kind, pass, 7); }

TEST(PendingQueueWait, TheNewerOfTheJobsOwnReasonAndItsEntrys) {
  PendingQueue q;
  q.push(1, {0, 3}, {0, 1}, 0, {4, kNever});
  q.push(2, {0, 3}, {0, 2}, 0, {8, 60'000});
  EXPECT_EQ(entry_of(q, 2).shape, (QueueShape{8, 60'000}));

  // No entry reason yet: the job's own.
  EXPECT_EQ(q.wait_of(1, own(WaitKind::kNoBlock, 5)).kind, WaitKind::kNoBlock);
  entry_of(q, 1).waited = {6, 3, 90'000, 2};
  const WaitReason w = q.wait_of(1, own(WaitKind::kNoBlock, 5));
  EXPECT_EQ(w.kind, WaitKind::kWouldDelayHead);
  EXPECT_EQ(w.pass, 6u);
  EXPECT_EQ(w.a, 3);
  EXPECT_EQ(w.at, 90'000);
  EXPECT_EQ(w.other, 2u);
  // A reason the job got in the same pass or later is its own (admission refused it in that
  // pass; or a later pass looked at it).
  EXPECT_EQ(q.wait_of(1, own(WaitKind::kAdmission, 6)).kind, WaitKind::kAdmission);
  EXPECT_EQ(q.wait_of(1, own(WaitKind::kNoNode, 7)).kind, WaitKind::kNoNode);
  // Not queued: its own, whatever the entry it had.
  EXPECT_EQ(q.wait_of(9, own(WaitKind::kNoNode, 1)).kind, WaitKind::kNoNode);

  // Re-keyed in place (two jobs in the group): the entry keeps its reason.
  ASSERT_TRUE(q.rekey(1, {0, 3}, {5, 1}));
  EXPECT_EQ(q.wait_of(1, own(WaitKind::kNoBlock, 5)).kind, WaitKind::kWouldDelayHead);
  // Out of the queue and in again: a new entry, no reason from before.
  q.erase(1);
  EXPECT_EQ(q.wait_of(1, own(WaitKind::kNoBlock, 5)).kind, WaitKind::kNoBlock);
  q.push(1, {0, 3}, {0, 1}, 0, {4, kNever});
  EXPECT_EQ(q.wait_of(1, own(WaitKind::kNoBlock, 5)).kind, WaitKind::kNoBlock);
}

TEST(PendingQueueWait, SnapshotsKeepShapesAndReasons) {
  PendingQueue q;
  q.push(1, {0, 3}, {0, 1}, 0, {4, kNever});
  q.push(2, {-1, 4}, {0, 2}, 0, {8, 60'000});
  q.push(3, {0, 4}, {0, 3});
  entry_of(q, 2).waited = {6, 3, 90'000, 1};
  Writer w;
  q.save(w);
  const std::string bytes = w.take();
  PendingQueue back;
  Reader r(bytes);
  ASSERT_TRUE(back.load(r, 10)) << r.status().message();
  for (JobId id : {1u, 2u, 3u}) {
    EXPECT_EQ(entry_of(back, id).shape, entry_of(q, id).shape) << id;
    EXPECT_EQ(entry_of(back, id).waited, entry_of(q, id).waited) << id;
  }
  Writer again;
  back.save(again);
  EXPECT_EQ(again.take(), bytes);
}

// A queue as format 2 wrote it (no shapes nor reasons in the entries; Core::restore reads
// that format): its jobs come back in order, each with shape gpus 0 (looked at in every
// pass) and no reason of the entry's.
TEST(PendingQueueWait, ReadsFormat2) {
  Writer w;
  w.u64(2);  // groups: key, class
  w.i32(0), w.u32(3), w.u32(0);
  w.i32(0), w.u32(4), w.u32(0);
  w.u64(1);  // group lists: one, of both groups
  w.u64(2), w.i32(0), w.u32(4), w.i32(0), w.u32(3);
  w.u64(0);  // emptied
  w.u64(3);  // jobs: id, class, group key, policy key
  for (auto [id, group, tie] : {std::tuple{1u, 3u, 9}, {2u, 4u, 5}, {5u, 3u, 2}}) {
    w.u32(id), w.u32(0);
    w.i32(0), w.u32(group);
    w.i64(0), w.i64(tie);
  }
  const std::string bytes = w.take();
  PendingQueue q;
  Reader r(bytes);
  r.set_format(2);
  ASSERT_TRUE(q.load(r, 10)) << r.status().message();
  EXPECT_EQ(r.left(), 0u);
  std::vector<JobId> order;
  q.in_order(&order);
  EXPECT_EQ(order, (std::vector<JobId>{5, 1, 2}));
  for (JobId id : order) {
    EXPECT_EQ(entry_of(q, id).shape, QueueShape{}) << id;
    EXPECT_EQ(entry_of(q, id).waited, QueueWait{}) << id;
    EXPECT_EQ(q.wait_of(id, own(WaitKind::kNoBlock, 4)).kind, WaitKind::kNoBlock);
  }
  // Read as this build's format, the same bytes are short of the entries' fields.
  PendingQueue now;
  Reader as_now(bytes);
  EXPECT_FALSE(now.load(as_now, 10));
}

}  // namespace
}  // namespace hexa
