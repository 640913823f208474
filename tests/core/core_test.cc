#include <gtest/gtest.h>

#include "core/core.h"
#include "test_util.h"

namespace hexa {
namespace {

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    topo = testing::cluster(1, 2, 8);
    core = std::move(Core::make(topo, SchedulerOptions{})).value();
    ASSERT_TRUE(core->apply(AddTenant::root("acme", 1), 0).ok());
  }
  JobId submit(const std::string& name, int gpus, TimeMs now = 0) {
    JobSpec s;
    s.name = name;
    s.gpus = gpus;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return std::get<JobAccepted>(fx->list.front()).job;
  }
  Topology topo;
  std::unique_ptr<Core> core;
};

TEST_F(CoreTest, SubmitThenScheduleStartsTheGang) {
  JobId a = submit("a", 12);
  EXPECT_EQ(core->job(a).phase, JobPhase::kPending);
  EXPECT_EQ(core->explain(a), "submitted; waiting for the next scheduling pass");
  auto fx = core->apply(Schedule{}, 0);
  ASSERT_TRUE(fx.ok());
  ASSERT_EQ(fx->list.size(), 1u);
  EXPECT_EQ(std::get<JobStarted>(fx->list[0]).job, a);
  EXPECT_EQ(core->job(a).alloc.size(), 2u);
  EXPECT_EQ(core->state().free.total_free(), 4);
}

TEST_F(CoreTest, CompleteFreesTheGpus) {
  JobId a = submit("a", 8);
  (void)core->apply(Schedule{}, 0);
  auto fx = core->apply(CompleteJob{a, core->job(a).segment}, 5000);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(core->job(a).phase, JobPhase::kFinished);
  EXPECT_EQ(core->job(a).end_reason, "completed");
  EXPECT_EQ(core->job(a).useful_ms, 5000);
  EXPECT_EQ(core->state().free.total_free(), 16);
}

TEST_F(CoreTest, CancelPendingAndRunning) {
  JobId a = submit("a", 16), b = submit("b", 16);
  (void)core->apply(Schedule{}, 0);
  ASSERT_TRUE(core->apply(CancelJob{b}, 1).ok());
  ASSERT_TRUE(core->apply(CancelJob{a}, 2).ok());
  EXPECT_EQ(core->job(a).phase, JobPhase::kCancelled);
  EXPECT_EQ(core->job(b).phase, JobPhase::kCancelled);
  EXPECT_EQ(core->state().free.total_free(), 16);
  auto fx = core->apply(Schedule{}, 3);
  EXPECT_TRUE(fx->list.empty()) << "a cancelled job never starts";
}

// A refused command leaves the whole state as it was: the same digest after it as before.
TEST_F(CoreTest, BadCommandsChangeNothing) {
  JobId a = submit("a", 8);
  std::uint64_t digest = core->digest();
  auto refused = [&](const Command& cmd, TimeMs now) {
    auto r = core->apply(cmd, now);
    EXPECT_FALSE(r.ok()) << "command #" << cmd.index() << " was accepted";
    EXPECT_EQ(core->digest(), digest) << r.status().message();
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_EQ(refused(CompleteJob{a, core->job(a).segment}, 1), "job 'a': cannot complete, it is pending");
  refused(CompleteJob{99, 1}, 1);
  refused(CompleteJob{a, 0, EndKind::kCancelled}, 1);
  refused(CancelJob{99}, 1);
  refused(AddTenant::root("acme", 1), 1);
  EXPECT_EQ(refused(AddTenant::root("zero", 0), 1), "tenant 'zero'.weight: must be at least 1");
  AddTenant orphan = AddTenant::root("orphan");
  orphan.parent = "nobody";
  refused(orphan, 1);
  JobSpec s;
  s.name = "x";
  s.gpus = 0;
  EXPECT_EQ(refused(SubmitJob{s}, 1), "job 'x'.gpus: must be at least 1");
  s.gpus = 1;
  s.tenant = 7;
  EXPECT_EQ(refused(SubmitJob{s}, 1), "job 'x'.tenant: unknown tenant");
  s.tenant = 0;
  s.types = bit(5);
  EXPECT_EQ(refused(SubmitJob{s}, 1), "job 'x'.gpu_type: unknown GPU type");
  s.types = 0;
  s.time_limit = -1;
  refused(SubmitJob{s}, 1);
  for (const Command& node : {Command{FailNode{"nope"}}, Command{NodeUp{"nope"}}, Command{DrainNode{"nope"}},
                              Command{ResumeNode{"nope"}}})
    refused(node, 1);
  refused(SetRefundPolicy{RefundPolicy{101, 0}}, 1);
  refused(AddReservation{"r", "nobody", "s0", "gpu", 4, "", 0, 10, 20}, 1);
  refused(AddReservation{"r", "acme", "s0", "gpu", 4, "", 0, 20, 10}, 1);
  refused(AddReservation{"r", "acme", "s0", "gpu", 99, "", 0, 10, 20}, 1);
  refused(SetPrice{"nope", "s0", 0, Price{1000000, 0}}, 1);
  refused(SetPrice{"gpu", "s0", 0, Price{0, 0}}, 1);
  refused(AddGrant{GrantRequest{"g", "nobody", "studio", 1000000, 0, kDay}}, 1);
  refused(AddGrant{GrantRequest{"g", "acme", "studio", 1000000, kDay, kDay}}, 1);
  refused(SetBudget{"nobody", std::nullopt}, 1);
  EXPECT_EQ(core->state().jobs.size(), 1u);
  EXPECT_FALSE(core->credits_on()) << "no price was set";

  EXPECT_TRUE(core->apply(Schedule{}, 0).ok()) << "refused commands did not move the clock";
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
  submit("b", 1, 5);  // accepted: the clock is at 5 now
  ASSERT_TRUE(core->apply(Schedule{}, 5).ok());
  digest = core->digest();
  refused(Schedule{}, 4);  // time may not go back
  EXPECT_EQ(refused(CompleteJob{a, 0}, 5),
            "job 'a': stale report about run segment 0; segment 1 runs now");
  ASSERT_TRUE(core->apply(CompleteJob{a, 1}, 6).ok());
  digest = core->digest();
  refused(CancelJob{a}, 6);
  refused(CompleteJob{a, 1}, 6);
}

TEST_F(CoreTest, ImpossibleJobIsRejectedWithItsReason) {
  JobSpec s;
  s.name = "huge";
  s.gpus = 17;
  auto fx = core->apply(SubmitJob{s}, 0);
  ASSERT_TRUE(fx.ok());
  ASSERT_EQ(fx->list.size(), 2u);
  EXPECT_EQ(std::get<JobRejected>(fx->list[1]).reason,
            "can never run: needs 17 GPUs (any type) in one site (any site); the largest such pool has 16 (s0 gpu)");
  EXPECT_EQ(core->job(0).phase, JobPhase::kRejected);
}

TEST_F(CoreTest, OracleOnlyPolicyNeedsDurations) {
  SchedulerOptions o;
  o.policy = "srtf";
  auto c = std::move(Core::make(topo, o)).value();
  (void)c->apply(AddTenant::root("t", 1), 0);
  JobSpec s;
  s.name = "a";
  auto fx = c->apply(SubmitJob{s}, 0);
  ASSERT_FALSE(fx.ok());
  EXPECT_NE(fx.status().message().find("oracle"), std::string::npos);
}

TEST_F(CoreTest, SameCommandsSameState) {
  auto run = [&] {
    auto c = std::move(Core::make(topo, SchedulerOptions{})).value();
    (void)c->apply(AddTenant::root("t", 1), 0);
    std::string trail;
    for (int i = 0; i < 20; ++i) {
      JobSpec s;
      s.name = "j" + std::to_string(i);
      s.gpus = 1 + (i * 7) % 12;
      (void)c->apply(SubmitJob{s}, i * 10);
      auto fx = c->apply(Schedule{}, i * 10);
      for (const Effect& e : fx->list)
        if (auto* st = std::get_if<JobStarted>(&e))
          trail += std::to_string(st->job) + "@" + std::to_string(c->job(st->job).alloc[0].node) + ";";
      if (i % 3 == 2 && !c->state().running.empty()) (void)c->apply(CompleteJob{c->state().running[0], c->job(c->state().running[0]).segment}, i * 10 + 5);
    }
    return trail;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace hexa
