// RequeueJob: the host takes one running job off its GPUs gracefully (a drain's deadline), as
// a preemption by priority does: JobPreempted, back in the queue, its work kept, charged for
// what ran; a stale or unknown job is refused and changes nothing.
#include <gtest/gtest.h>

#include "core/credits_fixture.h"

namespace hexa {
namespace {

class RequeueTest : public CreditsTest {
 protected:
  std::string node_of(JobId id) {
    return core->job(id).alloc.empty() ? "" : topo.node(core->job(id).alloc.front().node).name;
  }
};

TEST_F(RequeueTest, ARunningJobGoesBackToTheQueueLikeAPreemption) {
  JobId a = submit("a", "rich", 8, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  ASSERT_EQ(core->job(a).phase, JobPhase::kRunning);
  const std::string first = node_of(a);
  auto fx = core->apply(RequeueJob{a, 1}, 20 * kMinute);
  ASSERT_TRUE(fx.ok()) << fx.status().message();
  ASSERT_EQ(fx->list.size(), 1u);
  const auto& p = std::get<JobPreempted>(fx->list[0]);
  EXPECT_EQ(p.job, a);
  EXPECT_EQ(p.segment, 1);
  const Job& j = core->job(a);
  EXPECT_EQ(j.phase, JobPhase::kPending);
  EXPECT_EQ(j.preemptions, 1);
  EXPECT_EQ(j.useful_ms, 20 * kMinute) << "graceful: its work is kept";
  EXPECT_EQ(j.run_ms, 20 * kMinute);
  EXPECT_TRUE(core->state().running.empty());
  EXPECT_GT(*core->ledger().consumed("rich"), 0) << "charged for the 20 minutes it ran";
  // With its node drained, the next pass runs it on the other node, as a new segment.
  ASSERT_TRUE(core->apply(DrainNode{first}, 20 * kMinute).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 20 * kMinute).ok());
  ASSERT_EQ(core->job(a).phase, JobPhase::kRunning);
  EXPECT_EQ(core->job(a).segment, 2);
  EXPECT_NE(node_of(a), first);
}

TEST_F(RequeueTest, RefusalsChangeNothing) {
  JobId a = submit("a", "rich", 8, 30 * kMinute);  // holds 40 credits of 100
  JobId b = submit("b", "rich", 8, 30 * kMinute);
  JobId c = submit("c", "rich", 8, 30 * kMinute);  // no room: pending
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  ASSERT_EQ(core->job(c).phase, JobPhase::kPending);
  ASSERT_TRUE(core->apply(CompleteJob{b, 1}, kMinute).ok());
  const std::uint64_t before = core->digest();
  auto refused = [&](const RequeueJob& r, StatusCode code, const std::string& message) {
    auto fx = core->apply(r, 2 * kMinute);
    ASSERT_FALSE(fx.ok());
    EXPECT_EQ(fx.status().code(), code);
    EXPECT_EQ(fx.status().message(), message);
    EXPECT_EQ(core->digest(), before);
  };
  refused({a, 2}, StatusCode::kConflict, "job 'a': stale report about run segment 2; segment 1 runs now");
  refused({c, 1}, StatusCode::kConflict, "job 'c': cannot requeue, it is pending");
  refused({b, 1}, StatusCode::kConflict, "job 'b': cannot requeue, it is finished");
  refused({999, 1}, StatusCode::kNotFound, "job: no job 999");
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
}

}  // namespace
}  // namespace hexa
