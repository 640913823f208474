// Hand checks of the reference scheduler itself: schedules worked out on paper (in the comments
// next to each expectation), so that the reference is not trusted only because it agrees with
// the engine. The differential test (differential_test.cc) then holds the engine to it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/reference_scheduler.h"

namespace hexa::ref {
namespace {

RefJob job(std::string id, int tenant, long submit_min, int gpus, long minutes, int priority = 0) {
  RefJob j;
  j.id = std::move(id);
  j.tenant = tenant;
  j.submit = submit_min * kMinute;
  j.gpus = gpus;
  j.duration = minutes * kMinute;
  j.limit = j.duration;
  j.priority = priority;
  return j;
}

std::vector<std::string> lines(const std::vector<RefEvent>& events, const std::vector<RefJob>& jobs) {
  std::vector<std::string> out;
  for (const RefEvent& e : events) out.push_back(to_string(e, jobs));
  return out;
}

RefOptions options(std::string policy, int tenants = 1) {
  RefOptions o;
  o.policy = std::move(policy);
  o.las_thresholds = {5 * kMinute, 100 * kMinute};
  o.weights.assign(static_cast<std::size_t>(tenants), 1);
  return o;
}

// One GPU, two tenants with no usage yet and equal weights: the tie goes to the lower tenant
// id, t0, whatever the arrival order (a reversed tie-break starts a first).
TEST(ReferenceScheduler, FairTieGoesToTheLowerTenantId) {
  std::vector<RefJob> jobs = {job("a", 1, 0, 1, 10), job("b", 0, 0, 1, 10)};
  EXPECT_EQ(lines(reference_schedule({{{1}}}, jobs, options("fair", 2)), jobs),
            (std::vector<std::string>{"0 start b on n0:0", "600000 end b", "600000 start a on n0:0", "1200000 end a"}));
}

// One node of 4 GPUs. j0 (2 GPUs, 10 min) starts; j1 (4 GPUs) does not fit and is reserved
// all 4 GPUs at 10 min (j0's limit); j2 (2 GPUs, 5 min) ends before then and may use the
// reserved free GPUs; j3 (2 GPUs, 20 min) would delay j1 and waits; at 5 min j2 ends and j3
// still would delay j1. At 10 j1 starts, at 20 j3.
TEST(ReferenceScheduler, BackfillLetsOnlyShortJobsUseTheReservation) {
  std::vector<RefJob> jobs = {job("j0", 0, 0, 2, 10), job("j1", 0, 0, 4, 10), job("j2", 0, 0, 2, 5),
                              job("j3", 0, 0, 2, 20)};
  EXPECT_EQ(lines(reference_schedule({{{4}}}, jobs, options("backfill")), jobs),
            (std::vector<std::string>{"0 start j0 on n0:0,1", "0 start j2 on n0:2,3", "300000 end j2",
                                      "600000 end j0", "600000 start j1 on n0:0,1,2,3", "1200000 end j1",
                                      "1200000 start j3 on n0:0,1", "2400000 end j3"}));
  // fifo: j1 blocks everyone behind it; j2 and j3 start together after it.
  EXPECT_EQ(lines(reference_schedule({{{4}}}, jobs, options("fifo")), jobs),
            (std::vector<std::string>{"0 start j0 on n0:0,1", "600000 end j0", "600000 start j1 on n0:0,1,2,3",
                                      "1200000 end j1", "1200000 start j2 on n0:0,1", "1200000 start j3 on n0:2,3",
                                      "1500000 end j2", "2400000 end j3"}));
}

// One GPU, las threshold 5 GPU-min. j0 (20 min) has 10 GPU-min when j1 (2 min) arrives at 10:
// j0 is in the lower queue and j1 preempts it; j0 resumes at 12 and ends at 22 (no overhead).
// srtf: at 10 j0 has 10 min left, j1 2: j1 preempts too.
TEST(ReferenceScheduler, LasAndSrtfPreemptTheLongerServedJob) {
  std::vector<RefJob> jobs = {job("j0", 0, 0, 1, 20), job("j1", 0, 10, 1, 2)};
  const std::vector<std::string> want = {"0 start j0 on n0:0", "600000 preempt j0", "600000 start j1 on n0:0",
                                         "720000 end j1",      "720000 start j0 on n0:0", "1320000 end j0"};
  EXPECT_EQ(lines(reference_schedule({{{1}}}, jobs, options("las")), jobs), want);
  EXPECT_EQ(lines(reference_schedule({{{1}}}, jobs, options("srtf")), jobs), want);
  // fifo does not preempt for the same priority: j1 waits for j0.
  EXPECT_EQ(lines(reference_schedule({{{1}}}, jobs, options("fifo")), jobs),
            (std::vector<std::string>{"0 start j0 on n0:0", "1200000 end j0", "1200000 start j1 on n0:0",
                                      "1320000 end j1"}));
}

// Topology best fit on nodes n0, n1, n2 of 4, 2 and 4 GPUs: a 2-GPU job takes n1 (the fewest
// free GPUs that hold it); a 3-GPU job the first of the two 4-GPU nodes, n0; a 5-GPU job, more
// than a node, takes the fullest node whole (n2) and the last GPU on the node left with the
// fewest free that holds it: n0 (1 free).
TEST(ReferenceScheduler, TopologyPlacementIsBestFit) {
  std::vector<RefJob> jobs = {job("a", 0, 0, 2, 10), job("b", 0, 0, 3, 10), job("c", 0, 0, 5, 10)};
  EXPECT_EQ(lines(reference_schedule({{{4, 2, 4}}}, jobs, options("fifo")), jobs),
            (std::vector<std::string>{"0 start a on n1:0,1", "0 start b on n0:0,1,2", "0 start c on n0:3 n2:0,1,2,3",
                                      "600000 end a", "600000 end b", "600000 end c"}));
}

// A time limit shorter than the work: the job ends as a timeout at its limit.
TEST(ReferenceScheduler, LimitEndsAJobAsATimeout) {
  std::vector<RefJob> jobs = {job("a", 0, 0, 1, 10)};
  jobs[0].limit = 4 * kMinute;
  EXPECT_EQ(lines(reference_schedule({{{1}}}, jobs, options("fifo")), jobs),
            (std::vector<std::string>{"0 start a on n0:0", "240000 timeout a"}));
}

}  // namespace
}  // namespace hexa::ref
