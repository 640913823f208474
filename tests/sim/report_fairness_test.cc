// Finish-time fairness achieved (sim/report_fairness.h), on records worked out by hand.
#include <gtest/gtest.h>

#include "sim/report.h"

namespace hexa {
namespace {

JobRecord rec(const std::string& tenant, long submit_s, long end_s, long duration_s, int gpus,
              const std::string& state = "finished") {
  JobRecord j;
  j.id = tenant;
  j.tenant = tenant;
  j.gpus = gpus;
  j.submit = submit_s * kSecond;
  j.end = end_s < 0 ? -1 : end_s * kSecond;
  j.first_start = j.end < 0 ? -1 : j.end - duration_s * kSecond;
  j.duration = duration_s * kSecond;
  j.state = state;
  return j;
}

TEST(FairnessReportTest, RhoCountsTheTenantsInTheSystemAtSubmit) {
  // 8 GPUs. x: 0-100 alone (N 1): rho 1. y arrives at 100 as x ends (x does not count): N 1,
  // 50 s of work done by 150: rho 1. z arrives at 120 while y is there: N 2, share 4 GPUs, so
  // its 8-GPU, 60 s run takes 120 s alone on its share; it ends at 300: rho 180 / 120 = 1.5.
  // r (rejected at 110) and u (never ended) are not measured; r never contends, u does from 200
  // on (nobody arrives after it).
  SimResult r;
  r.total_gpus = 8;
  r.jobs = {rec("x", 0, 100, 100, 8), rec("y", 100, 150, 50, 8), rec("r", 110, 110, 10, 16, "rejected"),
            rec("z", 120, 300, 60, 8), rec("u", 200, -1, 10, 1, "pending")};
  EXPECT_EQ(finish_time_rho(r), (std::vector<double>{1, 1, -1, 1.5, -1}));
  Metrics m = compute_metrics(r);
  EXPECT_EQ(m.rho.jobs, 3);
  EXPECT_DOUBLE_EQ(m.rho.p50, 1);
  EXPECT_DOUBLE_EQ(m.rho.max, 1.5);
  EXPECT_EQ(m.rho_worst, "z");
  auto j = report_json(r, m, -1);
  EXPECT_EQ(j["fairness"]["rho"]["max"], 1.5);
  EXPECT_EQ(j["fairness"]["worst_tenant"], "z");
  EXPECT_NE(report_text(r, m, 0).find("fairness    rho (completion / alone on a fair share) median 1.00, p90 "
                                      "1.50, max 1.50; worst tenant z (max 1.50)"),
            std::string::npos);
}

TEST(FairnessReportTest, NearestRankOverTheMeasuredJobsOnly) {
  RhoFigures f = rho_figures({-1, 3, 1, 2, -1, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(f.jobs, 10);
  EXPECT_DOUBLE_EQ(f.p50, 5);   // rank 5 of 10
  EXPECT_DOUBLE_EQ(f.p90, 9);   // rank 9
  EXPECT_DOUBLE_EQ(f.max, 10);
  EXPECT_EQ(rho_figures({}).jobs, 0);
}

}  // namespace
}  // namespace hexa
