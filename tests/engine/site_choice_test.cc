// The site choice: among sites that can start a job now, earliest takes the best fit anywhere,
// cheapest the lowest price (with money on, the ledger's rate for the job; else the price
// factor), greenest the least gCO2e per GPU-hour at this hour (grid
// intensity x PUE x the GPU type's power).
#include <gtest/gtest.h>

#include "core/core.h"
#include "test_util.h"

namespace hexa {
namespace {

// Two sites of one 8-GPU node: s0 dear and green at night, s1 cheap and green by day.
Topology two_sites() {
  Topology t = testing::cluster(1, 1, 8, 2);
  SiteProfile s0, s1;
  s0.provider = "alpha";
  s0.price_factor_bps = 12000;
  s0.pue_milli = 1100;
  s1.provider = "beta";
  s1.price_factor_bps = 8000;
  s1.pue_milli = 1300;
  for (int h = 0; h < 24; ++h) {
    s0.carbon[h] = 50;
    s1.carbon[h] = h >= 8 && h < 20 ? 20 : 200;
  }
  EXPECT_TRUE(t.set_profile(0, s0).ok());
  EXPECT_TRUE(t.set_profile(1, s1).ok());
  EXPECT_TRUE(t.set_type_watts("gpu", 700).ok());
  return t;
}

// Where a 4-GPU job submitted at `now` starts.
std::string site_of_job(const Topology& topo, const std::string& choice, TimeMs now) {
  SchedulerOptions opt;
  opt.site_choice = choice;
  auto core = std::move(Core::make(topo, opt)).value();
  EXPECT_TRUE(core->apply(AddTenant::root("t"), now).ok());
  JobSpec s;
  s.name = "j";
  s.gpus = 4;
  EXPECT_TRUE(core->apply(SubmitJob{s}, now).ok());
  EXPECT_TRUE(core->apply(Schedule{}, now).ok());
  const Job& j = core->job(0);
  EXPECT_EQ(j.phase, JobPhase::kRunning);
  return j.alloc.empty() ? "" : topo.site(topo.node(j.alloc.front().node).site).name;
}

TEST(SiteChoiceTest, EarliestTakesTheBestFitInTopologyOrder) {
  Topology topo = two_sites();
  EXPECT_EQ(site_of_job(topo, "earliest", 0), "s0");
}

TEST(SiteChoiceTest, CheapestTakesTheLowestPriceFactor) {
  Topology topo = two_sites();
  EXPECT_EQ(site_of_job(topo, "cheapest", 0), "s1");
}

TEST(SiteChoiceTest, GreenestFollowsTheHourOfTheDay) {
  Topology topo = two_sites();
  // 03:00: s0 50 x 1.1 = 55 against s1 200 x 1.3 = 260; 12:00: s1 20 x 1.3 = 26 against 55.
  EXPECT_EQ(site_of_job(topo, "greenest", 3 * kHour), "s0");
  EXPECT_EQ(site_of_job(topo, "greenest", 12 * kHour), "s1");
  EXPECT_EQ(site_of_job(topo, "greenest", kDay + 3 * kHour), "s0") << "every day";
}

TEST(SiteChoiceTest, AFullPreferredSiteDoesNotHoldTheJobBack) {
  Topology topo = two_sites();
  SchedulerOptions opt;
  opt.site_choice = "cheapest";
  auto core = std::move(Core::make(topo, opt)).value();
  ASSERT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  for (const char* name : {"a", "b"}) {
    JobSpec s;
    s.name = name;
    s.gpus = 8;
    ASSERT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  }
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  EXPECT_EQ(topo.node(core->job(0).alloc.front().node).site, 1u) << "the cheap site first";
  EXPECT_EQ(topo.node(core->job(1).alloc.front().node).site, 0u) << "then the other one, now";
}

// With money on, `cheapest` ranks by what the tenant would be charged, not the price factor:
// the ledger's rate by GPU type x site x priority, less the preemptible discount. Here the
// price factors say s1 (0.8 against 1.2); the ledger says:
//   priority 0: s0 10 credits/GPU-h, 50% off for preemptible (5); s1 8, no discount
//   priority 1: s0 6, s1 9
// so a preemptible priority-0 job pays 5 at s0 against 8 at s1, a non-preemptible one 10
// against 8, and a priority-1 job 6 against 9.
std::string site_charged(bool preemptible, int priority) {
  Topology topo = two_sites();
  SchedulerOptions opt;
  opt.site_choice = "cheapest";
  auto core = std::move(Core::make(topo, opt)).value();
  EXPECT_TRUE(core->apply(AddTenant::root("t"), 0).ok());
  auto set = [&](const char* site, int prio, Micro credits, int discount_bps) {
    EXPECT_TRUE(core->apply(SetPrice{"gpu", site, prio, Price{credits * 1'000'000, discount_bps}}, 0).ok());
  };
  set("s0", 0, 10, 5000);
  set("s1", 0, 8, 0);
  set("s0", 1, 6, 0);
  set("s1", 1, 9, 0);
  AddGrant g;
  g.grant = {"g", "t", "studio", Micro{1000} * 1'000'000, 0, 365 * kDay};
  EXPECT_TRUE(core->apply(g, 0).ok());
  JobSpec s;
  s.name = "j";
  s.gpus = 4;
  s.time_limit = kHour;
  s.preemptible = preemptible;
  s.priority = priority;
  EXPECT_TRUE(core->apply(SubmitJob{s}, 0).ok());
  EXPECT_TRUE(core->apply(Schedule{}, 0).ok());
  const Job& j = core->job(0);
  EXPECT_EQ(j.phase, JobPhase::kRunning) << core->explain(0);
  return j.alloc.empty() ? "" : topo.site(topo.node(j.alloc.front().node).site).name;
}

TEST(SiteChoiceTest, CheapestWithMoneyOnRanksByTheLedgersPriceForTheJob) {
  EXPECT_EQ(site_charged(/*preemptible=*/true, 0), "s0") << "5 credits/GPU-h after the discount, against 8";
  EXPECT_EQ(site_charged(/*preemptible=*/false, 0), "s1") << "10 against 8";
  EXPECT_EQ(site_charged(/*preemptible=*/false, 1), "s0") << "priority 1: 6 against 9, whatever the price factors";
  EXPECT_EQ(site_charged(/*preemptible=*/true, 1), "s0");
}

TEST(SiteChoiceTest, UnknownChoiceIsRefused) {
  SchedulerOptions opt;
  opt.site_choice = "nearest";
  auto sched = Scheduler::make(opt);
  ASSERT_FALSE(sched.ok());
  EXPECT_EQ(sched.status().message(), "site_choice: unknown 'nearest'; expected earliest, cheapest or greenest");
}

TEST(SiteProfileTest, BadProfilesAreRefusedAndChangeNothing) {
  Topology topo = testing::cluster(1, 1, 8);
  SiteProfile p;
  p.pue_milli = 900;
  EXPECT_EQ(topo.set_profile(0, p).message(), "pue: must be between 1.0 and 5.0");
  p.pue_milli = 1200;
  p.carbon[5] = -1;
  EXPECT_EQ(topo.set_profile(0, p).message(), "carbon_g_per_kwh: must be between 0 and 5000");
  SiteProfile unchanged;
  unchanged.region = "s0";
  EXPECT_EQ(topo.site(0).profile, unchanged);
  EXPECT_EQ(topo.set_type_watts("B200", 1000).message(), "gpu_types: no block has GPU type 'B200'");
}

}  // namespace
}  // namespace hexa
