#include <gtest/gtest.h>

#include "sim/workload.h"

namespace hexa {
namespace {

StartupWorkload small() {
  StartupWorkload w;
  w.tenants = 50;
  w.span = 2 * kDay;
  w.cluster_gpus = 512;
  w.gpu_type = "H100";
  w.seed = 9;
  return w;
}

TEST(WorkloadTest, OffersTheTargetLoad) {
  StartupWorkload w = small();
  Trace t = generate_startups(w);
  double offered = 0;
  for (const TraceJob& j : t.jobs) offered += static_cast<double>(j.gpus) * static_cast<double>(j.duration);
  double target = w.load * static_cast<double>(w.cluster_gpus * w.span);
  EXPECT_GE(offered, target);
  EXPECT_LT(offered, target * 1.2) << "stops soon after the target";
}

TEST(WorkloadTest, JobsAreWellFormedAndSorted) {
  Trace t = generate_startups(small());
  ASSERT_GT(t.jobs.size(), 10u);
  for (std::size_t i = 0; i < t.jobs.size(); ++i) {
    const TraceJob& j = t.jobs[i];
    EXPECT_GE(j.submit, 0);
    EXPECT_LT(j.submit, 2 * kDay);
    if (i > 0) {
      EXPECT_LE(t.jobs[i - 1].submit, j.submit);
    }
    EXPECT_GE(j.duration, 2 * kMinute - kSecond);
    EXPECT_LE(j.duration, 120 * kHour);
    EXPECT_GE(j.time_limit, j.duration) << "users ask for at least what they need";
    EXPECT_EQ(j.time_limit % (15 * kMinute), 0);
    EXPECT_EQ(j.gpu_types, std::vector<std::string>{"H100"});
  }
}

TEST(WorkloadTest, SameSeedSameJobsOtherSeedOtherJobs) {
  auto key = [](const Trace& t) {
    std::string s;
    for (const TraceJob& j : t.jobs) s += j.tenant + std::to_string(j.submit) + std::to_string(j.gpus) + ";";
    return s;
  };
  StartupWorkload w = small();
  std::string a = key(generate_startups(w));
  EXPECT_EQ(a, key(generate_startups(w)));
  w.seed = 10;
  EXPECT_NE(a, key(generate_startups(w)));
}

TEST(WorkloadTest, BadFieldsAreNamed) {
  StartupWorkload w = small();
  w.load = 0;
  EXPECT_EQ(check_workload(w).message(), "load: must be in (0, 10]");
  w = small();
  w.gang_weights = {{0, 1.0}};
  EXPECT_EQ(check_workload(w).message(), "gang_sizes: sizes must be >= 1 and weights > 0");
}

}  // namespace
}  // namespace hexa
