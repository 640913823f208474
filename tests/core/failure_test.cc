// Node failures in the core: every job on the failed node goes back to the queue and loses the
// work done since its last checkpoint; the refund policy gives back the cost of that work.
#include <gtest/gtest.h>

#include "core/credits_fixture.h"

namespace hexa {
namespace {

class FailureTest : public CreditsTest {
 protected:
  // The node job `id` runs on (its first node).
  std::string node_of(JobId id) {
    EXPECT_EQ(core->job(id).phase, JobPhase::kRunning);
    return core->job(id).alloc.empty() ? "" : topo.node(core->job(id).alloc.front().node).name;
  }
  Effects fail(const std::string& node, TimeMs now) {
    auto fx = core->apply(FailNode{node}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return fx.ok() ? *fx : Effects{};
  }
  Micro consumed(const std::string& t) { return *core->ledger().consumed(t); }
};

// 8 GPUs x 50 min at 10 credits per GPU-hour, rounded up to the micro-credit.
constexpr Micro kFiftyMinutes = (8 * 50 * 10 * kCredit + 59) / 60;
constexpr Micro kTenMinutes = (8 * 10 * 10 * kCredit + 59) / 60;

TEST_F(FailureTest, JobGoesBackToTheQueueAndLosesWorkSinceItsLastCheckpoint) {
  JobId a = submit("a", "rich", 8, kHour, 0, 20 * kMinute);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  Effects fx = fail(node_of(a), 50 * kMinute);  // checkpoints at 20 and 40 min: 10 min lost
  ASSERT_EQ(fx.list.size(), 1u);
  const auto& failed = std::get<JobFailed>(fx.list[0]);
  EXPECT_EQ(failed.job, a);
  EXPECT_EQ(failed.lost, 10 * kMinute);
  const Job& j = core->job(a);
  EXPECT_EQ(j.phase, JobPhase::kPending);
  EXPECT_EQ(j.useful_ms, 40 * kMinute);
  EXPECT_EQ(j.run_ms, 50 * kMinute) << "the GPUs were held 50 minutes all the same";
  EXPECT_EQ(j.failures, 1);
  EXPECT_EQ(j.lost_ms, 10 * kMinute);
  EXPECT_TRUE(core->state().running.empty());
  // 50 minutes metered, the 10 lost refunded in full (the default policy).
  EXPECT_EQ(consumed("rich"), kFiftyMinutes - kTenMinutes);
  EXPECT_EQ(core->ledger().book().total(), 0);
  ASSERT_TRUE(core->apply(Schedule{}, 50 * kMinute).ok());
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning) << "it runs again from its checkpoint";
}

TEST_F(FailureTest, WithoutCheckpointsEverythingSinceTheStartIsLost) {
  JobId a = submit("a", "rich", 8, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  Effects fx = fail(node_of(a), 50 * kMinute);
  EXPECT_EQ(std::get<JobFailed>(fx.list.at(0)).lost, 50 * kMinute);
  EXPECT_EQ(core->job(a).useful_ms, 0);
  EXPECT_EQ(consumed("rich"), 0) << "all of it refunded";
}

// A live host's Schedule may stop a job a little after its time limit, and its node may be
// lost in between: the hold metered only the limit, so the refund gives back no more than that
// (found by the deterministic simulation, seeds 116537 and 151184: a ledger fault before).
TEST_F(FailureTest, ANodeLostPastAJobsTimeLimitRefundsNoMoreThanWasCharged) {
  JobId a = submit("a", "rich", 8, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  Effects fx = fail(node_of(a), 70 * kMinute);
  ASSERT_EQ(fx.list.size(), 1u) << "a JobFailed and no LedgerFault";
  EXPECT_EQ(std::get<JobFailed>(fx.list[0]).lost, 70 * kMinute);
  EXPECT_EQ(consumed("rich"), 0) << "the hour charged, the hour refunded";
  auto st = core->ledger().statement("rich", 0, 2 * kHour);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->refunds.size(), 1u);
  EXPECT_EQ(st->refunds[0].gpu_ms, 8 * kHour) << "the GPU time refunded is the GPU time charged";
  EXPECT_EQ(core->ledger().book().total(), 0);
}

// A live job's own checkpoint (hexa checkpoint): a failure loses only what came after it.
TEST_F(FailureTest, AReportedCheckpointIsWhereAFailureSendsTheJobBack) {
  JobId a = submit("a", "rich", 8, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  const int seg = core->job(a).segment;
  ASSERT_TRUE(core->apply(Checkpoint{a, seg}, 30 * kMinute).ok());
  Effects fx = fail(node_of(a), 50 * kMinute);
  EXPECT_EQ(std::get<JobFailed>(fx.list.at(0)).lost, 20 * kMinute);
  EXPECT_EQ(core->job(a).useful_ms, 30 * kMinute);
  EXPECT_EQ(consumed("rich"), kFiftyMinutes - (8 * 20 * 10 * kCredit + 59) / 60) << "the 20 lost refunded";
}

TEST_F(FailureTest, ACheckpointOfAnotherSegmentOrAJobNotRunningIsRefusedAndChangesNothing) {
  JobId a = submit("a", "rich", 8, kHour);
  submit("b", "rich", 8, kHour);
  JobId waiting = submit("c", "rich", 8, kHour);  // two nodes of 8 GPUs: no room for it
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  const auto before = core->digest();
  auto stale = core->apply(Checkpoint{a, core->job(a).segment + 1}, kMinute);
  EXPECT_EQ(stale.status().code(), StatusCode::kConflict) << stale.status().message();
  auto pending = core->apply(Checkpoint{waiting, 1}, kMinute);
  EXPECT_EQ(pending.status().code(), StatusCode::kConflict);
  auto missing = core->apply(Checkpoint{9999, 1}, kMinute);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(core->digest(), before);
  Effects fx = fail(node_of(a), 50 * kMinute);
  EXPECT_EQ(std::get<JobFailed>(fx.list.at(0)).lost, 50 * kMinute);
}

TEST_F(FailureTest, RefundPolicyGivesBackItsPercentage) {
  ASSERT_TRUE(core->apply(SetRefundPolicy{RefundPolicy{100, 50}}, 0).ok());
  JobId a = submit("a", "rich", 8, kHour, 0, 20 * kMinute);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  fail(node_of(a), 50 * kMinute);
  EXPECT_EQ(consumed("rich"), kFiftyMinutes - kTenMinutes / 2);
}

TEST_F(FailureTest, NoRefundWhenThePolicySaysNone) {
  ASSERT_TRUE(core->apply(SetRefundPolicy{RefundPolicy{0, 0}}, 0).ok());
  JobId a = submit("a", "rich", 8, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  fail(node_of(a), 50 * kMinute);
  EXPECT_EQ(consumed("rich"), kFiftyMinutes);
}

TEST_F(FailureTest, OnlyJobsOnTheFailedNodeAreHit) {
  JobId a = submit("a", "rich", 4, kHour);       // holds 40 credits
  JobId b = submit("b", "rich", 8, 30 * kMinute);  // holds 40
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  ASSERT_NE(node_of(a), node_of(b));
  Effects fx = fail(node_of(b), kMinute);
  ASSERT_EQ(fx.list.size(), 1u);
  EXPECT_EQ(std::get<JobFailed>(fx.list[0]).job, b);
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
}

// A failed node is down: nothing starts there until it is back (NodeUp), and failing it again
// is refused and changes nothing.
TEST_F(FailureTest, AFailedNodeTakesNoWorkUntilItIsUp) {
  JobId a = submit("a", "rich", 8, 15 * kMinute);
  JobId b = submit("b", "rich", 8, 15 * kMinute);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  const std::string node = node_of(b);
  fail(node, kMinute);
  EXPECT_EQ(core->node(*topo.find_node(node)).state(), NodeState::kDown);
  auto again = core->apply(FailNode{node}, kMinute);
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_EQ(again.status().message(), "node '" + node + "': already down");
  ASSERT_TRUE(core->apply(Schedule{}, 2 * kMinute).ok());
  EXPECT_EQ(core->job(b).phase, JobPhase::kPending) << "its node is down, the other one is a's";
  EXPECT_EQ(core->state().free.total_free(), 0) << "a down node offers nothing";
  ASSERT_TRUE(core->apply(NodeUp{node}, 3 * kMinute).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 3 * kMinute).ok());
  EXPECT_EQ(node_of(b), node) << "back in service, it takes work again";
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
}

// A draining node finishes what runs there and takes nothing new; resumed, it takes work again.
TEST_F(FailureTest, ADrainingNodeFinishesItsJobsAndTakesNoNewOnes) {
  JobId a = submit("a", "rich", 8, 15 * kMinute);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  const std::string node = node_of(a);
  ASSERT_TRUE(core->apply(DrainNode{node}, kMinute).ok());
  EXPECT_EQ(core->node(*topo.find_node(node)).state(), NodeState::kDraining);
  JobId b = submit("b", "rich", 8, 15 * kMinute, kMinute);
  JobId c = submit("c", "rich", 8, 15 * kMinute, kMinute);
  ASSERT_TRUE(core->apply(Schedule{}, kMinute).ok());
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning) << "draining lets it finish";
  EXPECT_NE(node_of(b), node);
  ASSERT_TRUE(core->apply(CompleteJob{a, core->job(a).segment}, 2 * kMinute).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 2 * kMinute).ok());
  EXPECT_EQ(core->job(c).phase, JobPhase::kPending) << "nothing new on a draining node, even free";
  ASSERT_TRUE(core->apply(ResumeNode{node}, 3 * kMinute).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 3 * kMinute).ok());
  EXPECT_EQ(node_of(c), node);
  EXPECT_EQ(core->apply(DrainNode{"nope"}, 4 * kMinute).status().code(), StatusCode::kNotFound);
}

// A preemptor is not placed on what a victim frees on a draining node: those GPUs stay out
// (they once went to the preemptor, GPUs held offline taken twice, the free count below zero).
TEST(DrainTest, PreemptionDoesNotPlaceOnADrainingNode) {
  Topology topo = testing::cluster(1, 1, 8);
  auto core = std::move(Core::make(topo, {})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  JobSpec low;
  low.name = "low";
  low.gpus = 4;
  ASSERT_TRUE(core->apply(SubmitJob{low}, 0).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  ASSERT_TRUE(core->apply(DrainNode{"s0b0n0"}, 1).ok());
  JobSpec high = low;
  high.name = "high";
  high.priority = 1;
  ASSERT_TRUE(core->apply(SubmitJob{high}, 2).ok());
  auto fx = core->apply(Schedule{}, 2);
  ASSERT_TRUE(fx.ok());
  EXPECT_TRUE(fx->list.empty()) << "preempting would free nothing it may use";
  EXPECT_EQ(core->job(0).phase, JobPhase::kRunning);
  EXPECT_EQ(core->job(1).phase, JobPhase::kPending);
  EXPECT_EQ(core->state().free.total_free(), 0);
}

TEST_F(FailureTest, BadInputChangesNothing) {
  EXPECT_EQ(core->apply(FailNode{"n42"}, 0).status().message(), "node: no node named 'n42' in the cluster");
  auto r = core->apply(SetRefundPolicy{RefundPolicy{100, 101}}, 0);
  EXPECT_EQ(r.status().message(), "refund policy: percentages must be between 0 and 100");
  JobId a = submit("a", "rich", 8, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  fail(node_of(a), 50 * kMinute);
  EXPECT_EQ(consumed("rich"), 0) << "the bad policy was not applied: the default refunds all";
}

// The restart overhead after a failure is the failure's cost, refunded under failure_pct and
// named so in the statement.
TEST(FailureSimTest, RestartAfterAFailureIsRefundedAsTheFailures) {
  Topology topo = testing::cluster(1, 1, 8);
  SimOptions opt = testing::options("fifo");
  opt.sched.restart_overhead = 60 * kSecond;
  opt.checkpoint_every = 10 * kMinute;
  opt.failures = {{25 * kMinute, "s0b0n0"}};
  opt.repair = 0;  // back at once: the job restarts there
  Trace trace;
  trace.jobs = {testing::job("a", 0, 8, 3600, "t")};
  opt.setup = {price(10), grant("g", "t", 1000)};
  Statement st;
  opt.at_end = [&](const Core& core, TimeMs end) { st = *core.ledger().statement("t", 0, end + 1); };
  auto r = simulate(topo, trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const JobRecord& a = r->jobs[0];
  EXPECT_EQ(a.state, "finished");
  EXPECT_EQ(a.failures, 1);
  EXPECT_EQ(a.lost_ms, 5 * kMinute);
  EXPECT_EQ(a.useful_ms, 3600 * kSecond) << "served exactly its work";
  // 25 min, then 1 min overhead + the 40 min left after the checkpoint at 20.
  EXPECT_EQ(a.end, 25 * kMinute + kMinute + 40 * kMinute);
  EXPECT_EQ(r->failures, 1);
  EXPECT_EQ(r->lost_gpu_ms, 8 * 5 * kMinute);
  ASSERT_EQ(st.refunds.size(), 2u);
  EXPECT_EQ(st.refunds[0].note, "work lost to node failure");
  EXPECT_EQ(st.refunds[1].note, "restart after node failure");
  // Paid: 8 GPUs x 66 min, less 5 min lost and 1 min overhead: exactly 60 GPU-minutes x 8.
  Micro paid = 0;
  for (const auto& l : st.jobs) paid += l.amount;
  EXPECT_EQ(paid - total(st.refunds), 8 * 60 * 10 * kCredit / 60);
}

// A failed node stays down for the repair time; the job waits (the only node) and restarts after.
TEST(FailureSimTest, AFailedNodeIsDownUntilRepaired) {
  Topology topo = testing::cluster(1, 1, 8);
  SimOptions opt = testing::options("fifo");
  opt.failures = {{25 * kMinute, "s0b0n0"}, {30 * kMinute, "s0b0n0"}};
  opt.repair = 30 * kMinute;
  Trace trace;
  trace.jobs = {testing::job("a", 0, 8, 3600, "t")};
  auto r = simulate(topo, trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->failed_nodes, 1) << "the second failure hit a node already down";
  EXPECT_EQ(r->jobs[0].end, 55 * kMinute + kHour) << "restarted from scratch once repaired";
}

}  // namespace
}  // namespace hexa
