// What a snapshot of a big core costs: 100,000 jobs (10,000 running, 50,000 waiting, 40,000
// ended and retired) on 1,250 nodes x 8 GPUs, without credits and with them (a hold for each
// running job). Prints the figures; asserts nothing about time.
#include <gtest/gtest.h>

#include <chrono>

#include "core/core.h"
#include "model/archive.h"
#include "test_util.h"

namespace hexa {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void measure(bool credits) {
  const Topology topo = testing::cluster(50, 25, 8);  // 1,250 nodes, 10,000 GPUs
  SchedulerOptions opt;
  opt.policy = "backfill";
  CoreOptions co;
  co.retire_ended = true;
  auto core = std::move(Core::make(topo, opt, co)).value();
  for (int t = 0; t < 20; ++t) ASSERT_TRUE(core->apply(AddTenant::root("t" + std::to_string(t)), 0).ok());
  if (credits) {
    ASSERT_TRUE(core->apply(SetPrice{"gpu", "s0", 0, Price{10'000'000, 0}}, 0).ok());
    for (int t = 0; t < 20; ++t) {
      AddGrant g;
      g.grant = {"g" + std::to_string(t), "t" + std::to_string(t), "studio", 1'000'000'000'000, 0, 365 * kDay};
      ASSERT_TRUE(core->apply(g, 0).ok());
    }
  }
  auto submit = [&](int i, TimeMs now) {
    JobSpec s;
    s.name = "job-" + std::to_string(i);
    s.tenant = static_cast<TenantId>(i % 20);
    s.time_limit = (1 + i % 48) * kHour;
    auto fx = core->apply(SubmitJob{s}, now);
    EXPECT_TRUE(fx.ok());
    return std::get<JobAccepted>(fx->list.front()).job;
  };
  const auto t0 = std::chrono::steady_clock::now();
  int n = 0;
  for (; n < 40000; ++n) ASSERT_TRUE(core->apply(CancelJob{submit(n, 0)}, 0).ok());
  for (; n < 50000; ++n) submit(n, 1);
  ASSERT_TRUE(core->apply(Schedule{}, 1).ok());  // the 40,000 leave memory, 10,000 start
  for (; n < 100000; ++n) submit(n, 2);
  ASSERT_TRUE(core->apply(Schedule{}, 2).ok());
  ASSERT_EQ(core->state().jobs.size(), 100000u);
  ASSERT_EQ(core->state().running.size(), 10000u);
  ASSERT_EQ(core->state().jobs.live(), 60000u);
  const double build_ms = ms_since(t0);

  auto t1 = std::chrono::steady_clock::now();
  const std::string bytes = core->snapshot();
  const double snapshot_ms = ms_since(t1);
  t1 = std::chrono::steady_clock::now();
  auto back = Core::restore(topo, opt, co, bytes);
  const double restore_ms = ms_since(t1);
  ASSERT_TRUE(back.ok()) << back.status().message();
  t1 = std::chrono::steady_clock::now();
  const std::uint64_t digest = core->digest();
  const double digest_ms = ms_since(t1);
  EXPECT_EQ((*back)->digest(), digest);
  EXPECT_EQ(hash64(std::string_view(bytes).substr(0, bytes.size() - 8)), digest) << "hashed in chunks or at once";
  EXPECT_EQ((*back)->snapshot(), bytes);
  std::printf("[ figures  ] credits %s: built in %.0f ms; snapshot %.1f ms, %zu bytes (%.1f per live job); restore %.1f ms; "
              "digest %.1f ms\n",
              credits ? "on" : "off", build_ms, snapshot_ms, bytes.size(), static_cast<double>(bytes.size()) / 60000.0, restore_ms, digest_ms);
}

TEST(SnapshotMeasure, HundredThousandJobs) {
  measure(false);
  measure(true);
}

}  // namespace
}  // namespace hexa
