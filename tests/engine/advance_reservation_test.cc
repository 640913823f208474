// Advance reservations (workshops) and downtimes: reserved GPUs go to their tenant in the
// window, other work backfills around them only if it ends before, and nothing delays them.
#include <gtest/gtest.h>

#include "core/core.h"
#include "engine/reservation.h"
#include "engine/reservation_checks.h"
#include "test_util.h"

namespace hexa {
namespace {

class ReservationTest : public ::testing::Test {
 protected:
  // One site s0, two nodes of 8 GPUs.
  void make(const std::string& policy = "fifo") {
    SchedulerOptions opt;
    opt.policy = policy;
    core = std::move(Core::make(topo, opt)).value();
    for (const AddTenant& tenant : testing::reservation_tenants()) ASSERT_TRUE(core->apply(tenant, 0).ok());
  }
  Status reserve(const std::string& name, int gpus, TimeMs from, TimeMs to, TimeMs now = 0,
                 const std::string& tenant = "cohort") {
    auto fx = core->apply(AddReservation{name, tenant, "s0", "gpu", gpus, "", 0, from, to}, now);
    return fx.ok() ? Status::Ok() : fx.status();
  }
  JobId submit(const std::string& tenant, int gpus, DurationMs limit, TimeMs now) {
    JobSpec s;
    s.name = "j" + std::to_string(core->state().jobs.size());
    s.tenant = *core->find_tenant(tenant);
    s.gpus = gpus;
    s.time_limit = limit;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok()) << fx.status().message();
    return std::get<JobAccepted>(fx->list.front()).job;
  }
  Effects pass(TimeMs now) { return *core->apply(Schedule{}, now); }
  JobPhase phase(JobId id) { return core->job(id).phase; }
  // GPUs of the reservation that job `id` holds.
  int in_reservation(JobId id, std::size_t r) {
    int n = 0;
    for (const NodeGpus& a : core->job(id).alloc)
      for (const NodeGpus& g : core->scheduler().reservations().all()[r].gpus)
        if (a.node == g.node) n += std::popcount(a.mask & g.mask);
    return n;
  }

  Topology topo = testing::cluster(1, 2, 8);
  std::unique_ptr<Core> core;
};

TEST_F(ReservationTest, BackfillUsesReservedGpusOnlyIfItEndsBeforeTheWindow) {
  make("fair");
  ASSERT_TRUE(reserve("workshop", 8, 10 * kHour, 14 * kHour).ok());
  JobId short_job = submit("startup", 16, 9 * kHour, 0);  // ends by 9:00: may use all 16
  pass(0);
  EXPECT_EQ(phase(short_job), JobPhase::kRunning);
  ASSERT_TRUE(core->apply(CompleteJob{short_job, core->job(short_job).segment}, kHour).ok());
  JobId long_job = submit("startup", 16, 12 * kHour, kHour);  // would run into the window
  JobId half = submit("startup", 8, 12 * kHour, kHour);       // fits beside it
  pass(kHour);
  EXPECT_EQ(phase(long_job), JobPhase::kPending);
  EXPECT_EQ(phase(half), JobPhase::kRunning);
  EXPECT_EQ(in_reservation(half, 0), 0) << "it runs on the GPUs nobody reserved";
  EXPECT_NE(core->explain(long_job).find("reserved ('workshop' for cohort"), std::string::npos)
      << core->explain(long_job);
}

TEST_F(ReservationTest, TheWindowStartsOnTimeAndItsTenantsJobsGoThere) {
  make("backfill");
  ASSERT_TRUE(reserve("workshop", 8, 10 * kHour, 14 * kHour).ok());
  JobId hog = submit("startup", 8, 0, 0);  // no time limit: never on the reserved GPUs
  pass(0);
  ASSERT_EQ(phase(hog), JobPhase::kRunning);
  EXPECT_EQ(in_reservation(hog, 0), 0);
  JobId queue = submit("startup", 8, 0, kHour);  // waits: the rest is reserved
  pass(kHour);
  EXPECT_EQ(phase(queue), JobPhase::kPending);
  JobId session = submit("learner", 2, kHour, 10 * kHour);  // a learner of the cohort
  Effects fx = pass(10 * kHour);
  EXPECT_EQ(phase(session), JobPhase::kRunning);
  EXPECT_EQ(in_reservation(session, 0), 2);
  EXPECT_EQ(phase(queue), JobPhase::kPending) << "the startup's job never gets the workshop's GPUs";
  ASSERT_TRUE(core->apply(CompleteJob{session, core->job(session).segment}, 11 * kHour).ok());
  pass(14 * kHour);  // the window is over: its GPUs are everyone's again
  EXPECT_EQ(phase(queue), JobPhase::kRunning);
  const AdvanceReservation& r = core->scheduler().reservations().all()[0];
  EXPECT_EQ(r.used, 2 * kHour) << "2 GPUs for an hour of the 8 x 4 hours reserved";
}

TEST_F(ReservationTest, WorkStillOnReservedGpusWhenTheWindowBeginsIsPreempted) {
  make();
  JobId a = submit("startup", 16, 0, 0);  // started before the reservation was made
  pass(0);
  ASSERT_EQ(phase(a), JobPhase::kRunning);
  ASSERT_TRUE(reserve("demo-day", 8, 2 * kHour, 3 * kHour, kHour, "startup").ok());
  ASSERT_TRUE(reserve("workshop", 8, 2 * kHour, 3 * kHour, kHour).ok());
  Effects fx = pass(2 * kHour);
  ASSERT_EQ(fx.list.size(), 1u);
  EXPECT_EQ(std::get<JobPreempted>(fx.list[0]).job, a) << "it overlaps the cohort's workshop";
}

TEST_F(ReservationTest, OverlappingReservationsBeyondCapacityAreAnError) {
  make();
  ASSERT_TRUE(reserve("a", 12, 10 * kHour, 14 * kHour).ok());
  Status st = reserve("b", 8, 13 * kHour, 15 * kHour);
  EXPECT_EQ(st.message(), "reservation 'b': needs 8 gpu at s0 but only 4 are not reserved then (overlapping: a)");
  EXPECT_EQ(core->scheduler().reservations().all().size(), 1u) << "nothing changed";
  EXPECT_TRUE(reserve("c", 8, 14 * kHour, 15 * kHour).ok()) << "back to back is fine";
  EXPECT_TRUE(reserve("d", 4, 13 * kHour, 15 * kHour).ok()) << "what is left";
}

TEST_F(ReservationTest, BadReservationsNameTheField) {
  make();
  auto msg = [&](AddReservation r) { return core->apply(r, kHour).status().message(); };
  EXPECT_EQ(msg({"x", "nobody", "s0", "gpu", 1, "", 0, 2 * kHour, 3 * kHour}), "reservation 'x'.tenant: unknown tenant 'nobody'");
  EXPECT_EQ(msg({"x", "cohort", "mars", "gpu", 1, "", 0, 2 * kHour, 3 * kHour}), "reservation 'x'.site: unknown site 'mars'");
  EXPECT_EQ(msg({"x", "cohort", "s0", "H100", 1, "", 0, 2 * kHour, 3 * kHour}),
            "reservation 'x'.gpu_type: site s0 has no GPU of type 'H100'");
  EXPECT_EQ(msg({"x", "cohort", "s0", "gpu", 0, "", 0, 2 * kHour, 3 * kHour}), "reservation 'x'.gpus: must be at least 1");
  EXPECT_EQ(msg({"x", "cohort", "s0", "gpu", 1, "", 0, 3 * kHour, 2 * kHour}),
            "reservation 'x': its window must end after it begins");
  EXPECT_EQ(msg({"x", "cohort", "s0", "gpu", 1, "", 0, 0, kHour}), "reservation 'x': its window is already over");
  EXPECT_TRUE(core->scheduler().reservations().empty());
}

TEST(DowntimeTest, ASiteNotOnlineYetRunsNothingUntilItsDay) {
  Topology topo = testing::cluster(1, 2, 8, 2);
  std::vector<NodeId> s1 = topo.block(topo.site(1).blocks[0]).nodes;
  ASSERT_TRUE(topo.add_downtime({"s1-offline", "site s1 not online", s1, 0, 2 * kDay}).ok());
  auto core = std::move(Core::make(topo, SchedulerOptions{})).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  JobSpec s;
  s.name = "only-s1";
  s.gpus = 8;
  s.sites = bit(1);
  ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  Effects fx = *core->apply(Schedule{}, 0);
  EXPECT_EQ(core->job(0).phase, JobPhase::kPending);
  EXPECT_EQ(core->explain(0), "needs 8 GPUs at s1; 16 GPUs there are reserved (site s1 not online until day 2 00:00:00)");
  EXPECT_EQ(fx.wake_at, 2 * kDay) << "the host wakes the core when the site comes online";
  ASSERT_TRUE(core->apply(Schedule{}, 2 * kDay).ok());
  EXPECT_EQ(core->job(0).phase, JobPhase::kRunning);
}

TEST(DowntimeTest, MaintenancePreemptsWhatRunsAndOnlyShortWorkStartsBefore) {
  Topology topo = testing::cluster(1, 1, 8);
  ASSERT_TRUE(topo.add_downtime({"m", "maintenance of site s0", {0}, 5 * kHour, 7 * kHour}).ok());
  SchedulerOptions opt;
  opt.policy = "fair";
  auto core = std::move(Core::make(topo, opt)).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  JobSpec no_limit;
  no_limit.name = "forever";
  no_limit.gpus = 4;
  JobSpec short_one = no_limit;
  short_one.name = "short";
  short_one.time_limit = 5 * kHour;
  ASSERT_TRUE(core->apply(SubmitJob{no_limit}, 0).ok());
  ASSERT_TRUE(core->apply(SubmitJob{short_one}, 0).ok());
  (void)core->apply(Schedule{}, 0);
  EXPECT_EQ(core->job(0).phase, JobPhase::kPending) << "without a limit it could run into the maintenance";
  EXPECT_EQ(core->job(1).phase, JobPhase::kRunning);
  (void)core->apply(CompleteJob{1, core->job(1).segment}, 5 * kHour);
  (void)core->apply(Schedule{}, 5 * kHour);
  EXPECT_EQ(core->job(0).phase, JobPhase::kPending);
  (void)core->apply(Schedule{}, 7 * kHour);
  EXPECT_EQ(core->job(0).phase, JobPhase::kRunning);
}

TEST(DowntimeTest, BadDowntimesAreRefused) {
  Topology topo = testing::cluster(1, 1, 8, 2);
  EXPECT_EQ(topo.add_downtime({"x", "", {}, 0, 1}).message(), "downtime 'x': has no nodes");
  EXPECT_EQ(topo.add_downtime({"x", "", {0}, 5, 5}).message(), "downtime 'x': its window must end after it begins");
  EXPECT_EQ(topo.add_downtime({"x", "", {0, 1}, 0, 5}).message(),
            "downtime 'x': its nodes must be of one site and one GPU type");
  EXPECT_TRUE(topo.downtimes().empty());
}

// Random reservations and jobs: at every pass, no job runs on GPUs of an active reservation
// that is not its tenant's, and none on GPUs reserved later unless it is sure to end before.
TEST(ReservationProperty, NoOneElseRunsInAnActiveWindow) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Topology topo = testing::cluster(2, 4, 8);
    SimOptions opt = testing::options(seed == 2 ? "backfill" : "fair");
    opt.tenants = {AddTenant::root("cohort"), AddTenant::root("startup")};
    std::vector<TraceJob> jobs;
    testing::XorShift next{seed * 0x9E3779B97F4A7C15ull};
    for (int r = 0; r < 6; ++r) {
      long from = next(40) * 3600;
      long len = 1 + next(4);
      opt.setup.push_back(AddReservation{"ws" + std::to_string(r), "cohort", "s0", "gpu", 8, "", 0,
                                         from * kSecond, (from + len * 3600) * kSecond});
    }
    for (int i = 0; i < 300; ++i) {
      long submit = next(48 * 3600);
      long gpus = 1 + next(8);
      long dur = 60 + next(6 * 3600);
      jobs.push_back(testing::job("j" + std::to_string(i), submit, static_cast<int>(gpus), dur,
                                  next(3) == 0 ? "cohort" : "startup"));
    }
    std::sort(jobs.begin(), jobs.end(), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
    long checked = 0;
    opt.after_pass = [&](const Core& core, TimeMs now) { checked += testing::check_windows_kept(core, now); };
    auto out = testing::run(topo, jobs, opt);
    EXPECT_GT(checked, 0);
    long finished = 0;
    for (const JobRecord& r : out.result.jobs) finished += r.state == "finished";
    EXPECT_EQ(finished, 300) << "seed " << seed;
  }
}

}  // namespace
}  // namespace hexa
