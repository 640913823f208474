// Hand-computed schedules for each policy on tiny clusters.
#include <map>

#include <gtest/gtest.h>

#include "test_util.h"

namespace hexa {
namespace {

using testing::cluster;
using testing::job;
using testing::options;
using testing::run;

TEST(FifoTest, StrictOrderBlocksSmallJobs) {
  auto out = run(cluster(1, 1, 8), {job("A", 0, 8, 10), job("B", 1, 8, 10), job("C", 2, 1, 5)}, options("fifo"));
  EXPECT_EQ(out.start_s("A"), 0);
  EXPECT_EQ(out.start_s("B"), 10);
  EXPECT_EQ(out.start_s("C"), 20) << "C fits at t=2 but may not overtake B";
  EXPECT_EQ(out.end_s("C"), 25);
}

TEST(FifoTest, QueuedJobsSayWhatTheyWaitFor) {
  Topology topo = cluster(1, 1, 8);
  Trace t;
  t.jobs = {job("A", 0, 4, 10), job("B", 1, 8, 10), job("C", 2, 1, 5), job("D", 10, 8, 10), job("E", 11, 1, 5)};
  SimOptions opt = options("fifo");
  std::map<std::string, std::string> why;
  opt.after_pass = [&](const Core& core, TimeMs now) {
    if (now == 2 * kSecond) why["B"] = core.explain(1), why["C"] = core.explain(2);
    if (now == 11 * kSecond) why["E"] = core.explain(4);
  };
  ASSERT_TRUE(simulate(topo, t, opt).ok());
  EXPECT_EQ(why["B"], "needs 8 GPUs on one node at any site; the most free on one node is 4");
  EXPECT_EQ(why["C"], "queued behind job B (policy fifo: strict arrival order, no overtaking)");
  EXPECT_EQ(why["E"], "every GPU is in use; waits for running jobs to end");
}

TEST(BackfillTest, ShortJobFillsTheHoleWithoutDelayingTheHead) {
  // A holds half the node until t=10; B needs all of it: reserved at t=10.
  auto out = run(cluster(1, 1, 8), {job("A", 0, 4, 10), job("B", 1, 8, 10), job("C", 2, 1, 5), job("D", 3, 1, 20)},
                 options("backfill"));
  EXPECT_EQ(out.start_s("B"), 10) << "the head job starts when A's time limit ends";
  EXPECT_EQ(out.start_s("C"), 2) << "C ends (t=7) before B's reservation (t=10)";
  EXPECT_EQ(out.start_s("D"), 20) << "D would still run at t=10";
  auto fifo = run(cluster(1, 1, 8), {job("A", 0, 4, 10), job("B", 1, 8, 10), job("C", 2, 1, 5)}, options("fifo"));
  EXPECT_EQ(fifo.start_s("C"), 20);
}

TEST(BackfillTest, LongJobMayNotTakeReservedGpus) {
  // A holds 4 of 8 GPUs until t=100. B needs all 8: reserved at t=100. C (4 GPUs, 1000 s)
  // fits in the free half now, but would hold it past t=100 and delay B.
  auto out = run(cluster(1, 1, 8), {job("A", 0, 4, 100), job("B", 1, 8, 10), job("C", 2, 4, 1000)},
                 options("backfill"));
  EXPECT_EQ(out.start_s("B"), 100);
  EXPECT_EQ(out.start_s("C"), 110);
}

TEST(BackfillTest, JobOnGpusTheHeadDoesNotNeedStartsAtOnce) {
  // Three nodes; A and A2 hold two of them until t=100. B needs two nodes: it is reserved on
  // A's and A2's at t=100, which leaves the free node to C although C runs long.
  auto out = run(cluster(1, 3, 8), {job("A", 0, 8, 100), job("A2", 0, 8, 100), job("B", 1, 16, 10),
                                    job("C", 2, 8, 1000)},
                 options("backfill"));
  EXPECT_EQ(out.start_s("B"), 100) << "B needs two nodes: A's and A2's, free at t=100";
  EXPECT_EQ(out.start_s("C"), 2) << "node 2 is not part of B's reservation";
}

TEST(LasTest, NewJobPreemptsTheMostServedJob) {
  // Thresholds 10 and 100 GPU-seconds. A (4 GPUs) runs from 0, B (4 GPUs) from 20.
  // At t=30, A has 120 GPU-s (queue 2), B 40 (queue 1): C (queue 0) preempts A, not B.
  SimOptions opt = options("las");
  opt.sched.las_thresholds = {10 * kSecond, 100 * kSecond};
  auto out = run(cluster(1, 1, 8), {job("A", 0, 4, 1000), job("B", 20, 4, 1000), job("C", 30, 4, 5)}, opt);
  EXPECT_EQ(out.rec("A").preemptions, 1);
  EXPECT_EQ(out.rec("B").preemptions, 0);
  EXPECT_EQ(out.start_s("C"), 30);
  EXPECT_EQ(out.end_s("C"), 35);
  EXPECT_EQ(out.result.preemptions, 1);
}

TEST(LasTest, ResumedJobPaysRestartOverheadAndFinishesItsWork) {
  SimOptions opt = options("las");
  opt.sched.las_thresholds = {10 * kSecond};
  opt.sched.restart_overhead = 2 * kSecond;
  auto out = run(cluster(1, 1, 8), {job("A", 0, 8, 100), job("B", 5, 8, 5)}, opt);
  EXPECT_EQ(out.start_s("B"), 5);
  EXPECT_EQ(out.end_s("B"), 10);
  EXPECT_EQ(out.end_s("A"), 10 + 95 + 2);
  EXPECT_EQ(out.rec("A").useful_ms, 100 * kSecond);
  EXPECT_EQ(out.rec("A").run_ms, 102 * kSecond);
}

TEST(LasTest, StarvingJobIsPromoted) {
  // A is preempted by a stream of short jobs; with the knob on, it returns to the top queue
  // after waiting knob x its last run, and then preempts the newcomer.
  SimOptions opt = options("las");
  opt.sched.las_thresholds = {10 * kSecond};
  opt.sched.las_promote_knob = 2;
  std::vector<TraceJob> jobs = {job("A", 0, 8, 100)};
  for (int i = 0; i < 20; ++i) jobs.push_back(job("S" + std::to_string(i), 5 + 30 * i, 8, 40));
  auto promoted = run(cluster(1, 1, 8), jobs, opt);
  opt.sched.las_promote_knob = 0;
  auto starved = run(cluster(1, 1, 8), jobs, opt);
  EXPECT_LT(promoted.end_s("A"), starved.end_s("A"));
  EXPECT_EQ(promoted.rec("A").useful_ms, 100 * kSecond);
}

TEST(SrtfTest, ShorterRemainingWorkPreempts) {
  auto out = run(cluster(1, 1, 8), {job("A", 0, 8, 100), job("B", 5, 8, 10), job("C", 6, 8, 200)}, options("srtf"));
  EXPECT_EQ(out.start_s("B"), 5);
  EXPECT_EQ(out.end_s("B"), 15);
  EXPECT_EQ(out.end_s("A"), 110) << "A (95 s left) goes before C (200 s)";
  EXPECT_EQ(out.start_s("C"), 110);
  EXPECT_TRUE(out.result.oracle);
}

TEST(FairTest, LightTenantOvertakesHeavyTenant) {
  std::vector<TraceJob> jobs = {job("X1", 0, 8, 100, "x"), job("X2", 1, 8, 10, "x"), job("Y1", 2, 8, 10, "y")};
  auto fair = run(cluster(1, 1, 8), jobs, options("fair"));
  EXPECT_EQ(fair.start_s("Y1"), 100) << "y has used nothing, x 800 GPU-s";
  EXPECT_EQ(fair.start_s("X2"), 110);
  auto fifo = run(cluster(1, 1, 8), jobs, options("fifo"));
  EXPECT_EQ(fifo.start_s("X2"), 100);
}

TEST(FairTest, WeightScalesTheShare) {
  // x weighs 10: its 800 GPU-s count as 80, less than y's 160 GPU-s.
  std::vector<TraceJob> jobs = {job("Y0", 0, 8, 20, "y"), job("X1", 20, 8, 100, "x"), job("X2", 21, 8, 10, "x"),
                                job("Y1", 22, 8, 10, "y")};
  SimOptions opt = options("fair");
  opt.tenants.resize(1);
  opt.tenants[0].name = "x";
  opt.tenants[0].weight = 10;
  auto out = run(cluster(1, 1, 8), jobs, opt);
  EXPECT_EQ(out.start_s("X2"), 120);
  EXPECT_EQ(out.start_s("Y1"), 130);
}

// ftf: rho = ((now - submit) + work left) / (work x max(1, gpus / share)), share = C x weight / W
// (C = 8 GPUs here, W = the weights of the tenants with jobs waiting or running); time limits
// are the durations (SimOptions::limits_from_duration).
TEST(FtfTest, ShortJobThatWaitedGoesFirst) {
  // One tenant: share = 8, no gang is wider. A runs 0-100. At their arrival B and C have
  // rho 1 ((0 + 100) / 100 and (0 + 10) / 10): a tie, B is older. At t=100, re-keyed:
  // B (99 + 100) / 100 = 1.99, C (98 + 10) / 10 = 10.8: C starts at 100, B at 110.
  std::vector<TraceJob> jobs = {job("A", 0, 8, 100), job("B", 1, 8, 100), job("C", 2, 8, 10)};
  auto out = run(cluster(1, 1, 8), jobs, options("ftf"));
  EXPECT_EQ(out.start_s("C"), 100);
  EXPECT_EQ(out.start_s("B"), 110);
  auto fifo = run(cluster(1, 1, 8), jobs, options("fifo"));
  EXPECT_EQ(fifo.start_s("B"), 100) << "arrival order differs";
}

TEST(FtfTest, LongWaitOutweighsShortNewcomer) {
  // A runs 0-100. At t=100: B (1000 s, since t=1) has rho (99 + 1000) / 1000 = 1.099;
  // C (100 s, since t=95) has (5 + 100) / 100 = 1.05. B starts at 100, C when B ends at 1100.
  auto out = run(cluster(1, 1, 8), {job("A", 0, 8, 100), job("B", 1, 8, 1000), job("C", 95, 8, 100)},
                 options("ftf"));
  EXPECT_EQ(out.start_s("B"), 100);
  EXPECT_EQ(out.start_s("C"), 1100);
}

TEST(FtfTest, GangWiderThanItsShareWaits) {
  // z's Z runs 0-100. At t=100 x and y wait (W = 2, share 4 GPUs each; z has nothing left, and
  // were it counted, W = 3, the order would be the same):
  //   X (x, since t=1, 8 GPUs, 100 s): alone on 4 GPUs it would take 200 s: (99 + 100) / 200 = 0.995
  //   Y (y, since t=2, 4 GPUs, 100 s): alone on 4 GPUs, 100 s:               (98 + 100) / 100 = 1.98
  // Y starts at 100 on half the node; X, reserved for Y's end, starts at 200. fifo and fair
  // (x and y have used nothing: tenant order) start X at 100.
  std::vector<TraceJob> jobs = {job("Z", 0, 8, 100, "z"), job("X", 1, 8, 100, "x"), job("Y", 2, 4, 100, "y")};
  auto out = run(cluster(1, 1, 8), jobs, options("ftf"));
  EXPECT_EQ(out.start_s("Y"), 100);
  EXPECT_EQ(out.start_s("X"), 200);
  EXPECT_EQ(run(cluster(1, 1, 8), jobs, options("fifo")).start_s("X"), 100);
  EXPECT_EQ(run(cluster(1, 1, 8), jobs, options("fair")).start_s("X"), 100);
}

TEST(FtfTest, WeightWidensTheShare) {
  // As above, but x weighs 3: W = 4 and x's share is 8 x 3 / 4 = 6 GPUs, y's 2. X alone:
  // 100 x 8 / 6 s: rho = 199 x 6 / 800 = 1.4925; Y alone: 100 x 4 / 2 = 200 s: rho = 198 / 200
  // = 0.99. X starts at 100, Y at 200.
  std::vector<TraceJob> jobs = {job("Z", 0, 8, 100, "z"), job("X", 1, 8, 100, "x"), job("Y", 2, 4, 100, "y")};
  SimOptions opt = options("ftf");
  opt.tenants.resize(1);
  opt.tenants[0].name = "x";
  opt.tenants[0].weight = 3;
  auto out = run(cluster(1, 1, 8), jobs, opt);
  EXPECT_EQ(out.start_s("X"), 100);
  EXPECT_EQ(out.start_s("Y"), 200);
}

TEST(PriorityTest, HigherPriorityPreemptsPreemptibleWorkOnly) {
  std::vector<TraceJob> jobs = {job("low", 0, 8, 100), job("high", 10, 8, 10)};
  jobs[1].priority = 5;
  auto out = run(cluster(1, 1, 8), jobs, options("fifo"));
  EXPECT_EQ(out.start_s("high"), 10);
  EXPECT_EQ(out.rec("low").preemptions, 1);
  jobs[0].preemptible = false;
  auto kept = run(cluster(1, 1, 8), jobs, options("fifo"));
  EXPECT_EQ(kept.start_s("high"), 100);
}

TEST(PolicyTest, UnknownPolicyNamesTheChoices) {
  Trace t;
  auto r = simulate(cluster(1, 1, 8), t, options("lottery"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "policy: unknown 'lottery'; expected fifo, backfill, las, srtf, fair or ftf");
}

}  // namespace
}  // namespace hexa

namespace hexa {
namespace {

TEST(GangTest, AllOrNothing) {
  // 16 GPUs in two nodes; A holds 6. G wants 12: 10 are free, so it takes none of them and
  // waits; under las the small job S starts at once on the free GPUs meanwhile.
  Topology topo = testing::cluster(1, 2, 8);
  Trace t;
  t.jobs = {testing::job("A", 0, 6, 100), testing::job("G", 1, 12, 10), testing::job("S", 2, 2, 10)};
  SimOptions opt = testing::options("las");
  opt.sched.las_thresholds = {kHour * 1000};  // one queue: no preemption
  bool checked = false;
  opt.after_pass = [&](const Core& core, TimeMs now) {
    if (now != 2 * kSecond) return;
    checked = true;
    EXPECT_EQ(core.job(1).phase, JobPhase::kPending);
    EXPECT_TRUE(core.job(1).alloc.empty());
    EXPECT_EQ(core.state().free.total_free(), 16 - 6 - 2);
  };
  auto out = testing::run(topo, t.jobs, opt);
  EXPECT_TRUE(checked);
  EXPECT_EQ(out.start_s("S"), 2);
  EXPECT_EQ(out.start_s("G"), 100);
}

}  // namespace
}  // namespace hexa
