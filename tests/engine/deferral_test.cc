// Carbon-aware deferral: a deferrable job waits for a lower-carbon hour, never past the time
// it must start to meet its deadline.
#include <gtest/gtest.h>

#include "core/core.h"
#include "test_util.h"

namespace hexa {
namespace {

// One site; its grid is dirty (300 g) by day and clean (50 g) 0:00-6:00.
Topology night_green(int nodes = 1, int gpus = 8) {
  Topology t = testing::cluster(1, nodes, gpus);
  SiteProfile p;
  for (int h = 0; h < 24; ++h) p.carbon[h] = h < 6 ? 50 : 300;
  EXPECT_TRUE(t.set_profile(0, p).ok());
  EXPECT_TRUE(t.set_type_watts("gpu", 700).ok());
  return t;
}

class DeferralTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core = std::move(Core::make(topo, SchedulerOptions{})).value();
    ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  }
  JobId submit(TimeMs now, DurationMs limit, TimeMs deadline, bool deferrable = true) {
    JobSpec s;
    s.name = "j" + std::to_string(core->state().jobs.size());
    s.gpus = 4;
    s.time_limit = limit;
    s.deferrable = deferrable;
    s.deadline = deadline;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return std::get<JobAccepted>(fx->list.front()).job;
  }

  Topology topo = night_green();
  std::unique_ptr<Core> core;
};

TEST_F(DeferralTest, WaitsForTheCleanHourWhenItsDeadlineAllows) {
  TimeMs noon = 12 * kHour;
  JobId a = submit(noon, 2 * kHour, kDay + 12 * kHour);  // done by tomorrow noon
  Effects fx = *core->apply(Schedule{}, noon);
  EXPECT_EQ(core->job(a).phase, JobPhase::kPending);
  EXPECT_EQ(core->explain(a),
            "deferred for a lower-carbon hour: 300 gCO2e/kWh now at best, 50 from day 1 00:00:00; done by its "
            "deadline day 1 12:00:00");
  EXPECT_EQ(fx.wake_at, 13 * kHour) << "it looks again every hour";
  (void)core->apply(Schedule{}, 23 * kHour);
  EXPECT_EQ(core->job(a).phase, JobPhase::kPending);
  (void)core->apply(Schedule{}, kDay);
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning) << "midnight: the clean hours";
}

TEST_F(DeferralTest, RunsNowWhenWaitingWouldMissTheDeadline) {
  TimeMs noon = 12 * kHour;
  JobId a = submit(noon, 2 * kHour, 23 * kHour);  // the clean hours come too late
  JobId b = submit(noon, 11 * kHour, kDay + 10 * kHour);  // must start by 23:00: midnight is too late
  (void)core->apply(Schedule{}, noon);
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
  EXPECT_EQ(core->job(b).phase, JobPhase::kRunning);
}

TEST_F(DeferralTest, NotDeferrableRunsAtOnce) {
  JobId a = submit(12 * kHour, kHour, kNever, false);
  (void)core->apply(Schedule{}, 12 * kHour);
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
}

TEST_F(DeferralTest, ADeferrableJobNeedsADeadline) {
  JobSpec s;
  s.name = "x";
  s.deferrable = true;
  EXPECT_EQ(core->apply(SubmitJob{s}, 0).status().message(), "job 'x'.deadline: a deferrable job needs a deadline");
  EXPECT_TRUE(core->state().jobs.empty());
}

// Random deferrable jobs on an ample cluster: every one starts by the latest start its
// deadline allows, and none starts in a dirty hour when a clean one was reachable.
TEST(DeferralProperty, NeverPastTheDeadline) {
  Topology topo = night_green(4, 64);
  auto core = std::move(Core::make(topo, SchedulerOptions{})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  testing::XorShift next{42};
  for (int i = 0; i < 200; ++i) {
    TimeMs submit = i * 7 * kMinute;
    TimeMs limit = (1 + next(120)) * kMinute;
    TimeMs deadline = submit + limit + next(30) * kHour;
    JobSpec s;
    s.name = "j" + std::to_string(i);
    s.gpus = 1;
    s.time_limit = limit;
    s.deferrable = true;
    s.deadline = deadline;
    ASSERT_TRUE(core->apply(SubmitJob{s}, submit).ok());
    // A pass every minute, ending jobs by their limit; ample room (256 GPUs).
    for (TimeMs t = submit; t < submit + 7 * kMinute; t += kMinute) {
      for (JobId id : std::vector<JobId>(core->state().running))
        if (core->job(id).last_start + core->job(id).spec.time_limit <= t) (void)core->apply(CompleteJob{id, core->job(id).segment}, t);
      (void)core->apply(Schedule{}, t);
    }
  }
  for (TimeMs t = 200 * 7 * kMinute; t < 200 * 7 * kMinute + 2 * kDay; t += kMinute) {
    for (JobId id : std::vector<JobId>(core->state().running))
      if (core->job(id).last_start + core->job(id).spec.time_limit <= t) (void)core->apply(CompleteJob{id, core->job(id).segment}, t);
    (void)core->apply(Schedule{}, t);
  }
  int deferred = 0;
  for (const Job& j : core->state().jobs) {
    ASSERT_GE(j.first_start, 0) << j.spec.name;
    EXPECT_LE(j.first_start, j.spec.deadline - j.spec.time_limit) << j.spec.name;
    deferred += j.first_start > j.submit;
    bool clean = j.first_start / kHour % 24 < 6;
    TimeMs latest = j.spec.deadline - j.spec.time_limit;
    bool clean_reachable = false;
    for (TimeMs h = j.submit / kHour * kHour; h <= latest; h += kHour) clean_reachable |= h / kHour % 24 < 6;
    if (clean_reachable && !clean) ADD_FAILURE() << j.spec.name << " started in a dirty hour";
  }
  EXPECT_GT(deferred, 20) << "some did wait";
}

}  // namespace
}  // namespace hexa
