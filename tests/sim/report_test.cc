#include <gtest/gtest.h>

#include "sim/report.h"

namespace hexa {
namespace {

JobRecord finished(const std::string& tenant, TimeMs submit, TimeMs start, TimeMs end, int gpus) {
  JobRecord j;
  j.id = "j";
  j.tenant = tenant;
  j.gpus = gpus;
  j.submit = submit;
  j.first_start = start;
  j.end = end;
  j.run_ms = end - start;
  j.useful_ms = j.run_ms;
  j.state = "finished";
  return j;
}

TEST(ReportTest, NearestRankPercentilesAndUtilisation) {
  SimResult r;
  for (int i = 1; i <= 100; ++i) r.jobs.push_back(finished(i % 2 ? "a" : "b", 0, 0, i * kSecond, 1));
  r.total_gpus = 100;
  r.first_submit = 0;
  r.last_end = 100 * kSecond;
  r.timeline_step = 50 * kSecond;
  r.busy_per_step = {50 * 50 * kSecond, 0};
  Metrics m = compute_metrics(r);
  EXPECT_DOUBLE_EQ(m.jct.p50, 50);
  EXPECT_DOUBLE_EQ(m.jct.p95, 95);
  EXPECT_DOUBLE_EQ(m.jct.p99, 99);
  EXPECT_DOUBLE_EQ(m.jct.avg, 50.5);
  EXPECT_DOUBLE_EQ(m.utilization, 5050.0 / 10000.0);
  ASSERT_EQ(m.tenants.size(), 2u);
  EXPECT_EQ(m.tenants[0].name, "a");
  EXPECT_EQ(m.tenants[0].jobs, 50);
  EXPECT_EQ(m.utilization_timeline, (std::vector<double>{0.5, 0.0}));
}

TEST(ReportTest, JsonLeavesWallTimeOutWhenAsked) {
  SimResult r;
  r.jobs.push_back(finished("a", 0, kSecond, 3 * kSecond, 2));
  r.total_gpus = 2;
  r.last_end = 3 * kSecond;
  r.timeline_step = kMinute;
  r.busy_per_step = {4 * kSecond};
  Metrics m = compute_metrics(r);
  EXPECT_FALSE(report_json(r, m, -1).contains("wall_s"));
  auto j = report_json(r, m, 1.5);
  EXPECT_EQ(j["wall_s"], 1.5);
  EXPECT_EQ(j["avg_queue_s"], 1.0);
  EXPECT_EQ(j["avg_jct_s"], 3.0);
}

}  // namespace
}  // namespace hexa
