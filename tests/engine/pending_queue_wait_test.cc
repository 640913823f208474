// The reasons a pass writes in the queue's entries (Scheduler::waits_behind_head): a queued
// job's reason is the newer of its own and its entry's; an entry's goes with the entry (a job
// queued again starts without one), moves with it when re-keyed, and is in snapshots.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hexa
