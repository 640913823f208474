// The shipped France scenario loads and holds what issue 4 asks of it: three sites of one
// provider (Mulhouse opening later), a second provider's Paris region for overflow, start-ups
// with grants, the learner programmes and workshops. (Running it is the Quick start's job.)
#include <gtest/gtest.h>

#include "sim/scenario.h"

namespace hexa {
namespace {

TEST(FranceScenarioTest, HoldsTheWholeCloud) {
  auto sc = load_scenario(std::string(HEXA_SOURCE_DIR) + "/scenarios/france-2025.yaml", std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  const Topology& topo = *sc->topology;
  ASSERT_EQ(topo.sites().size(), 4u);
  EXPECT_EQ(topo.provider_sites("hexagone"), bit(0) | bit(1) | bit(2));
  EXPECT_EQ(topo.provider_sites("aws"), bit(3));
  bool mulhouse_later = false;
  for (const Downtime& d : topo.downtimes()) mulhouse_later |= d.name == "mulhouse-offline" && d.to > 0;
  EXPECT_TRUE(mulhouse_later);
  long sessions = 0, startup_jobs = 0, preferring = 0;
  for (const TraceJob& j : sc->trace.jobs) {
    sessions += j.start_target > 0 && !j.slice.empty();
    startup_jobs += j.tenant.starts_with("startup-");
    preferring += !j.prefer.empty();
  }
  EXPECT_GT(sessions, 100'000) << "the learners' sessions, on slices";
  EXPECT_GT(startup_jobs, 200'000);
  EXPECT_EQ(preferring, startup_jobs) << "start-ups prefer the programme's own sites";
  long workshops = 0, cohort_workshops = 0, grants = 0;
  for (const Command& c : sc->options.setup) {
    if (const auto* r = std::get_if<AddReservation>(&c)) {
      ++workshops;
      cohort_workshops += r->tenant.starts_with("ecoles-ia-simplon-c") && r->slice == "3g.40gb" && r->slices == 24;
    }
    grants += std::holds_alternative<AddGrant>(c);
  }
  EXPECT_EQ(workshops - cohort_workshops, 3) << "two demo days and a hackathon";
  EXPECT_GT(cohort_workshops, 10) << "every cohort starting in the month books its lab afternoon on slices";
  EXPECT_GT(grants, 2'500) << "a grant per start-up and per learner";
}

}  // namespace
}  // namespace hexa
