// Power and carbon now, per site and in all (the console's overview), against figures by hand.
#include "server/site_power.h"

#include <gtest/gtest.h>

namespace hexa {
namespace {

// paris: one node of 4 H100 (700 W), PUE 1.5, grid 100 + h gCO2e/kWh at hour h (UTC);
// lyon: one node of 2 A100 with no watts configured.
Topology two_sites() {
  Topology t;
  const SiteId paris = *t.add_site("paris"), lyon = *t.add_site("lyon");
  (void)t.add_node(*t.add_block(paris, "pb", "H100"), "p0", 4);
  (void)t.add_node(*t.add_block(lyon, "lb", "A100"), "l0", 2);
  SiteProfile p;
  p.pue_milli = 1500;
  for (int h = 0; h < 24; ++h) p.carbon[static_cast<std::size_t>(h)] = 100 + h;
  EXPECT_TRUE(t.set_profile(paris, p).ok());
  EXPECT_TRUE(t.set_type_watts("H100", 700).ok());
  return t;
}

std::unique_ptr<Core> running_four_gpus(const Topology& topo) {
  auto core = std::move(Core::make(topo, SchedulerOptions{})).value();
  EXPECT_TRUE(core->apply(AddTenant::root("acme", 1), 0).ok());
  JobSpec s;
  s.name = "big";
  s.gpus = 4;  // only paris has 4 GPUs on a node
  EXPECT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  EXPECT_TRUE(core->apply(Schedule{}, 0).ok());
  EXPECT_EQ(core->state().running.size(), 1u);
  return core;
}

TEST(SitePower, BusyGpusTimesWattsTimesPueAndTheHoursCarbon) {
  const Topology topo = two_sites();
  auto core = running_four_gpus(topo);
  const TimeMs three_am = 20'000 * kDay + 3 * kHour + 5 * kMinute;  // 03:05 UTC
  const std::vector<SitePower> p = site_power(*core, three_am);
  ASSERT_EQ(p.size(), 2u);
  // 4 x 700 W x 1.5 = 4.2 kW; 4.2 kW x 103 g/kWh = 0.4326 kg/h.
  ASSERT_TRUE(p[0].kw);
  EXPECT_DOUBLE_EQ(*p[0].kw, 4.2);
  EXPECT_EQ(p[0].g_per_kwh, 103);
  ASSERT_TRUE(p[0].kg_per_h);
  EXPECT_DOUBLE_EQ(*p[0].kg_per_h, 0.4326);
  EXPECT_EQ(p[0].note, "");
  EXPECT_FALSE(p[1].kw);  // A100 has no watts: unknown, not zero
  EXPECT_FALSE(p[1].kg_per_h);
  EXPECT_EQ(p[1].note, "no watts configured for GPU type A100");

  const nlohmann::json site = site_power_json(p[0]);
  EXPECT_DOUBLE_EQ(site["kw"].get<double>(), 4.2);
  EXPECT_EQ(site["carbon_g_per_kwh"], 103);
  EXPECT_TRUE(site_power_json(p[1])["kw"].is_null());
  const nlohmann::json all = total_power_json(p, three_am);
  EXPECT_TRUE(all["kw"].is_null()) << all.dump();  // one site unknown: the sum would lie
  EXPECT_EQ(all["hour_utc"], 3);
  EXPECT_EQ(all["note"], "no watts configured for GPU type A100");
}

TEST(SitePower, TheTotalSumsTheSitesWhenAllAreKnown) {
  Topology topo = two_sites();
  ASSERT_TRUE(topo.set_type_watts("A100", 400).ok());
  auto core = running_four_gpus(topo);
  const TimeMs eleven_pm = 23 * kHour;
  const std::vector<SitePower> p = site_power(*core, eleven_pm);
  ASSERT_TRUE(p[1].kw);
  EXPECT_DOUBLE_EQ(*p[1].kw, 0.0);  // lyon is idle
  EXPECT_FALSE(p[1].kg_per_h);      // and has no carbon intensity configured
  EXPECT_EQ(p[1].note, "no carbon intensity configured");
  const nlohmann::json all = total_power_json(p, eleven_pm);
  EXPECT_DOUBLE_EQ(all["kw"].get<double>(), 4.2);
  EXPECT_TRUE(all["carbon_kg_per_h"].is_null());
  EXPECT_EQ(all["hour_utc"], 23);
  EXPECT_DOUBLE_EQ(*p[0].kg_per_h, 4.2 * 123 / 1000);
}

}  // namespace
}  // namespace hexa
