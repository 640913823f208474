// Estimated start times (engine/start_estimate.h) on small hand-checked cases: a queue behind
// two running jobs, the backfill reservation, an advance reservation, a node that takes no
// work, a job held for credits, and the policies that cannot promise.
#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "core/core.h"
#include "core/credits_fixture.h"
#include "engine/reservation_checks.h"
#include "engine/start_estimate.h"
#include "test_util.h"

namespace hexa {
namespace {

class EstimateTest : public ::testing::Test {
 protected:
  // One site s0: two nodes of 8 GPUs; tenants cohort, learner (below it), startup.
  void make(const std::string& policy) {
    SchedulerOptions opt;
    opt.policy = policy;
    core = std::move(Core::make(topo, opt)).value();
    for (const AddTenant& tenant : testing::reservation_tenants()) ASSERT_TRUE(core->apply(tenant, 0).ok());
  }
  JobId submit(int gpus, DurationMs limit, TimeMs now, const std::string& tenant = "startup") {
    JobSpec s;
    s.name = "j" + std::to_string(core->state().jobs.size());
    s.tenant = *core->find_tenant(tenant);
    s.gpus = gpus;
    s.time_limit = limit;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return std::get<JobAccepted>(fx->list.front()).job;
  }
  void pass(TimeMs now) { ASSERT_TRUE(core->apply(Schedule{}, now).ok()); }
  StartEstimate estimate(JobId id) { return core->start_estimates()->of(core->job(id)); }
  std::string note(JobId id) { return note_text(estimate(id).note, core->scheduler().policy().name()); }

  Topology topo = testing::cluster(1, 2, 8);
  std::unique_ptr<Core> core;
};

// A runs 8 GPUs to 2 h, B 8 GPUs to 3 h. C (16 GPUs, 1 h) needs both: 3 h; D (8 GPUs, 2 h)
// cannot end before C's start, so it comes after C: 4 h. (Nothing is free: the pass stops at C
// without planning a reservation; the walk gives the same time.)
TEST_F(EstimateTest, QueueBehindTwoRunningJobsUnderBackfill) {
  make("backfill");
  JobId a = submit(8, 2 * kHour, 0), b = submit(8, 3 * kHour, 0);
  pass(0);
  ASSERT_EQ(core->job(a).phase, JobPhase::kRunning);
  ASSERT_EQ(core->job(b).phase, JobPhase::kRunning);
  JobId c = submit(16, kHour, kMinute), d = submit(8, 2 * kHour, kMinute);
  pass(kMinute);
  EXPECT_EQ(estimate(c).at, 3 * kHour);
  EXPECT_EQ(note(c), "when running jobs reach their time limits");
  EXPECT_EQ(estimate(d).at, 4 * kHour);
  EXPECT_EQ(note(d), "when running jobs reach their time limits");
  EXPECT_FALSE(core->start_estimates()->of(core->job(a)).known());  // running: not in the walk
}

// A runs 8 GPUs to 2 h; 8 are free. C (16 GPUs) holds the EASY reservation for 2 h; D (4 GPUs
// for 3 h) would delay it, so it comes after C: 3 h.
TEST_F(EstimateTest, HeadJobHasTheBackfillReservation) {
  make("backfill");
  submit(8, 2 * kHour, 0);
  pass(0);
  JobId c = submit(16, kHour, kMinute), d = submit(4, 3 * kHour, kMinute);
  pass(kMinute);
  ASSERT_TRUE(core->scheduler().reservation().active);
  EXPECT_EQ(estimate(c).at, 2 * kHour);
  EXPECT_EQ(note(c), "backfill reservation");
  EXPECT_EQ(estimate(d).at, 3 * kHour);
  EXPECT_EQ(core->job(d).phase, JobPhase::kPending);
}

// fifo holds no reservation: the same times, from the running jobs' limits alone.
TEST_F(EstimateTest, QueueBehindTwoRunningJobsUnderFifo) {
  make("fifo");
  submit(8, 2 * kHour, 0), submit(8, 3 * kHour, 0);
  pass(0);
  JobId c = submit(16, kHour, kMinute), d = submit(4, kHour, kMinute);
  pass(kMinute);
  EXPECT_EQ(estimate(c).at, 3 * kHour);
  EXPECT_EQ(estimate(c).note, EstimateNote::kLimits);
  EXPECT_EQ(estimate(d).at, 4 * kHour);
}

// The estimate is worked out once per pass: asked again, the same copy.
TEST_F(EstimateTest, CachedPerPass) {
  make("backfill");
  submit(16, kHour, 0);
  pass(0);
  auto first = core->start_estimates();
  JobId w = submit(8, kHour, kMinute);
  EXPECT_EQ(first.get(), core->start_estimates().get());
  EXPECT_EQ(first->of(core->job(w)).note, EstimateNote::kNotLooked);  // came after the walk
  pass(2 * kMinute);
  auto second = core->start_estimates();
  EXPECT_NE(first.get(), second.get());
  EXPECT_EQ(second->of(core->job(w)).at, kHour);
}

// The cohort's workshop holds 8 GPUs over [2 h, 4 h): a startup job of 16 GPUs for 2 h cannot
// run across it, so it starts when the window ends, not when the running job does (1 h); the
// backfill reservation (planned from time limits alone) would say 1 h.
TEST_F(EstimateTest, AdvanceReservationKeepsItsWindow) {
  make("backfill");
  ASSERT_TRUE(core->apply(AddReservation{"workshop", "cohort", "s0", "gpu", 8, "", 0, 2 * kHour, 4 * kHour}, 0).ok());
  submit(8, kHour, 0);
  pass(0);
  JobId big = submit(16, 2 * kHour, kMinute);
  JobId learner = submit(16, 2 * kHour, kMinute, "learner");
  pass(kMinute);
  EXPECT_EQ(estimate(big).at, 4 * kHour) << note(big);
  EXPECT_EQ(note(big), "when running jobs reach their time limits");
  // The learner may use its cohort's window, but not 16 GPUs of it: after the big job.
  EXPECT_EQ(estimate(learner).at, 6 * kHour) << note(learner);
}

// A node that takes no work frees nothing: 16 GPUs can never be had; 8 can when A ends.
TEST_F(EstimateTest, NodeDownFreesNothing) {
  make("backfill");
  JobId a = submit(8, kHour, 0);
  pass(0);
  std::string node = topo.node(core->job(a).alloc.front().node).name;
  std::string other = topo.nodes()[0].name == node ? topo.nodes()[1].name : topo.nodes()[0].name;
  ASSERT_TRUE(core->apply(DrainNode{other}, kMinute).ok());
  JobId big = submit(16, kHour, kMinute), small = submit(8, kHour, kMinute);
  pass(kMinute);
  EXPECT_FALSE(estimate(big).known());
  EXPECT_EQ(note(big), "unknown: no node that takes work can hold it");
  EXPECT_EQ(estimate(small).at, kHour);
  // A's own node drains too: nothing will ever free for the small job.
  ASSERT_TRUE(core->apply(DrainNode{node}, 2 * kMinute).ok());
  pass(2 * kMinute);
  EXPECT_EQ(estimate(small).note, EstimateNote::kNeverFits);
}

// A downtime on now keeps its node out until its window ends; one that begins later keeps out
// a job that would run into it.
TEST(EstimateDowntime, NodeBackWhenItsDowntimeEnds) {
  Topology topo = testing::cluster(1, 2, 8);
  ASSERT_TRUE(topo.add_downtime({"m", "maintenance of n1", {1}, 0, 3 * kHour}).ok());
  SchedulerOptions opt;
  opt.policy = "backfill";
  auto core = std::move(Core::make(topo, opt)).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  auto submit = [&](int gpus, DurationMs limit) {
    JobSpec s;
    s.name = "j" + std::to_string(core->state().jobs.size());
    s.gpus = gpus;
    s.time_limit = limit;
    auto fx = core->apply(SubmitJob{s}, 0);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return std::get<JobAccepted>(fx->list.front()).job;
  };
  JobId a = submit(8, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  ASSERT_EQ(core->job(a).phase, JobPhase::kRunning);
  JobId big = submit(16, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  StartEstimate e = core->start_estimates()->of(core->job(big));
  EXPECT_EQ(e.at, 3 * kHour) << note_text(e.note, "backfill");
}

// A running job without a time limit holds what the queue needs: no time can be promised.
TEST_F(EstimateTest, RunningJobWithoutLimit) {
  make("fifo");
  submit(8, 0, 0);
  submit(8, kHour, 0);
  pass(0);
  JobId c = submit(16, kHour, kMinute), d = submit(8, kHour, kMinute);
  pass(kMinute);
  EXPECT_EQ(note(c), "unknown: waits for running jobs without a time limit");
  EXPECT_EQ(estimate(d).note, EstimateNote::kBlocked);  // fifo: nothing passes C
}

TEST_F(EstimateTest, PoliciesThatReorderCannotPromise) {
  for (const char* policy : {"las"}) {  // srtf too, but it needs true durations (simulator only)
    make(policy);
    submit(16, kHour, 0);
    pass(0);
    JobId w = submit(8, kHour, kMinute);
    pass(kMinute);
    EXPECT_FALSE(estimate(w).known());
    EXPECT_EQ(note(w), std::string("unknown: the ") + policy +
                           " policy cannot promise a start (it reorders the queue as jobs run)");
  }
}

// fair reorders tenants, but its head job holds a reservation: that one has a time.
TEST_F(EstimateTest, FairHeadHasItsReservation) {
  make("fair");
  submit(8, kHour, 0);
  pass(0);
  JobId head = submit(16, kHour, kMinute), next = submit(8, 2 * kHour, kMinute);
  pass(kMinute);
  EXPECT_EQ(estimate(head).at, kHour);
  EXPECT_EQ(estimate(head).note, EstimateNote::kReservation);
  EXPECT_EQ(estimate(next).note, EstimateNote::kPolicy);
}

// "poor" has no credits: admission holds its job back, and no time can be given.
TEST_F(CreditsTest, EstimateUnknownWhileWaitingForCredits) {
  JobId j = submit("broke", "poor", 1, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  ASSERT_EQ(core->job(j).phase, JobPhase::kPending);
  StartEstimate e = core->start_estimates()->of(core->job(j));
  EXPECT_FALSE(e.known());
  EXPECT_EQ(note_text(e.note, "fifo"), "unknown: waiting for credits");
}

}  // namespace
}  // namespace hexa

namespace hexa {
namespace {

// The cost of one walk with 100,000 jobs queued behind 1,000 running ones (1,000 GPUs): what
// the first job list after a pass pays. A benchmark (DISABLED_: run by hand), no bound asserted.
TEST(EstimateBench, DISABLED_WalkOfAHundredThousandQueuedJobs) {
  Topology topo = testing::cluster(16, 8, 8);  // 1,024 GPUs
  SchedulerOptions opt;
  opt.policy = "backfill";
  auto core = std::move(Core::make(topo, opt)).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  testing::XorShift rng{42};
  const int sizes[] = {1, 1, 2, 4, 8, 8, 16, 32};
  for (int i = 0; i < 101'000; ++i) {
    JobSpec s;
    s.name = "j" + std::to_string(i);
    s.tenant = 0;
    s.gpus = i < 1'000 ? 1 : sizes[rng(std::size(sizes))];
    s.time_limit = (1 + rng(48)) * 30 * kMinute;
    ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
    if (i == 999) {
      ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
    }
  }
  ASSERT_TRUE(core->apply(Schedule{}, kSecond).ok());
  auto t0 = std::chrono::steady_clock::now();
  auto e = core->start_estimates();
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  long known = 0;
  for (JobId id = 0; id < core->state().jobs.size(); ++id)
    if (core->job(id).phase == JobPhase::kPending && e->of(core->job(id)).known()) ++known;
  std::printf("  %zu running, %zu queued: walk %.1f ms, %ld with a time\n", core->state().running.size(),
              core->scheduler().pending(), ms, known);
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) (void)core->start_estimates();
  std::printf("  cached: %.3f us per ask\n",
              std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t1).count() / 1000);
}

}  // namespace
}  // namespace hexa
