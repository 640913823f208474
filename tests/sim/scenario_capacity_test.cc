// The scenario's capacity over time: sites and blocks that come online later, maintenance
// windows, and workshops (advance reservations) — read, checked at load, and in the report.
#include <gtest/gtest.h>

#include "sim/report.h"
#include "sim/scenario.h"
#include "test_files.h"

namespace hexa {
namespace {

const char* kCapacity = R"(name: capacity
seed: 3
cluster:
  sites:
    - name: paris
      blocks:
        - {count: 2, nodes: 2, gpus_per_node: 8, gpu_type: H100, maintenance: [{start_day: 1.5, hours: 6}]}
    - name: mulhouse
      online_day: 1
      blocks:
        - {count: 1, nodes: 2, gpus_per_node: 8, gpu_type: H100}
scheduler: {policy: fair}
tenants:
  - {name: cohort-1, class: training}
workload:
  startups: {tenants: 4, days: 2, load: 0.5, gpu_type: H100, max_hours: 4, gang_sizes: {1: 50, 2: 20, 4: 20, 8: 10}}
workshops:
  - {name: ws-1, tenant: cohort-1, site: paris, gpu_type: H100, gpus: 16, day: 0, start_hour: 9, hours: 4}
  - {name: ws-2, tenant: cohort-1, site: mulhouse, gpu_type: H100, gpus: 8, day: 1, start_hour: 14, hours: 2}
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string load_error(const std::string& text) {
  auto sc = load_scenario(testing::write("bad.yaml", text), std::nullopt);
  return sc.ok() ? "" : sc.status().message();
}

TEST(ScenarioCapacityTest, DowntimesAndWorkshopsAreRead) {
  auto sc = load_scenario(testing::write("capacity.yaml", kCapacity), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  const auto& down = sc->topology->downtimes();
  ASSERT_EQ(down.size(), 2u);
  EXPECT_EQ(down[0].name, "paris-b0-maintenance-0");
  EXPECT_EQ(down[0].why, "maintenance of blocks paris-b0 to paris-b1");
  EXPECT_EQ(down[0].nodes.size(), 4u);
  EXPECT_EQ(down[0].from, kDay + 12 * kHour);
  EXPECT_EQ(down[0].to, kDay + 18 * kHour);
  EXPECT_EQ(down[1].name, "mulhouse-offline");
  EXPECT_EQ(down[1].why, "site mulhouse not online");
  EXPECT_EQ(down[1].to, kDay);
  int workshops = 0;
  for (const Command& c : sc->options.setup) workshops += std::holds_alternative<AddReservation>(c);
  EXPECT_EQ(workshops, 2);
}

TEST(ScenarioCapacityTest, TheRunRespectsThemAndReportsWhatWorkshopsUsed) {
  auto sc = load_scenario(testing::write("capacity.yaml", kCapacity), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  sc->trace.jobs.push_back({});  // a learner session in the first workshop
  TraceJob& s = sc->trace.jobs.back();
  s.id = "session-1", s.tenant = "cohort-1", s.submit = 9 * kHour + 30 * kMinute, s.gpus = 4, s.duration = kHour;
  std::stable_sort(sc->trace.jobs.begin(), sc->trace.jobs.end(),
                   [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const JobRecord& j : r->jobs) {
    if (j.site == "mulhouse") {
      EXPECT_GE(j.first_start, kDay) << j.id << " ran before mulhouse was online";
    }
    EXPECT_EQ(j.state, "finished") << j.id << ": " << j.reason;
  }
  ASSERT_EQ(r->reservations.size(), 2u);
  EXPECT_EQ(r->reservations[0].name, "ws-1");
  EXPECT_EQ(r->reservations[0].reserved, 16 * 4 * kHour);
  EXPECT_EQ(r->reservations[0].used, 4 * kHour) << "the session's 4 GPUs for an hour";
  EXPECT_EQ(r->reservations[1].used, 0);
  auto j = report_json(*r, compute_metrics(*r), -1);
  EXPECT_EQ(j["reservations"]["count"], 2);
  EXPECT_EQ(j["reservations"]["reserved_gpu_hours"], 80.0);
  EXPECT_EQ(j["reservations"]["used_gpu_hours"], 4.0);
  EXPECT_EQ(j["reservations"]["unused_share"], 0.95);
}

TEST(ScenarioCapacityTest, BadCapacityIsAClearError) {
  const std::string file = testing::temp_path("bad.yaml");
  EXPECT_EQ(load_error(with(kCapacity, "gpus: 8, day: 1, start_hour: 14", "gpus: 8, day: 0, start_hour: 14")),
            file + ": workshops[1]: reservation 'ws-2': needs 8 H100 at mulhouse but only 0 are not reserved then "
                   "(overlapping: mulhouse-offline)");
  EXPECT_EQ(load_error(with(kCapacity, "gpus: 8, day: 1", "gpus: 8, day: 0")).empty(), false);
  EXPECT_EQ(load_error(with(kCapacity, "name: ws-2, tenant: cohort-1, site: mulhouse",
                            "name: ws-2, tenant: cohort-1, site: paris")),
            file + ": workshops[1]: reservation 'ws-2': needs 8 H100 at paris but only 0 are not reserved then "
                   "(overlapping: paris-b0-maintenance-0)")
      << "paris is under maintenance then";
  EXPECT_EQ(load_error(with(kCapacity, "tenant: cohort-1, site: paris", "tenant: nobody, site: paris")),
            file + ": workshops[0]: reservation 'ws-1'.tenant: unknown tenant 'nobody'");
  EXPECT_EQ(load_error(with(kCapacity, "online_day: 1", "online_day: -1")),
            file + ": cluster: sites[1].online_day: must be a number of days between 0 and 36500, got '-1'");
  EXPECT_EQ(load_error(with(kCapacity, "[{start_day: 1.5, hours: 6}]", "[{start_day: 1.5, hour: 6}]")),
            file + ": cluster: sites[0].blocks[0].maintenance[0]: unknown key 'hour'; expected one of: start_day, hours");
  EXPECT_EQ(load_error(with(kCapacity, "gpus: 16, day: 0", "gpus: 16, day: x")),
            file + ": workshops[0].day (line 18): must be a number between 0 and 36500, got 'x'");
}

// A workshop of slices on a sliced block: read, booked as the sliced GPUs the slices fill.
TEST(ScenarioCapacityTest, WorkshopsOfSlices) {
  std::string text = with(kCapacity, "        - {count: 1, nodes: 2, gpus_per_node: 8, gpu_type: H100}\n",
                          "        - {count: 1, nodes: 2, gpus_per_node: 8, gpu_type: H100}\n"
                          "        - {count: 1, nodes: 1, gpus_per_node: 4, gpu_type: H100, slices: mig}\n");
  text = with(text, "gpu_type: H100, gpus: 8, day: 1", "gpu_type: H100, slice: 2g.20gb, slices: 9, day: 1");
  auto sc = load_scenario(testing::write("capacity.yaml", text), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  const auto* ws = std::get_if<AddReservation>(&sc->options.setup.back());
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(ws->slice, "2g.20gb");
  EXPECT_EQ(ws->slices, 9);
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->reservations.size(), 2u);
  EXPECT_EQ(r->reservations[1].gpus, 3) << "9 slices of 2g.20gb, 3 per GPU";
  EXPECT_EQ(r->reservations[1].reserved, 3 * 2 * kHour);

  const std::string file = testing::temp_path("bad.yaml");
  EXPECT_EQ(load_error(with(text, "slices: 9", "slices: 13")),
            file + ": workshops[1]: reservation 'ws-2': needs 5 sliced H100 at mulhouse (for 13 slices of 2g.20gb, 3 "
                   "per GPU) but only 4 are not reserved then");
  EXPECT_EQ(load_error(with(text, "slice: 2g.20gb, slices: 9", "slice: 5g.50gb, slices: 9")),
            file + ": workshops[1]: reservation 'ws-2'.slice: unknown profile '5g.50gb'; known: 1g.10gb, 1g.20gb, "
                   "2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb");
  EXPECT_EQ(load_error(with(text, "slice: 2g.20gb, slices: 9", "gpus: 2, slice: 2g.20gb, slices: 9")),
            file + ": workshops[1]: give either gpus (whole GPUs) or slice and slices (slices of a profile)");
  EXPECT_EQ(load_error(with(text, "slice: 2g.20gb, slices: 9", "slice: 2g.20gb")),
            file + ": workshops[1].slices: required with slice");
}

}  // namespace
}  // namespace hexa
