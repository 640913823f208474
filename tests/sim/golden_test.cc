// Golden-file scenario tests: small hand-written traces (tests/golden/*.csv) replayed through
// the library for every policy and placement; the JSON report (and, for a few cases, the
// per-job CSV) must match the files in tests/golden/ byte for byte.
//
// HEXA_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (docs/testing.md). A new
// golden file is accepted only after a person has checked it: the hand-derived schedules below
// (GoldenHand.*) pin the cases whose numbers were worked out on paper.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/cluster_config.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"
#include "golden_files.h"
#include "sim/trace.h"
#include "test_files.h"

namespace hexa {
namespace {

using testing::temp_path;

namespace fs = std::filesystem;

using testing::check_golden;
using testing::kGolden;
using testing::read_file;
using testing::updating_golden;

struct Outcome {
  SimResult result;
  Metrics metrics;
  std::string json;  // report_json(..., -1).dump(2) + "\n"
  const JobRecord& rec(const std::string& id) const {
    for (const JobRecord& r : result.jobs)
      if (r.id == id) return r;
    throw std::runtime_error("no job " + id);
  }
};

// Loads tests/golden/<trace>.csv and the cluster `cluster` (a shorthand, or a file in
// tests/golden/), and replays it.
Outcome replay(const std::string& trace, const std::string& cluster, const std::string& policy,
               const std::string& placement) {
  auto topo = load_cluster(cluster.find('.') == std::string::npos ? cluster : kGolden + cluster);
  if (!topo.ok()) throw std::runtime_error(topo.status().message());
  auto tr = load_trace(kGolden + trace + ".csv", "hexa");
  if (!tr.ok()) throw std::runtime_error(tr.status().message());
  SimOptions opt;
  opt.sched.policy = policy;
  opt.sched.placement = placement;
  auto r = simulate(*topo, *tr, opt);
  if (!r.ok()) throw std::runtime_error(r.status().message());
  Outcome o{std::move(r).value(), {}, {}};
  o.metrics = compute_metrics(o.result);
  o.json = report_json(o.result, o.metrics, -1).dump(2) + "\n";
  return o;
}

std::string jobs_csv(const SimResult& r) {
  std::string path = temp_path("jobs.csv");
  Status st = write_jobs_csv(r, path);
  EXPECT_TRUE(st.ok()) << st.message();
  return read_file(path);
}

// ---- every trace x policy x placement against its golden report ------------------------------

struct Case {
  std::string trace;      // tests/golden/<trace>.csv
  std::string cluster;    // shorthand or a file in tests/golden/
  std::string policy;
  std::string placement;
  bool jobs = false;      // also compare the per-job CSV
  // tests/golden/<trace>.<policy>.json; count placement: <trace>.<policy>.count.json
  std::string stem() const { return trace + "." + policy + (placement == "topology" ? "" : "." + placement); }
};

std::vector<Case> cases() {
  const std::vector<std::string> policies = {"fifo", "backfill", "las", "srtf", "fair", "ftf"};
  // Per-job CSVs are compared where the schedule was checked by hand, and where preemption
  // shows up in the per-job counts.
  auto with_jobs = [](const std::string& stem) {
    for (const char* s : {"basic.fifo", "basic.backfill", "basic.ftf", "rejects.fifo", "las-mix.las", "two-sites.fair"})
      if (stem == s) return true;
    return false;
  };
  std::vector<Case> out;
  for (const std::string& p : policies) {
    // Placement matters only where gangs can be split across nodes and blocks.
    for (const char* placement : {"topology", "count"}) {
      out.push_back({"basic", "2x8", p, placement});
      out.push_back({"two-sites", "two-sites.yaml", p, placement});
    }
    out.push_back({"rejects", "2x8", p, "topology"});
    out.push_back({"las-mix", "2x8", p, "topology"});
  }
  for (Case& c : out) c.jobs = with_jobs(c.stem());
  return out;
}

// What gtest prints for a failing case.
void PrintTo(const Case& c, std::ostream* os) { *os << c.stem() << " on " << c.cluster; }

class GoldenReport : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenReport, MatchesGoldenFiles) {
  const Case& c = GetParam();
  Outcome o = replay(c.trace, c.cluster, c.policy, c.placement);
  EXPECT_EQ(o.result.policy, c.policy);
  EXPECT_EQ(o.result.placement, c.placement);
  // Nothing may be left behind: every job ends, or is rejected with a reason.
  for (const JobRecord& j : o.result.jobs) {
    EXPECT_TRUE(j.state == "finished" || j.state == "timeout" || j.state == "rejected") << j.id << ": " << j.state;
    if (j.state == "rejected") {
      EXPECT_FALSE(j.reason.empty()) << j.id;
    }
  }
  check_golden(c.stem() + ".json", o.json);
  if (c.jobs) check_golden(c.stem() + ".jobs.csv", jobs_csv(o.result));
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenReport, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           std::string n = param.param.stem();
                           for (char& ch : n)
                             if (ch == '.' || ch == '-') ch = '_';
                           return n;
                         });

// ---- schedules worked out by hand: why the golden files can be believed ----------------------

// basic.csv on 2x8 (two nodes A and B of 8 GPUs, 16 in all), fifo: strict arrival order, no
// job overtakes the front one; limits equal the true durations. Times in seconds.
//   t=0     j1 (8) takes a whole node, j2 (4) half of the other: 4 GPUs left free.
//   t=60    j3 (8) needs one whole node (8 = a node's size, so it must sit on one node): the
//           4 free GPUs cannot hold it. It waits at the front, and blocks j4 (2 GPUs) at t=120
//           although 2 GPUs would fit: fifo does not let j4 overtake.
//   t=1800  j2 ends: its node is all free; j3 starts (ends 3000). The cluster is full again.
//   t=3000  j3 ends; j4 starts on that node (ends 3600); j5 (16) needs the whole cluster and
//           waits at the front, blocking j6..j10 (all arrived by 1800).
//   t=3600  j1 and j4 end together; j5 starts (ends 5400).
//   t=5400  j6 (1) + j7 (4) + j8 (2) + j9 (8) + j10 (1) = 16 GPUs: all start at once, with
//           best fit j6, j7, j8, j10 share one node (1+4+2+1 = 8) and j9 takes the other.
//           Ends: j10 5460, j6 5700, j9 6000, j7 6300, j8 6600 = the makespan.
// JCT (end - submit): 3600, 1800, 2940, 3480, 5100, 5340, 5700, 5700, 4800, 3660; sum 42120,
// avg 4212. Queue (start - submit): 0, 0, 1740, 2880, 3300, 5040, 4800, 4500, 4200, 3600;
// sum 30060, avg 3006. Busy GPU-seconds: 8*3600 + 4*1800 + 8*1200 + 2*600 + 16*1800 + 300 +
// 4*900 + 2*1200 + 8*600 + 60 = 86760, utilisation 86760 / (16 * 6600) = 0.822.
TEST(GoldenHand, BasicFifoScheduleWorkedOutByHand) {
  for (const char* placement : {"topology", "count"}) {  // every gang fits either way: same times
    Outcome o = replay("basic", "2x8", "fifo", placement);
    struct Want { const char* id; long start_s, end_s; };
    const Want wants[] = {{"j1", 0, 3600},    {"j2", 0, 1800},    {"j3", 1800, 3000}, {"j4", 3000, 3600},
                          {"j5", 3600, 5400}, {"j6", 5400, 5700}, {"j7", 5400, 6300}, {"j8", 5400, 6600},
                          {"j9", 5400, 6000}, {"j10", 5400, 5460}};
    for (const Want& w : wants) {
      EXPECT_EQ(o.rec(w.id).first_start, w.start_s * 1000) << placement << " " << w.id;
      EXPECT_EQ(o.rec(w.id).end, w.end_s * 1000) << placement << " " << w.id;
      EXPECT_EQ(o.rec(w.id).state, "finished") << placement << " " << w.id;
    }
    EXPECT_DOUBLE_EQ(o.metrics.makespan_s, 6600);
    EXPECT_DOUBLE_EQ(o.metrics.jct.avg, 4212);
    EXPECT_DOUBLE_EQ(o.metrics.queue.avg, 3006);
    EXPECT_DOUBLE_EQ(o.metrics.jct.max, 5700);
    EXPECT_NEAR(o.metrics.utilization, 86760.0 / (16 * 6600), 1e-12);
    EXPECT_EQ(o.result.preemptions, 0);
  }
}

// basic.csv, ftf: largest rho = ((now - submit) + limit left) / (limit x max(1, gpus x W / 16))
// first (W: tenants with jobs waiting or running; 2 from t=60), EASY reservation for the front
// job, re-ranked at every pass. Times in seconds; rho to 2 decimals.
//   t=0     j1, j2 start as under fifo (node A full, B half).
//   t=60    j3 (8) cannot: reserved on B at 1800 (j2's end); B's 4 free GPUs held.
//   t=120   j3 1.05 before j4 1.00; j4 ends by 720 <= 1800: 120 -> 720 on held GPUs.
//   t=300   j5 (16): alone on its share of 8 GPUs it would take 2 x 1800: rho 0.50, last.
//   t=360   j6 (1, 300 s) ends by 660: 360 -> 660.
//   t=720   j7 (4, 900 s; rho 1.13) ends by 1620: 720 -> 1620.
//   t=1800  j3 starts (reserved). Order j9 2.00, j8 1.75, j10 1.00, j5 0.92: j9 (8) reserved on
//           B at 3000 (j3's end); nothing is free.
//   t=3000  j10 (1, waited 1200 for 60 s of work) has rho 21.00: it starts, 3000 -> 3060; j9
//           4.00 is reserved at 3060 on B; j8 2.75 and j5 1.25 cannot.
//   t=3060  j9 3060 -> 3660; j8 (3.05) reserved at 3600 on A.  t=3600: j8 3600 -> 4800.
//   t=4800  j5 (16) at last, 4800 -> 6600 = the makespan (backfill: j5 at 3600, j8 5400).
// JCT: 3600, 1800, 2940, 600, 6300, 300, 1020, 3900, 2460, 1260: avg 2418 (backfill 2712).
// Queue: 0, 0, 1740, 0, 4500, 0, 120, 2700, 1860, 1200: avg 1212.
// Fairness achieved (report: rho = JCT / (duration x max(1, gpus x N / 16)), N = tenants in the
// system at submit: 1 for j1 and j2, 2 after): a: 1, 1, 1.75 (j5: 6300 / 3600), 1.13, 4.10:
// p50 1.133, p90 = max 4.1; b: 2.45, 1, 1, 3.25, 21 (j10): p50 2.45, p90 = max 21. All ten
// (four of them 1): p50 1.133 (j7), p90 4.1, max 21, worst tenant b.
TEST(GoldenHand, BasicFtfScheduleWorkedOutByHand) {
  Outcome o = replay("basic", "2x8", "ftf", "topology");
  struct Want { const char* id; long start_s, end_s; };
  const Want wants[] = {{"j1", 0, 3600},    {"j2", 0, 1800},  {"j3", 1800, 3000}, {"j4", 120, 720},
                        {"j5", 4800, 6600}, {"j6", 360, 660}, {"j7", 720, 1620},  {"j8", 3600, 4800},
                        {"j9", 3060, 3660}, {"j10", 3000, 3060}};
  for (const Want& w : wants) {
    EXPECT_EQ(o.rec(w.id).first_start, w.start_s * 1000) << w.id;
    EXPECT_EQ(o.rec(w.id).end, w.end_s * 1000) << w.id;
  }
  EXPECT_DOUBLE_EQ(o.metrics.makespan_s, 6600);
  EXPECT_DOUBLE_EQ(o.metrics.jct.avg, 2418);
  EXPECT_DOUBLE_EQ(o.metrics.queue.avg, 1212);
  EXPECT_EQ(o.result.preemptions, 0);
  EXPECT_NEAR(o.metrics.rho.p50, 1020.0 / 900, 1e-12);
  EXPECT_DOUBLE_EQ(o.metrics.rho.p90, 4.1);
  EXPECT_DOUBLE_EQ(o.metrics.rho.max, 21);
  EXPECT_EQ(o.metrics.rho_worst, "b");
  ASSERT_EQ(o.metrics.tenants.size(), 2u);
  EXPECT_NEAR(o.metrics.tenants[0].rho.p50, 1020.0 / 900, 1e-12);
  EXPECT_DOUBLE_EQ(o.metrics.tenants[0].rho.max, 4.1);
  EXPECT_DOUBLE_EQ(o.metrics.tenants[1].rho.p50, 2.45);
  EXPECT_DOUBLE_EQ(o.metrics.tenants[1].rho.max, 21);
}

// basic.csv, backfill (EASY): the front job gets a reservation; a later job may start if it
// fits in GPUs that are free and not held, or if its limit (= its duration here) makes it end
// before the reservation starts.
//   t=60    j3 (8) cannot start; the earliest a whole node frees is 1800 (j2's end): j3 is
//           reserved on j2's node B at 1800, and B's 4 free GPUs are held for it.
//   t=120   j4 (2, 600 s) ends by 720 <= 1800: it runs on held GPUs, 120 -> 720 (fifo: 3000).
//   t=300   j5 (16) cannot; it would end after 1800 anyway. t=360 j6 (1, 300 s): 360 -> 660.
//   t=720   j4 has ended, B has 4 free: j7 (4, 900 s) ends by 1620 <= 1800: 720 -> 1620.
//   t=1800  j3 starts as reserved (backfill never delays the front job; same as fifo). j5 is
//           now the front job, reserved at 3600 when j1 (A) ends and j3 (B) has ended.
//   t=3000  j3 ends; j9 (8, 600 s) ends by 3600 <= 3600: it takes B, 3000 -> 3600. j8 (2,
//           1200 s) arrived first but would end at 4200, and B is then taken.
//   t=3600  j5, 3600 -> 5400; then j8 and j10 at 5400, as under fifo. Makespan 6600.
TEST(GoldenHand, BasicBackfillScheduleWorkedOutByHand) {
  Outcome o = replay("basic", "2x8", "backfill", "topology");
  struct Want { const char* id; long start_s, end_s; };
  const Want wants[] = {{"j1", 0, 3600},    {"j2", 0, 1800},    {"j3", 1800, 3000}, {"j4", 120, 720},
                        {"j5", 3600, 5400}, {"j6", 360, 660},   {"j7", 720, 1620},  {"j8", 5400, 6600},
                        {"j9", 3000, 3600}, {"j10", 5400, 5460}};
  for (const Want& w : wants) {
    EXPECT_EQ(o.rec(w.id).first_start, w.start_s * 1000) << w.id;
    EXPECT_EQ(o.rec(w.id).end, w.end_s * 1000) << w.id;
  }
  EXPECT_DOUBLE_EQ(o.metrics.makespan_s, 6600);
}

// rejects.csv on 2x8 (16 GPUs of type "gpu" in site "site0"): huge (32 GPUs) and
// full-plus-one (17) can never fit; h100 asks for a type and mars for a site that do not
// exist. They are rejected on arrival with a reason; the rest run (fifo):
//   t=0   ok1 (4) starts (ends 600); ok2 (16) needs the whole cluster: waits.
//   t=600 ok1 ends; ok2 starts (ends 900).
//   t=900 ok3 (6, 300 s) and ok4 (2, 120 s) start: ends 1200 and 1020. Makespan 1200.
TEST(GoldenHand, RejectsAreExplainedAndDoNotStall) {
  Outcome o = replay("rejects", "2x8", "fifo", "topology");
  EXPECT_EQ(o.metrics.rejected, 4);
  EXPECT_EQ(o.metrics.finished, 4);
  EXPECT_EQ(o.rec("huge").state, "rejected");
  EXPECT_NE(o.rec("huge").reason.find("needs 32 GPUs"), std::string::npos) << o.rec("huge").reason;
  EXPECT_NE(o.rec("huge").reason.find("16"), std::string::npos) << o.rec("huge").reason;
  EXPECT_NE(o.rec("full-plus-one").reason.find("needs 17 GPUs"), std::string::npos) << o.rec("full-plus-one").reason;
  EXPECT_NE(o.rec("h100").reason.find("'H100'"), std::string::npos) << o.rec("h100").reason;
  EXPECT_NE(o.rec("mars").reason.find("'mars'"), std::string::npos) << o.rec("mars").reason;
  struct Want { const char* id; long start_s, end_s; };
  const Want wants[] = {{"ok1", 0, 600}, {"ok2", 600, 900}, {"ok3", 900, 1200}, {"ok4", 900, 1020}};
  for (const Want& w : wants) {
    EXPECT_EQ(o.rec(w.id).first_start, w.start_s * 1000) << w.id;
    EXPECT_EQ(o.rec(w.id).end, w.end_s * 1000) << w.id;
  }
  EXPECT_DOUBLE_EQ(o.metrics.makespan_s, 1200);
  const auto report = report_json(o.result, o.metrics, -1);
  ASSERT_EQ(report["rejections"].size(), 4u);
  EXPECT_EQ(report["rejections"][0]["id"], "huge");
}

// las-mix.csv, las (thresholds 1 and 10 GPU-hours = 3600 and 36000 GPU-s; a victim is the
// running job of the lowest priority, then the highest queue, then the latest arrival).
// Nodes A and B of 8 GPUs. Times in seconds.
//   t=0    long1 (8, 7200 s) on A, long2 (8, 5400 s) on B. Both pass 3600 GPU-s at 450 s: q1.
//   t=600  short1 (2, q0) outranks them; the latest arrival, long2, is preempted (ran 600 s);
//          short1 starts on B (ends 900).
//   t=660  short2 (4) starts on B's 6 free GPUs (ends 1260); t=720 short3 (1) too (ends 840).
//   t=900  short1 ends; mid1 (8, q0) arrives: B has 4 free, not a whole node: it preempts
//          long1 (ran 900 s) and starts on A.
//   t=1200 short4 (2) starts on B (ends 1380). mid1 reaches 3600 GPU-s at 1350: q1.
//   t=1380 B is empty: long1 and long2 wait in q1, long1 first (arrival): long1 resumes on B
//          with 6300 s left.
//   t=1500 short5 (1, q0) outranks mid1 and long1, both q1; mid1 is the later arrival: it is
//          preempted (ran 600 s), short5 runs on A until 1560.
//   t=1560 A is empty: long2 (q1, arrived before mid1) resumes with 4800 s left: ends 6360.
//   t=4980 long1 reaches 36000 GPU-s (900 + 3600 s on 8 GPUs): q2. mid1 (q1) outranks it and
//          preempts it (its 2nd preemption, 4500 s done); mid1 runs its last 1200 s: ends 6180.
//          (long2 drops to q2 at 5460 but outranks no one waiting.)
//   t=6180 long1 resumes with 2700 s left: ends 8880 = the makespan.
// Preemptions: long2 once, long1 twice, mid1 once = 4. Under fifo short1 waits until 5400.
TEST(GoldenHand, LasScheduleWorkedOutByHand) {
  Outcome las = replay("las-mix", "2x8", "las", "topology");
  struct Want { const char* id; long start_s, end_s; int preemptions; };
  const Want wants[] = {{"long1", 0, 8880, 2},      {"long2", 0, 6360, 1},      {"short1", 600, 900, 0},
                        {"short2", 660, 1260, 0},   {"short3", 720, 840, 0},    {"mid1", 900, 6180, 1},
                        {"short4", 1200, 1380, 0},  {"short5", 1500, 1560, 0}};
  for (const Want& w : wants) {
    EXPECT_EQ(las.rec(w.id).first_start, w.start_s * 1000) << w.id;
    EXPECT_EQ(las.rec(w.id).end, w.end_s * 1000) << w.id;
    EXPECT_EQ(las.rec(w.id).preemptions, w.preemptions) << w.id;
    EXPECT_EQ(las.rec(w.id).useful_ms, las.rec(w.id).duration) << w.id;
  }
  EXPECT_EQ(las.result.preemptions, 4);
  EXPECT_DOUBLE_EQ(las.metrics.makespan_s, 8880);
  Outcome fifo = replay("las-mix", "2x8", "fifo", "topology");
  EXPECT_EQ(fifo.rec("short1").first_start, 5'400'000);
  EXPECT_EQ(fifo.result.preemptions, 0);
}

// two-sites.csv on two-sites.yaml (paris: 2 nodes of 8 H100; lyon: 2 one-node blocks of 4 A100).
TEST(GoldenHand, TwoSitesConstraintsTimeoutAndPriority) {
  Outcome o = replay("two-sites", "two-sites.yaml", "fifo", "topology");
  // short-limit runs 3600 s of work under a 1800 s limit: it is stopped at its limit.
  const JobRecord& sl = o.rec("short-limit");
  EXPECT_EQ(sl.state, "timeout");
  EXPECT_EQ(sl.end - sl.first_start, 1'800'000);
  EXPECT_EQ(sl.useful_ms, 1'800'000);
  EXPECT_EQ(o.metrics.timeouts, 1);
  // Site and type constraints are honoured.
  EXPECT_EQ(o.rec("big").site, "paris");
  EXPECT_EQ(o.rec("a1").site, "lyon");
  EXPECT_EQ(o.rec("a2").site, "lyon");  // A100 exists only in lyon
  EXPECT_EQ(o.rec("g1").site, "lyon");
  EXPECT_EQ(o.rec("urgent").site, "paris");
  // urgent (priority 5, 8 H100 at paris) arrives at 600 while big (priority 0) holds all of
  // paris: it preempts big and starts at once, whatever the queue policy.
  EXPECT_EQ(o.rec("urgent").first_start, 600'000);
  EXPECT_EQ(o.rec("urgent").end, 1'800'000);
  EXPECT_GE(o.rec("big").preemptions, 1);
  EXPECT_EQ(o.rec("big").useful_ms, 7'200'000);
}

// The frag-* jobs of two-sites.csv arrive after everything else has ended (the latest end
// under any policy is 12600 s). Lyon has two nodes of 4 A100, each its own block.
//   t=13000 frag-p (3, 600 s) and frag-q (3, 1200 s).
//     topology: one node each (best fit), 1 GPU left free on each node.
//     count: frag-p takes GPUs 0-2 of the first node, frag-q GPU 3 of it and 2 of the second.
//   t=13060 frag-z (2, 300 s): count finds 2 free on the second node and starts it (ends
//     13360); topology needs one node with 2 free: it waits for frag-p's end, 13600 -> 13900.
//     Makespan: frag-q ends at 14200 either way.
//   srtf with topology: frag-z has the least remaining GPU-time (600 GPU-s, against 1620 for
//     frag-p and 3420 for frag-q), so it preempts frag-q, the victim with the most left, and
//     runs 13060 -> 13360; frag-q resumes with 1140 s left: ends 14500. (las does not preempt:
//     frag-p and frag-q have 180 GPU-s, below the first threshold, all three are in queue 0.)
TEST(GoldenHand, CountPlacementSplitsGangsTopologyDoesNot) {
  for (const char* policy : {"fifo", "backfill", "las", "srtf", "fair"}) {
    Outcome topo = replay("two-sites", "two-sites.yaml", policy, "topology");
    Outcome count = replay("two-sites", "two-sites.yaml", policy, "count");
    EXPECT_EQ(count.rec("frag-z").first_start, 13'060'000) << policy;
    EXPECT_EQ(count.rec("frag-z").end, 13'360'000) << policy;
    EXPECT_EQ(count.rec("frag-q").preemptions, 0) << policy;
    EXPECT_DOUBLE_EQ(count.metrics.makespan_s, 14200) << policy;
    if (std::string(policy) == "srtf") {
      EXPECT_EQ(topo.rec("frag-z").first_start, 13'060'000);
      EXPECT_EQ(topo.rec("frag-z").end, 13'360'000);
      EXPECT_EQ(topo.rec("frag-q").preemptions, 1);
      EXPECT_EQ(topo.rec("frag-q").end, 14'500'000);
      EXPECT_DOUBLE_EQ(topo.metrics.makespan_s, 14500);
    } else {
      EXPECT_EQ(topo.rec("frag-z").first_start, 13'600'000) << policy;
      EXPECT_EQ(topo.rec("frag-z").end, 13'900'000) << policy;
      EXPECT_DOUBLE_EQ(topo.metrics.makespan_s, 14200) << policy;
    }
  }
}

// ---- the seeded scenario ---------------------------------------------------------------------

std::string scenario_report(std::optional<std::uint64_t> seed) {
  auto sc = load_scenario(kGolden + "small-scenario.yaml", seed);
  if (!sc.ok()) throw std::runtime_error(sc.status().message());
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  if (!r.ok()) throw std::runtime_error(r.status().message());
  return report_json(*r, compute_metrics(*r), -1).dump(2) + "\n";
}

TEST(GoldenScenario, SmallScenarioMatchesGolden) {
  auto sc = load_scenario(kGolden + "small-scenario.yaml", std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  EXPECT_EQ(sc->seed, 7u);
  EXPECT_EQ(sc->topology->total_gpus(), 32);
  EXPECT_GE(sc->trace.jobs.size(), 10u);
  EXPECT_LE(sc->trace.jobs.size(), 2000u);  // stays small and fast
  check_golden("small-scenario.json", scenario_report(std::nullopt));
}

TEST(GoldenScenario, SameSeedSameReportOtherSeedOtherReport) {
  std::string a = scenario_report(std::nullopt), b = scenario_report(std::nullopt);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, scenario_report(7));  // the file's seed, given explicitly
  std::string c = scenario_report(8);
  EXPECT_NE(a, c);
  EXPECT_EQ(c, scenario_report(8));
}

}  // namespace
}  // namespace hexa
