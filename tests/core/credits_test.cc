// Credits in the core: admission holds, metering, release, refunds, through the simulator.
#include <gtest/gtest.h>

#include "core/credits_fixture.h"

namespace hexa {
namespace {

TEST_F(CreditsTest, HoldAtStartMeterAtEndReleaseTheRest) {
  JobId a = submit("a", "rich", 2, kHour);  // hold: 2 GPU-hours x 10 = 20 credits
  ASSERT_EQ(std::get<JobStarted>(core->apply(Schedule{}, 0)->list.at(0)).job, a);
  EXPECT_EQ(spendable("rich", 0), 80 * kCredit);
  ASSERT_TRUE(core->apply(CompleteJob{a, core->job(a).segment}, 30 * kMinute).ok());  // used 1 GPU-hour
  EXPECT_EQ(spendable("rich", 30 * kMinute), 90 * kCredit);
  EXPECT_TRUE(core->ledger().book().total() == 0) << "double entry: balances sum to zero";
}

TEST_F(CreditsTest, TenantWithoutCreditsWaitsWithItsReason) {
  JobId p = submit("p", "poor", 1, kHour);
  JobId r = submit("r", "rich", 1, kHour);
  auto fx = core->apply(Schedule{}, 0);
  ASSERT_EQ(fx->list.size(), 1u) << "only the rich job starts; the poor one holds up no one";
  EXPECT_EQ(std::get<JobStarted>(fx->list[0]).job, r);
  EXPECT_EQ(core->job(p).phase, JobPhase::kPending);
  EXPECT_TRUE(core->job(p).waited_on_admission);
  EXPECT_EQ(core->explain(p).rfind("credits: ", 0), 0u) << core->explain(p);
  ASSERT_TRUE(core->apply(grant("g2", "poor", 10), 1).ok());
  fx = core->apply(Schedule{}, 1);
  EXPECT_EQ(core->job(p).phase, JobPhase::kRunning) << "a grant lets it start";
}

TEST_F(CreditsTest, NoPreemptionForAJobThatCannotPay) {
  SetPrice urgent = price(20);
  urgent.priority = 1;
  ASSERT_TRUE(core->apply(urgent, 0).ok());
  JobId r = submit("r", "rich", 16, kHour);  // 16 GPU-hours x 10 = 160 credits: more than 100
  ASSERT_TRUE(core->apply(grant("g3", "rich", 100), 0).ok());
  (void)core->apply(Schedule{}, 0);
  ASSERT_EQ(core->job(r).phase, JobPhase::kRunning);
  JobSpec s;
  s.name = "p";
  s.tenant = *core->find_tenant("poor");
  s.gpus = 8;
  s.time_limit = kHour;
  s.priority = 1;
  JobId p = std::get<JobAccepted>(core->apply(SubmitJob{s}, 1)->list.front()).job;
  auto fx = core->apply(Schedule{}, 1);
  EXPECT_TRUE(fx->list.empty()) << "the rich job is not preempted for a job that cannot pay";
  EXPECT_EQ(core->job(r).phase, JobPhase::kRunning);
  EXPECT_EQ(core->explain(p).rfind("credits: ", 0), 0u) << core->explain(p);
}

TEST_F(CreditsTest, SubmitNeedsATimeLimitAndAPrice) {
  JobSpec s;
  s.name = "x";
  s.tenant = 0;
  auto r = core->apply(SubmitJob{s}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "job 'x'.time_limit: required when credits are on (the admission hold covers it)");
  s.time_limit = kHour;
  s.priority = 3;
  r = core->apply(SubmitJob{s}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "job 'x': price: no rate for GPU type 'gpu' at site 's0' priority 3");
  SetPrice bad = price(10);
  bad.site = "mars";
  EXPECT_EQ(core->apply(bad, 0).status().message(), "price.site: unknown site 'mars'");
  EXPECT_EQ(core->state().jobs.size(), 0u);
}

TEST_F(CreditsTest, GrantExpiresAndItsRestGoesToExpired) {
  ASSERT_TRUE(core->apply(grant("short", "poor", 5, kDay), 0).ok());
  EXPECT_EQ(spendable("poor", 0), 5 * kCredit);
  ASSERT_TRUE(core->apply(Schedule{}, kDay).ok());
  EXPECT_EQ(spendable("poor", kDay), 0);
}

// Through the simulator: preemption by priority, the resumed run's restart overhead refunded.
TEST(CreditsSimTest, RestartOverheadIsRefunded) {
  Topology topo = testing::cluster(1, 1, 8);
  SimOptions opt = testing::options("fifo");
  opt.sched.restart_overhead = 60 * kSecond;
  std::vector<TraceJob> jobs = {testing::job("low", 0, 8, 3600, "t"), testing::job("high", 600, 8, 600, "t")};
  jobs[1].priority = 1;
  Trace trace;
  trace.jobs = jobs;
  Micro spent = 0;
  opt.after_pass = [&](const Core& core, TimeMs now) {
    if (core.state().running.empty() && now > 0) spent = 1000 * kCredit - *core.ledger().spendable("t", now);
  };
  opt.setup = {price(10)};
  for (int prio : {1}) {
    SetPrice p = price(20);
    p.priority = prio;
    opt.setup.push_back(p);
  }
  opt.setup.push_back(grant("g", "t", 1000));
  auto r = simulate(topo, trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // low: 8 GPUs x (600 s + 3000 s + 60 s overhead) at 10/GPU-h, 60 s of it refunded;
  // high: 8 GPUs x 600 s at 20/GPU-h, rounded up to the micro-credit.
  Micro low = 8 * 3600 * 10 * kCredit / 3600, high = (8 * 600 * 20 * kCredit + 3599) / 3600;
  EXPECT_EQ(spent, low + high);
}

}  // namespace
}  // namespace hexa
