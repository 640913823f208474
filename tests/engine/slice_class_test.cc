// Full slice classes: a pass leaves out the slice jobs that cannot start (engine/slice_classes.cc)
// and gets the same schedule; and slice jobs never take the whole-GPU jobs' EASY reservation.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/core.h"
#include "engine/pending_queue.h"
#include "same_runs.h"
#include "test_util.h"

namespace hexa {
namespace {

TEST(PendingQueueClasses, GroupsAllOfASkippedClassAreLeftOut) {
  PendingQueue q;
  q.push(1, {0, 7}, {0, 1}, 2);  // group 7: class 2 only
  q.push(2, {0, 7}, {0, 2}, 2);
  q.push(3, {0, 8}, {0, 3}, 2);  // group 8: classes 2 and 0
  q.push(4, {0, 8}, {0, 4}, 0);
  std::vector<char> skip = {0, 0, 1};
  auto groups = q.groups(skip);
  ASSERT_EQ(groups.size(), 1u) << "the mixed group stays: it has a job of a class not skipped";
  EXPECT_EQ(groups.front().first.group, 8u);
  EXPECT_EQ(q.groups().size(), 2u) << "nothing skipped without a list";
  q.erase(4);  // group 8 is of class 2 only now
  EXPECT_EQ(q.groups(skip).size(), 0u);
  EXPECT_EQ(q.class_of(1), 2u);
  q.erase(3);
  q.push(5, {0, 8}, {0, 5}, 0);  // an emptied group takes the class of its next job
  EXPECT_EQ(q.groups(skip).size(), 1u);
}

// One site: whole-GPU block "w" (2 nodes of 8) and one sliced node "m0" of one GPU.
Topology lab_and_whole() {
  Topology t;
  SiteId site = *t.add_site("s0");
  BlockId w = *t.add_block(site, "w", "gpu");
  (void)t.add_node(w, "w0", 8);
  (void)t.add_node(w, "w1", 8);
  BlockId m = *t.add_block(site, "m", "gpu");
  (void)t.set_sliced(m);
  (void)t.add_node(m, "m0", 1);
  return t;
}

class SliceKindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    topo = lab_and_whole();
    SchedulerOptions opt;
    opt.policy = "backfill";
    core = std::move(Core::make(topo, opt)).value();
    ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  }
  JobId submit(const std::string& name, int gpus, const char* slice, DurationMs limit, TimeMs now, int prio = 0) {
    JobSpec s;
    s.name = name;
    s.gpus = gpus;
    if (slice) s.slice = *topo.find_slice(slice);
    s.time_limit = limit;
    s.priority = prio;
    s.preemptible = false;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return std::get<JobAccepted>(fx->list.front()).job;
  }
  void pass(TimeMs now) { ASSERT_TRUE(core->apply(Schedule{}, now).ok()); }
  Topology topo;
  std::unique_ptr<Core> core;
};

// A session waiting on a full lab, ahead of everyone, used to take the EASY reservation: one
// that holds no whole GPU, so small jobs then jumped ahead of a waiting 16-GPU gang.
TEST_F(SliceKindTest, AFullLabLeavesTheBigGangItsReservation) {
  submit("a", 8, nullptr, kHour, 0);
  submit("b", 4, nullptr, 2 * kHour, 0);
  submit("lab", 1, "7g.80gb", 5 * kHour, 0);
  pass(0);
  JobId session = submit("session", 1, "1g.10gb", kHour, 10 * kMinute, /*prio=*/1);
  JobId gang = submit("gang", 16, nullptr, kHour, 10 * kMinute);
  JobId small = submit("small", 4, nullptr, 3 * kHour, 10 * kMinute);
  JobId fits = submit("fits", 4, nullptr, kHour, 10 * kMinute);
  pass(10 * kMinute);
  EXPECT_EQ(core->job(session).phase, JobPhase::kPending);
  EXPECT_EQ(core->job(gang).phase, JobPhase::kPending);
  EXPECT_EQ(core->job(small).phase, JobPhase::kPending) << "it would delay the gang";
  EXPECT_NE(core->explain(small).find("would delay job gang"), std::string::npos) << core->explain(small);
  EXPECT_EQ(core->job(fits).phase, JobPhase::kRunning) << "ends before the gang can start";
  EXPECT_NE(core->explain(session).find("every sliced GPU it may use is full"), std::string::npos)
      << core->explain(session);
}

// A workload of slice jobs (several profiles, sites, priorities, preemptible or not, with and
// without limits, a learner under a quota), whole-GPU gangs, workshops of slices and of whole
// GPUs, and node failures, run twice: leaving out the full classes changes no start and no end.
TEST(SliceClassProperty, SkippingFullClassesChangesNoSchedule) {
  const std::vector<std::string> profiles = {"1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"};
  Topology topo;
  for (int s = 0; s < 2; ++s) {
    SiteId site = *topo.add_site("s" + std::to_string(s));
    BlockId w = *topo.add_block(site, "w" + std::to_string(s), "gpu");
    for (int n = 0; n < 2; ++n) (void)topo.add_node(w, "w" + std::to_string(s) + "n" + std::to_string(n), 8);
    BlockId m = *topo.add_block(site, "m" + std::to_string(s), "gpu");
    (void)topo.set_sliced(m);
    for (int n = 0; n < 2; ++n) (void)topo.add_node(m, "m" + std::to_string(s) + "n" + std::to_string(n), 2);
  }
  AddTenant learner;
  learner.name = "learner";
  learner.parent = "cohort";
  learner.quotas.push_back(QuotaSpec{"", -1, -1, -1, 1, -1});
  const std::vector<std::string> tenants = {"learner", "cohort", "startup", "other"};
  long skipped_seen = 0;
  for (const char* policy : {"fair", "backfill", "las", "srtf"}) {
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      testing::XorShift next{seed * 0x9E3779B97F4A7C15ull + 17};
      SimOptions opt = testing::options(policy);
      opt.limits_from_duration = false;
      opt.sched.restart_overhead = 30 * kSecond;
      opt.tenants = {AddTenant::root("cohort"), learner, AddTenant::root("startup"), AddTenant::root("other")};
      for (int r = 0; r < 4; ++r) {
        TimeMs from = next(20) * kHour;
        std::string site = r % 2 ? "s1" : "s0";
        if (r < 3)
          opt.setup.push_back(AddReservation{"lab" + std::to_string(r), "cohort", site, "gpu", 0, "1g.10gb",
                                             static_cast<int>(1 + next(8)), from, from + (1 + next(3)) * kHour});
        else
          opt.setup.push_back(AddReservation{"demo", "startup", site, "gpu", 4, "", 0, from, from + 2 * kHour});
      }
      opt.failures = {{5 * kHour, "m0n0"}, {9 * kHour, "w1n1"}};
      std::vector<TraceJob> jobs;
      for (int i = 0; i < 500; ++i) {
        const std::string& tenant = tenants[static_cast<std::size_t>(next(tenants.size()))];
        TraceJob j = testing::job("j" + std::to_string(i), next(12 * 3600), 1, 60 + next(2 * 3600), tenant);
        if (next(10) < 7) j.slice = profiles[static_cast<std::size_t>(next(profiles.size()))];
        else j.gpus = 1 << next(5);
        if (next(4) == 0) j.sites = {next(2) ? "s1" : "s0"};
        j.priority = next(5) == 0 ? 1 : 0;
        j.preemptible = next(4) == 0;
        if (next(4) != 0) j.time_limit = j.duration + next(1800) * kSecond;
        jobs.push_back(std::move(j));
      }
      std::sort(jobs.begin(), jobs.end(), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
      opt.after_pass = [&](const Core& core, TimeMs) {
        for (const Job& j : core.state().jobs)
          if (j.phase == JobPhase::kPending && core.explain(j.id).find("may use is full") != std::string::npos)
            ++skipped_seen;
      };
      auto on = testing::run(topo, jobs, opt);
      opt.after_pass = nullptr;
      opt.sched.skip_full_classes = false;
      auto off = testing::run(topo, jobs, opt);
      testing::expect_same_runs(on, off, std::string(policy) + " seed " + std::to_string(seed));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(skipped_seen, 100) << "the workload fills its slice classes now and then";
}

}  // namespace
}  // namespace hexa
