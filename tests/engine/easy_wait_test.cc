// Whole-GPU jobs that can only wait behind an EASY reservation are answered at once
// (Scheduler::consider, only_waits_behind_head), most of them from the queue's entry without
// the job (Scheduler::waits_behind_head): the same schedule and the same wait reasons as
// trying each of them. Random workloads run with the shortcut on and off
// (SchedulerOptions::skip_full_classes), compared start by start and, after every pass, on the
// explanation and the start estimate of every waiting job. The same option gates the
// backfill that gives the head's held GPUs back only where their pools could then fit the job
// (Scheduler::held_could_fit).
#include <gtest/gtest.h>

#include <algorithm>

#include "core/core.h"
#include "engine/start_estimate.h"
#include "same_runs.h"
#include "test_util.h"

namespace hexa {
namespace {

// Gangs of 1 to 32 GPUs on 2 sites of 32 GPUs, most with time limits, a few preemptible or
// of a higher priority, some bound to a site; whole-GPU windows for two tenants, a quota on
// the third.
SimOptions workload(const char* policy, std::uint64_t seed, std::vector<TraceJob>* jobs) {
  testing::XorShift next{seed * 0x9E3779B97F4A7C15ull + 5};
  SimOptions opt = testing::options(policy);
  opt.limits_from_duration = false;
  opt.sched.restart_overhead = 30 * kSecond;
  const std::vector<std::string> tenants = {"startup", "other", "third"};
  AddTenant third = AddTenant::root("third");  // under a quota: the shortcut comes after it
  third.quotas.push_back(QuotaSpec{"", -1, -1, -1, 2, -1});
  opt.tenants = {AddTenant::root("startup"), AddTenant::root("other"), third};
  for (int r = 0; r < 4; ++r) {
    const TimeMs from = next(30) * kHour;
    opt.setup.push_back(AddReservation{"w" + std::to_string(r), tenants[static_cast<std::size_t>(r % 2)],
                                       r % 2 ? "s1" : "s0", "gpu", static_cast<int>(4 + next(12)), "", 0, from,
                                       from + (1 + next(4)) * kHour});
  }
  for (int i = 0; i < 400; ++i) {
    const std::string& tenant = tenants[static_cast<std::size_t>(next(tenants.size()))];
    TraceJob j = testing::job("j" + std::to_string(i), next(30 * 3600), 1 << next(6), 120 + next(4 * 3600), tenant);
    if (next(4) == 0) j.sites = {next(2) ? "s1" : "s0"};
    j.priority = next(6) == 0 ? 1 : 0;
    j.preemptible = next(5) == 0;
    if (next(4) != 0) j.time_limit = j.duration + next(3600) * kSecond;
    jobs->push_back(std::move(j));
  }
  std::sort(jobs->begin(), jobs->end(), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
  return opt;
}

TEST(EasyWaitProperty, AnsweringHopelessGangsAtOnceChangesNothing) {
  const Topology topo = testing::cluster(2, 2, 8, 2);  // 2 sites x 2 blocks x 2 nodes of 8 GPUs
  long delays_seen = 0, from_entries = 0;
  std::uint64_t skips_seen = 0;
  for (const char* policy : {"fair", "backfill"}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      std::vector<TraceJob> jobs;
      SimOptions opt = workload(policy, seed, &jobs);
      std::vector<std::string> said[2];  // every waiting job's explanation after every pass
      std::uint64_t held_skips = 0;
      for (int on = 0; on < 2; ++on) {
        opt.sched.skip_full_classes = on == 1;
        opt.after_pass = [&](const Core& core, TimeMs now) {
          const auto estimates = core.start_estimates();
          if (on == 1) held_skips = core.scheduler().held_skips();
          for (const Job& j : core.state().jobs) {
            if (j.phase != JobPhase::kPending) continue;
            const StartEstimate e = estimates->of(j);
            said[on].push_back(std::to_string(now) + " " + std::to_string(j.id) + ": " + core.explain(j.id) +
                               " / " + std::to_string(e.at) + " " + note_text(e.note, "x"));
            // The reason came from the queue's entry, not from a look at the job.
            from_entries += core.scheduler().wait_of(j).pass != j.wait.pass;
          }
        };
        (void)testing::run(topo, jobs, opt);
      }
      skips_seen += held_skips;
      ASSERT_EQ(said[0].size(), said[1].size()) << policy << " seed " << seed;
      for (std::size_t i = 0; i < said[0].size(); ++i) {
        ASSERT_EQ(said[0][i], said[1][i]) << policy << " seed " << seed;
        delays_seen += said[1][i].find("would delay job") != std::string::npos;
      }
    }
  }
  EXPECT_GT(delays_seen, 1000) << "the workload keeps gangs waiting behind a reservation";
  EXPECT_GT(from_entries, 500) << "and most of them are answered without a look at the job";
  EXPECT_GT(skips_seen, 100u) << "short jobs that the head's held GPUs could not have helped";
}

// The same runs compared on what they did: every job's first start, end, preemptions, state.
TEST(EasyWaitProperty, SameStartsAndEnds) {
  const Topology topo = testing::cluster(2, 2, 8, 2);
  for (const char* policy : {"fair", "backfill"}) {
    for (std::uint64_t seed = 4; seed <= 6; ++seed) {
      std::vector<TraceJob> jobs;
      SimOptions opt = workload(policy, seed, &jobs);
      auto on = testing::run(topo, jobs, opt);
      opt.sched.skip_full_classes = false;
      auto off = testing::run(topo, jobs, opt);
      testing::expect_same_runs(on, off, std::string(policy) + " seed " + std::to_string(seed));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace hexa
