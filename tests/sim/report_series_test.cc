// The report's series (report_series.h): the data behind the HTML report's charts. A golden file
// pins a small scenario's whole report; hand-worked cases pin energy, carbon, queue length and
// credits burn; invariants tie the series to the totals they break down.
#include <gtest/gtest.h>

#include <numeric>

#include "golden_files.h"
#include "sim/cluster_config.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"
#include "sim/trace.h"
#include "test_files.h"

namespace hexa {
namespace {

using testing::kGolden;

// The report scenario, with its short single-GPU jobs made interactive sessions (the start-up
// generator makes batch work only): a start target of 5 minutes.
SimResult run_report_scenario() {
  auto sc = load_scenario(kGolden + "report-scenario.yaml", std::nullopt);
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  for (TraceJob& j : sc->trace.jobs)
    if (j.gpus == 1 && j.duration < 20 * kMinute) j.start_target = 5 * kMinute;
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

TEST(GoldenReportSeries, ReportScenarioJson) {
  SimResult r = run_report_scenario();
  Metrics m = compute_metrics(r);
  testing::check_golden("report-scenario.json", report_json(r, m, -1).dump(2) + "\n");
}

TEST(ReportSeries, SeriesAddUpToTotals) {
  SimResult r = run_report_scenario();
  Metrics m = compute_metrics(r);
  ASSERT_EQ(r.sites.size(), 2u);
  GpuMs all = 0;
  for (const auto& site : r.sites) {
    EXPECT_EQ(std::accumulate(site.busy_per_step.begin(), site.busy_per_step.end(), GpuMs{0}), site.busy) << site.name;
    all += site.busy;
  }
  EXPECT_EQ(std::accumulate(r.busy_per_step.begin(), r.busy_per_step.end(), GpuMs{0}), all);
  // Credits burned per step, over all classes, are what the ledger says was consumed.
  ASSERT_TRUE(r.credits_on);
  Micro burned = 0, consumed = 0;
  for (const auto& b : r.burn_per_step) burned += std::accumulate(b.per_step.begin(), b.per_step.end(), Micro{0});
  for (const auto& c : r.credits) consumed += c.consumed;
  EXPECT_GT(consumed, 0);
  EXPECT_EQ(burned, consumed);
  // Two classes of jobs, each with a CDF ending at its slowest job.
  ASSERT_EQ(m.class_figures.size(), 2u);
  EXPECT_EQ(m.class_figures[0].cls, "company");
  EXPECT_EQ(m.class_figures[1].cls, "startup");
  for (const ClassFigures& c : m.class_figures) {
    ASSERT_EQ(c.jct_cdf.size(), std::size(kCdfPercentiles));
    EXPECT_TRUE(std::is_sorted(c.jct_cdf.begin(), c.jct_cdf.end())) << c.cls;
    EXPECT_DOUBLE_EQ(c.jct_cdf.back(), round3(c.jct.max)) << c.cls;
    EXPECT_DOUBLE_EQ(c.queue_cdf.back(), round3(c.queue.max)) << c.cls;
  }
  EXPECT_GT(m.sessions.jobs, 0);
  EXPECT_EQ(m.sessions.started, m.sessions.jobs);
  EXPECT_LE(m.sessions.within_target, m.sessions.jobs);
  // The queue is empty at the end and never negative.
  EXPECT_EQ(m.queue_max.size(), r.busy_per_step.size());
  for (long q : m.queue_max) EXPECT_GE(q, 0);
  EXPECT_GT(*std::max_element(m.queue_max.begin(), m.queue_max.end()), 0);
  EXPECT_TRUE(m.energy_known);
  EXPECT_NEAR(m.energy_kwh, m.energy[0].kwh + m.energy[1].kwh, 1e-9);
}

// One site (PUE 1.25, 50 g/kWh until 01:00 then 100 g/kWh), GPUs of 800 W, two jobs:
//   a: 8 GPUs from 00:30 to 01:30; b: 8 GPUs submitted at 00:30, starts when a ends (the site
//   has 8 GPUs), runs 01:30 to 02:00.
// Busy: a 8 GPU-h, b 4 GPU-h = 12 GPU-h x 0.8 kW x 1.25 = 12 kWh. Carbon: a's first half hour
// (4 GPU-h = 4 kWh) at 50 g, the rest (8 kWh) at 100 g = 200 + 800 = 1000 g = 1 kg.
// Queue: b waits from 00:30 to 01:30, one job pending for an hour.
TEST(ReportSeries, EnergyCarbonAndQueueWorkedOutByHand) {
  std::string carbon = "[50";
  for (int h = 1; h < 24; ++h) carbon += ", 100";
  carbon += "]";
  auto topo = load_cluster(testing::write("one.yaml", "sites:\n  - name: s\n    pue: 1.25\n    carbon_g_per_kwh: " + carbon +
                                                          "\n    blocks: [{nodes: 1, gpus_per_node: 8, gpu_type: G}]\n"
                                                          "gpu_types: {G: {watts: 800}}\n"));
  ASSERT_TRUE(topo.ok()) << topo.status().message();
  auto trace = load_trace(testing::write("t.csv", "job_id,submission_time,duration,num_gpu\na,1800,3600,8\nb,1800,1800,8\n"), "itp");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  SimOptions opt;
  opt.sched.policy = "fifo";
  auto r = simulate(*topo, *trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Metrics m = compute_metrics(*r);
  ASSERT_TRUE(m.energy_known);
  EXPECT_NEAR(m.energy_kwh, 12.0, 1e-9);
  EXPECT_NEAR(m.carbon_kg, 1.0, 1e-9);
  // Steps of a minute (the run is 1.5 h long): b is pending for the first 60 of them.
  ASSERT_EQ(r->timeline_step, kMinute);
  ASSERT_EQ(r->queue_max_per_step.size(), 91u);
  for (std::size_t k = 0; k < 91; ++k) {
    EXPECT_EQ(r->queue_max_per_step[k], k < 60 ? 1 : 0) << k;
    EXPECT_EQ(r->queue_ms_per_step[k], k < 60 ? kMinute : 0) << k;
  }
  EXPECT_DOUBLE_EQ(m.queue_avg[0], 1.0);
  const auto j = report_json(*r, m, -1);
  EXPECT_DOUBLE_EQ(j["energy"]["kwh"].get<double>(), 12.0);
  EXPECT_DOUBLE_EQ(j["energy"]["sites"][0]["g_per_kwh"].get<double>(), 83.333);  // 1000 g / 12 kWh
  EXPECT_FALSE(j.contains("sessions"));
  EXPECT_FALSE(j["timeline"].contains("credits_burn"));  // money off
}

}  // namespace
}  // namespace hexa
