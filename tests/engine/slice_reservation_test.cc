// Advance reservations of GPU slices: a cohort books MIG slices for its lab afternoon. The
// reservation binds whole sliced GPUs; inside the window only the cohort's slice jobs place
// there, before it only work sure to end in time, and downtimes of sliced nodes hold too.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>

#include "core/core.h"
#include "engine/reservation_checks.h"
#include "test_util.h"

namespace hexa {
namespace {

// One site "s0": `nodes` nodes of `gpus` sliced GPUs of type "gpu".
Topology sliced_cluster(int nodes, int gpus) {
  Topology t;
  SiteId site = *t.add_site("s0");
  BlockId b = *t.add_block(site, "m", "gpu");
  (void)t.set_sliced(b);
  for (int n = 0; n < nodes; ++n) (void)t.add_node(b, "m" + std::to_string(n), gpus);
  return t;
}

class SliceReservationTest : public ::testing::Test {
 protected:
  void make(Topology t) {
    topo = std::move(t);
    SchedulerOptions opt;
    opt.policy = "fair";
    core = std::move(Core::make(topo, opt)).value();
    for (const AddTenant& tenant : testing::reservation_tenants()) ASSERT_TRUE(core->apply(tenant, 0).ok());
  }
  Status reserve(const std::string& name, const std::string& slice, int slices, TimeMs from, TimeMs to,
                 TimeMs now = 0) {
    auto fx = core->apply(AddReservation{name, "cohort", "s0", "gpu", 0, slice, slices, from, to}, now);
    return fx.ok() ? Status::Ok() : fx.status();
  }
  JobId submit(const std::string& tenant, const std::string& slice, DurationMs limit, TimeMs now) {
    JobSpec s;
    s.name = "j" + std::to_string(core->state().jobs.size());
    s.tenant = *core->find_tenant(tenant);
    s.slice = *topo.find_slice(slice);
    s.time_limit = limit;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return std::get<JobAccepted>(fx->list.front()).job;
  }
  void pass(TimeMs now) { ASSERT_TRUE(core->apply(Schedule{}, now).ok()); }
  JobPhase phase(JobId id) { return core->job(id).phase; }
  const AdvanceReservation& res(std::size_t r) { return core->scheduler().reservations().all()[r]; }
  // Whether job `id` runs on a GPU of reservation r.
  bool in(JobId id, std::size_t r) {
    for (const NodeGpus& a : core->job(id).alloc)
      for (const NodeGpus& g : res(r).gpus)
        if (a.node == g.node && (a.mask & g.mask)) return true;
    return false;
  }

  Topology topo;
  std::unique_ptr<Core> core;
};

TEST_F(SliceReservationTest, ACohortsSlicesRunOnItsGpusAndNoOneElses) {
  make(sliced_cluster(2, 4));  // 8 sliced GPUs
  ASSERT_TRUE(reserve("lab", "1g.10gb", 14, 2 * kHour, 5 * kHour).ok());
  EXPECT_EQ(res(0).size, 2) << "14 slices of 1g.10gb fill 2 GPUs (7 each)";
  EXPECT_TRUE(res(0).sliced);
  EXPECT_EQ(res(0).slices, 14);

  std::vector<JobId> big;  // whole-GPU slices without a time limit: may not reach the window
  for (int i = 0; i < 8; ++i) big.push_back(submit("startup", "7g.80gb", 0, 0));
  JobId short_one = submit("startup", "1g.10gb", kHour, 0);  // ends before the window: may use it
  pass(0);
  int running = 0;
  for (JobId id : big) running += phase(id) == JobPhase::kRunning;
  EXPECT_EQ(running, 6);
  EXPECT_EQ(phase(short_one), JobPhase::kRunning);
  EXPECT_TRUE(in(short_one, 0));
  std::string why = core->explain(big.back());
  EXPECT_NE(why.find("2 sliced GPUs there are reserved ('lab' for cohort"), std::string::npos) << why;

  ASSERT_TRUE(core->apply(CompleteJob{short_one, core->job(short_one).segment}, kHour).ok());
  std::vector<JobId> sessions;
  for (int i = 0; i < 15; ++i) sessions.push_back(submit("learner", "1g.10gb", 2 * kHour, 2 * kHour));
  JobId intruder = submit("startup", "1g.10gb", 30 * kMinute, 2 * kHour);
  pass(2 * kHour);
  for (int i = 0; i < 14; ++i) {
    EXPECT_EQ(phase(sessions[static_cast<std::size_t>(i)]), JobPhase::kRunning) << i;
    EXPECT_TRUE(in(sessions[static_cast<std::size_t>(i)], 0)) << i;
  }
  EXPECT_EQ(phase(sessions.back()), JobPhase::kPending) << "the reservation is full; the rest of the cloud too";
  EXPECT_EQ(phase(intruder), JobPhase::kPending) << "only the cohort runs in its window";

  for (int i = 0; i < 14; ++i)
    ASSERT_TRUE(core->apply(CompleteJob{sessions[static_cast<std::size_t>(i)], core->job(sessions[static_cast<std::size_t>(i)]).segment}, 4 * kHour).ok());
  EXPECT_EQ(res(0).used, 14 * slice_gpu_ms(1, 2 * kHour)) << "a 1g slice counts a seventh of a GPU";
  pass(4 * kHour);
  EXPECT_EQ(phase(sessions.back()), JobPhase::kRunning);
  EXPECT_TRUE(in(sessions.back(), 0));
  EXPECT_EQ(phase(intruder), JobPhase::kPending);
  pass(5 * kHour);
  EXPECT_EQ(phase(intruder), JobPhase::kRunning) << "the window is over";
}

TEST_F(SliceReservationTest, ForeignSlicesLeaveWhenTheWindowBegins) {
  make(sliced_cluster(1, 1));
  JobId early = submit("startup", "1g.10gb", 0, 0);
  pass(0);
  ASSERT_EQ(phase(early), JobPhase::kRunning);
  ASSERT_TRUE(reserve("lab", "3g.40gb", 2, 2 * kHour, 3 * kHour, kHour).ok()) << "booked over a running slice";
  pass(kHour);
  EXPECT_EQ(phase(early), JobPhase::kRunning) << "runs on until the window";
  JobId mine = submit("learner", "3g.40gb", kHour, 2 * kHour);
  pass(2 * kHour);
  EXPECT_EQ(phase(early), JobPhase::kPending) << "preempted when the window began";
  EXPECT_EQ(core->job(early).preemptions, 1);
  EXPECT_EQ(phase(mine), JobPhase::kRunning);
}

TEST_F(SliceReservationTest, BadSliceReservationsNameTheFieldAndChangeNothing) {
  make(sliced_cluster(1, 2));
  Status st = reserve("big", "4g.40gb", 3, kHour, 2 * kHour);
  EXPECT_EQ(st.message(),
            "reservation 'big': needs 3 sliced gpu at s0 (for 3 slices of 4g.40gb, 1 per GPU) but only 2 are not "
            "reserved then");
  st = reserve("x", "9g.99gb", 1, kHour, 2 * kHour);
  EXPECT_EQ(st.message(), "reservation 'x'.slice: unknown profile '9g.99gb'; known: " + topo.slice_names());
  st = reserve("x", "1g.10gb", 0, kHour, 2 * kHour);
  EXPECT_EQ(st.message(), "reservation 'x'.slices: must be at least 1");
  auto fx = core->apply(AddReservation{"x", "cohort", "s0", "gpu", 1, "", 3, kHour, 2 * kHour}, 0);
  EXPECT_EQ(fx.status().message(), "reservation 'x'.slices: needs a slice profile (slice)");
  fx = core->apply(AddReservation{"x", "cohort", "s0", "gpu", 1, "", 0, kHour, 2 * kHour}, 0);
  EXPECT_EQ(fx.status().message(), "reservation 'x': needs 1 gpu at s0 but only 0 are not reserved then")
      << "whole GPUs are not taken from sliced blocks";
  EXPECT_TRUE(core->scheduler().reservations().empty());
  ASSERT_TRUE(reserve("a", "2g.20gb", 3, kHour, 3 * kHour).ok());
  st = reserve("b", "7g.80gb", 2, 2 * kHour, 4 * kHour);
  EXPECT_EQ(st.message(),
            "reservation 'b': needs 2 sliced gpu at s0 (for 2 slices of 7g.80gb, 1 per GPU) but only 1 are not "
            "reserved then (overlapping: a)");
  EXPECT_TRUE(reserve("c", "7g.80gb", 1, 2 * kHour, 4 * kHour).ok()) << "what is left";
}

TEST(SliceDowntimeTest, MaintenanceOfASlicedNodeStopsItsSlices) {
  Topology topo = sliced_cluster(1, 1);
  ASSERT_TRUE(topo.add_downtime({"m", "maintenance of m0", {0}, kHour, 2 * kHour}).ok());
  SchedulerOptions opt;
  opt.policy = "fair";
  auto core = std::move(Core::make(topo, opt)).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  JobSpec s;
  s.slice = 1;
  s.name = "forever";
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  s.name = "short";
  s.time_limit = 30 * kMinute;
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  EXPECT_EQ(core->job(0).phase, JobPhase::kPending) << "without a limit it could run into the maintenance";
  EXPECT_EQ(core->job(1).phase, JobPhase::kRunning) << core->explain(1);
  ASSERT_TRUE(core->apply(CompleteJob{1, core->job(1).segment}, 30 * kMinute).ok());
  s.name = "during";
  ASSERT_TRUE(core->apply(SubmitJob{s}, kHour).ok());
  ASSERT_TRUE(core->apply(Schedule{}, kHour).ok());
  EXPECT_EQ(core->job(2).phase, JobPhase::kPending) << "the node is down";
  EXPECT_NE(core->explain(2).find("maintenance of m0"), std::string::npos) << core->explain(2);
  ASSERT_TRUE(core->apply(Schedule{}, 2 * kHour).ok());
  EXPECT_EQ(core->job(0).phase, JobPhase::kRunning);
  EXPECT_EQ(core->job(2).phase, JobPhase::kRunning);
}

// Random slice reservations and slice jobs, every pass: no slice of another tenant on the GPUs
// of an active window, none on GPUs reserved later unless sure to end before, and no cohort
// job waiting while its active reservation has room for its profile (never delayed).
TEST(SliceReservationProperty, WindowsAreKeptAndNeverDelayed) {
  const std::vector<std::string> profiles = {"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"};
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Topology topo = sliced_cluster(2, 4);
    SimOptions opt = testing::options(seed == 2 ? "backfill" : "fair");
    opt.tenants = testing::reservation_tenants();
    testing::XorShift next{seed * 0x9E3779B97F4A7C15ull};
    for (int r = 0; r < 6; ++r) {
      long from = next(40) * 3600;
      long len = 1 + next(4);
      int count = static_cast<int>(1 + next(10));
      opt.setup.push_back(AddReservation{"lab" + std::to_string(r), "cohort", "s0", "gpu", 0, "1g.10gb", count,
                                         from * kSecond, (from + len * 3600) * kSecond});
    }
    std::vector<TraceJob> jobs;
    for (int i = 0; i < 600; ++i) {
      long tenant = next(3);
      TraceJob j = testing::job("j" + std::to_string(i), next(48 * 3600), 1, 60 + next(3 * 3600),
                                tenant == 0 ? "startup" : tenant == 1 ? "learner" : "cohort");
      j.slice = profiles[static_cast<std::size_t>(next(profiles.size()))];
      if (next(4) != 0) j.time_limit = j.duration + next(1800) * kSecond;
      jobs.push_back(std::move(j));
    }
    std::sort(jobs.begin(), jobs.end(), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
    long checked = 0, delayed = 0;
    opt.after_pass = [&](const Core& core, TimeMs now) {
      const ClusterState& s = core.state();
      const auto& all = core.scheduler().reservations().all();
      const TenantId cohort = *core.find_tenant("cohort");
      auto mine = [&](TenantId t) { return t == cohort || s.tenants[t].parent == cohort; };
      checked += testing::check_windows_kept(core, now);
      // Room for a profile on a GPU of an active reservation, for a cohort job left pending.
      const SliceIndex& si = s.free.slices();
      for (const Job& j : s.jobs) {
        if (j.phase != JobPhase::kPending || !mine(j.spec.tenant) || j.submit > now) continue;
        for (const AdvanceReservation& r : all) {
          if (!r.active(now)) continue;
          bool room = false;
          for (const NodeGpus& g : r.gpus)
            for (std::uint64_t m = g.mask; m; m &= m - 1)
              room = room || si.first_start(j.spec.slice, si.used(si.gpu_of(g.node, std::countr_zero(m)))) >= 0;
          if (room) ++delayed, ADD_FAILURE() << "job " << j.spec.name << " waits beside room in " << r.name;
        }
      }
    };
    auto out = testing::run(topo, jobs, opt);
    EXPECT_GT(checked, 0) << "seed " << seed;
    EXPECT_EQ(delayed, 0);
    long finished = 0, used = 0;
    for (const JobRecord& r : out.result.jobs) finished += r.state == "finished";
    for (const auto& f : out.result.reservations) used += f.used > 0;
    EXPECT_EQ(finished, 600) << "seed " << seed;
    EXPECT_GT(used, 0) << "the cohort used some of its windows";
  }
}

}  // namespace
}  // namespace hexa
