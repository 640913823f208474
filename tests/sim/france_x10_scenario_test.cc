// The ten-times France scenario (issue 16, "Scale") loads and validates, and is ten times the
// France cloud: 250,000 H100s on the operator's three sites, 25,000 start-ups with a grant
// each that has work, thirty workshops. Its week is shortened to a day here: running it is a benchmark's job
// (docs/PERFORMANCE.md, "Ten times France").
#include <gtest/gtest.h>

#include "sim/scenario.h"
#include "sim/scenario_override.h"

namespace hexa {
namespace {

TEST(FranceX10ScenarioTest, TenTimesTheCloudLoadsAndValidates) {
  std::vector<Override> shorter;
  for (const char* o : {"workload.startups.days=1", "learners.days=1"}) {
    auto parsed = parse_override("--set", o);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    shorter.push_back(*parsed);
  }
  auto sc = load_scenario(std::string(HEXA_SOURCE_DIR) + "/scenarios/france-x10.yaml", std::nullopt, shorter);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  const Topology& topo = *sc->topology;
  ASSERT_EQ(topo.sites().size(), 4u);
  EXPECT_EQ(topo.provider_sites("hexagone"), bit(0) | bit(1) | bit(2));
  long gpus = 0, operator_gpus = 0;
  for (const auto& n : topo.nodes()) {
    gpus += n.gpus;
    operator_gpus += topo.site(n.site).name != "aws-paris" ? n.gpus : 0;
  }
  EXPECT_EQ(operator_gpus, 250'000);
  EXPECT_EQ(gpus, 250'000 + 20'480);
  bool mulhouse_later = false;
  for (const Downtime& d : topo.downtimes()) mulhouse_later |= d.name == "mulhouse-offline" && d.to == 3 * kDay;
  EXPECT_TRUE(mulhouse_later) << "Mulhouse opens on day 3 of the week";
  long sessions = 0, startup_jobs = 0;
  for (const TraceJob& j : sc->trace.jobs) {
    sessions += j.start_target > 0 && !j.slice.empty();
    startup_jobs += j.tenant.starts_with("startup-");
  }
  EXPECT_GT(sessions, 10'000) << "a day of ten times the learners";
  EXPECT_GT(startup_jobs, 50'000) << "a day of 25,000 start-ups";
  long workshops = 0, startup_grants = 0;
  for (const Command& c : sc->options.setup) {
    if (const auto* r = std::get_if<AddReservation>(&c)) workshops += r->tenant.starts_with("startup-");
    if (const auto* g = std::get_if<AddGrant>(&c)) startup_grants += g->grant.tenant.starts_with("startup-");
  }
  EXPECT_EQ(workshops, 30) << "ten times the month's demo days and hackathons";
  EXPECT_GT(startup_grants, 10'000) << "a grant per start-up with work in the day (its plan sizes it)";
}

}  // namespace
}  // namespace hexa
