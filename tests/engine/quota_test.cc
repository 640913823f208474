// Quotas on the tenant tree, through the simulator (hand-computed schedules on tiny clusters).
#include <gtest/gtest.h>

#include "core/core.h"
#include "test_util.h"

namespace hexa {
namespace {

using testing::job;
using testing::options;
using testing::run;

AddTenant tenant(const std::string& name, const std::string& parent = "") {
  AddTenant t = AddTenant::root(name);
  t.parent = parent;
  return t;
}

QuotaSpec quota(int max_gpus, int guaranteed = -1, int borrow = -1) {
  QuotaSpec q;
  q.max_gpus = max_gpus;
  q.guaranteed_gpus = guaranteed;
  q.borrow_limit = borrow;
  return q;
}

TEST(QuotaTest, SubtreeGpuLimitHoldsJobsWithItsReason) {
  // org may use 8 GPUs: its projects p1 and p2 share them. Under fifo, q's job (another
  // organisation) is not held up by p2's job waiting on the quota.
  SimOptions opt = options("fifo");
  opt.tenants = {tenant("org"), tenant("p1", "org"), tenant("p2", "org"), tenant("other")};
  opt.tenants[0].quotas = {quota(8)};
  std::string why;
  opt.after_pass = [&](const Core& core, TimeMs now) {
    if (now == 1 * kSecond) why = core.explain(1);
  };
  auto out = run(testing::cluster(1, 4, 8), {job("a", 0, 8, 100, "p1"), job("b", 1, 8, 10, "p2"), job("c", 2, 8, 10, "other")},
                 opt);
  EXPECT_EQ(why, "over quota: tenant 'org' may use 8 GPUs and uses 8");
  EXPECT_EQ(out.start_s("b"), 100);
  EXPECT_EQ(out.start_s("c"), 2) << "a job waiting on a quota holds up no one";
  EXPECT_TRUE(out.rec("b").waited_on_quota);
  EXPECT_FALSE(out.rec("c").waited_on_quota);
}

TEST(QuotaTest, MaxRunningJobs) {
  SimOptions opt = options("backfill");
  opt.tenants = {tenant("org")};
  QuotaSpec q;
  q.max_running = 1;
  opt.tenants[0].quotas = {q};
  auto out = run(testing::cluster(1, 2, 8), {job("a", 0, 1, 50, "org"), job("b", 0, 1, 10, "org")}, opt);
  EXPECT_EQ(out.start_s("b"), 50);
}

TEST(QuotaTest, PerTypeQuotaSteersToAnotherType) {
  Topology topo;
  SiteId s = *topo.add_site("s");
  (void)topo.add_node(*topo.add_block(s, "a", "A"), "a0", 8);
  (void)topo.add_node(*topo.add_block(s, "b", "B"), "b0", 8);
  SimOptions opt = options("fifo");
  opt.tenants = {tenant("org")};
  QuotaSpec q = quota(4);
  q.gpu_type = "A";
  opt.tenants[0].quotas = {q};
  auto out = run(topo, {job("x", 0, 8, 10, "org")}, opt);
  EXPECT_EQ(out.rec("x").first_start, 0);
  EXPECT_EQ(out.result.jobs[0].state, "finished");
  // It could only go to type B: A's quota is 4. A job that only takes A can never run.
  TraceJob only_a = job("y", 0, 8, 10, "org");
  only_a.gpu_types = {"A"};
  auto held = run(topo, {only_a}, opt);
  EXPECT_EQ(held.rec("y").state, "rejected");
  EXPECT_EQ(held.rec("y").reason, "can never run: over quota: tenant 'org' may never use more than 4 A GPUs");
}

TEST(QuotaTest, GuaranteedShareIsReclaimedFromBorrowers) {
  // 16 GPUs; a and b are each guaranteed 8 and may borrow 8 more. a fills the cluster (its
  // second job borrows b's idle share); when b asks, it gets its guarantee back by preemption.
  SimOptions opt = options("fifo");
  opt.tenants = {tenant("a"), tenant("b")};
  opt.tenants[0].quotas = {quota(-1, 8, 8)};
  opt.tenants[1].quotas = {quota(-1, 8, 8)};
  auto out = run(testing::cluster(1, 2, 8), {job("a1", 0, 8, 100, "a"), job("a2", 1, 8, 100, "a"),
                                             job("b1", 10, 8, 10, "b")},
                 opt);
  EXPECT_EQ(out.start_s("a2"), 1) << "borrows the idle half";
  EXPECT_EQ(out.start_s("b1"), 10) << "reclaims its guarantee at once";
  EXPECT_EQ(out.rec("a2").preemptions, 1) << "the borrowed job is the one preempted";
  EXPECT_EQ(out.rec("a1").preemptions, 0);
  EXPECT_EQ(out.start_s("a1"), 0);
}

TEST(QuotaTest, BorrowLimitCapsUse) {
  SimOptions opt = options("backfill");
  opt.tenants = {tenant("a")};
  opt.tenants[0].quotas = {quota(-1, 8, 4)};
  auto out = run(testing::cluster(1, 4, 8), {job("a1", 0, 8, 100, "a"), job("a2", 0, 8, 10, "a"), job("a3", 0, 4, 10, "a")},
                 opt);
  EXPECT_EQ(out.start_s("a3"), 0) << "8 + 4 is within guarantee + borrowing";
  EXPECT_EQ(out.start_s("a2"), 100) << "8 + 8 is not, even once a3 has ended";
}

TEST(QuotaTest, NonPreemptibleWorkMayNotBorrow) {
  SimOptions opt = options("fifo");
  opt.tenants = {tenant("a")};
  opt.tenants[0].quotas = {quota(-1, 8, 8)};
  std::vector<TraceJob> jobs = {job("a1", 0, 8, 100, "a"), job("a2", 0, 8, 10, "a")};
  jobs[1].preemptible = false;
  auto out = run(testing::cluster(1, 2, 8), jobs, opt);
  EXPECT_EQ(out.start_s("a2"), 100);
}

class TenantTreeTest : public ::testing::Test {
 protected:
  void SetUp() override { core = std::move(Core::make(topo, SchedulerOptions{})).value(); }
  Status add(AddTenant t) { return core->apply(t, 0).status(); }
  Topology topo = testing::cluster(1, 1, 8);
  std::unique_ptr<Core> core;
};

TEST_F(TenantTreeTest, KindsNestAsDeclared) {
  AddTenant prog = tenant("ai-schools");
  prog.kind = TenantKind::kProgramme;
  ASSERT_TRUE(add(prog).ok());
  ASSERT_TRUE(add(tenant("cohort-1", "ai-schools")).ok());
  ASSERT_TRUE(add(tenant("learner-1", "cohort-1")).ok());
  EXPECT_EQ(core->state().tenants[2].kind, TenantKind::kLearner);
  AddTenant bad = tenant("p", "ai-schools");
  bad.kind = TenantKind::kProject;
  EXPECT_EQ(add(bad).message(),
            "tenant 'p'.kind: a project cannot sit under a programme (organisation > project, programme > cohort > learner)");
  EXPECT_EQ(add(tenant("x", "nobody")).message(), "tenant 'x'.parent: unknown tenant 'nobody' (declare parents first)");
  EXPECT_EQ(core->state().tenants.size(), 3u) << "failed commands change nothing";
}

TEST_F(TenantTreeTest, BadQuotasAreRefused) {
  AddTenant t = tenant("a");
  t.quotas = {quota(4)};
  t.quotas[0].gpu_type = "H100";
  EXPECT_EQ(add(t).message(), "tenant 'a'.quotas[0].gpu_type: no site offers GPU type 'H100'");
  t.quotas = {quota(-1, -1, 4)};
  EXPECT_EQ(add(t).message(), "tenant 'a'.quotas[0].borrow_limit: needs guaranteed_gpus (it counts beyond the guarantee)");
  t.quotas = {quota(4, 8)};
  EXPECT_EQ(add(t).message(), "tenant 'a'.quotas[0].guaranteed_gpus: must not exceed max_gpus");
  EXPECT_TRUE(core->state().tenants.empty());
}

TEST_F(TenantTreeTest, MaxQueuedRefusesTheSubmit) {
  AddTenant t = tenant("a");
  t.quotas.emplace_back();
  t.quotas[0].max_queued = 1;
  ASSERT_TRUE(add(t).ok());
  JobSpec s;
  s.name = "j1";
  s.gpus = 16;  // never fits: rejected, so not queued
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  s.name = "j2";
  s.gpus = 8;
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  s.name = "j3";
  auto r = core->apply(SubmitJob{s}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "job 'j3': over quota: tenant 'a' may have 1 jobs queued and has 1");
  (void)core->apply(Schedule{}, 0);  // j2 starts: room in the queue again
  EXPECT_TRUE(core->apply(SubmitJob{s}, 0).ok());
}

// A limit on queued jobs counts the subtree: a team's submits are refused by its parent's
// limit, while a tenant with no quota up its chain queues as many as it likes (Core skips the
// walk up the tree for it, ClusterState::quota_chain).
TEST_F(TenantTreeTest, MaxQueuedOfAParentRefusesTheSubmitsOfItsSubtree) {
  ASSERT_TRUE(add(tenant("free")).ok());
  AddTenant org = tenant("org");
  org.quotas.emplace_back();
  org.quotas[0].max_queued = 1;
  ASSERT_TRUE(add(org).ok());
  ASSERT_TRUE(add(tenant("team", "org")).ok());
  JobSpec s;
  s.gpus = 8;
  for (int i = 0; i < 3; ++i) {
    s.name = "free-" + std::to_string(i);
    s.tenant = 0;
    ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok()) << s.name;
  }
  s.tenant = 2;
  s.name = "team-0";
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  s.name = "team-1";
  auto r = core->apply(SubmitJob{s}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "job 'team-1': over quota: tenant 'org' may have 1 jobs queued and has 1");
}

}  // namespace
}  // namespace hexa
