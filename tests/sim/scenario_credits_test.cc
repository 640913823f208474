// The scenario's money and failures: prices, grants (explicit and tiered start-up grants),
// budgets, refund policy, tenant classes and node failures are read, checked at load by a
// scratch core (every error names the file and the entry, and nothing runs), and reach the
// report.
#include <gtest/gtest.h>

#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/param_name.h"
#include "test_files.h"

namespace hexa {
namespace {

const char* kMoney = R"(name: money
seed: 5
cluster: 4x8
scheduler: {policy: fair, restart_overhead_s: 60}
tenants:
  - {name: acme, class: company}
  - {name: acme-ml, parent: acme}
workload:
  startups: {tenants: 6, days: 2, load: 0.6, gpu_type: gpu, max_hours: 6}
credits:
  prices:
    - {gpu_type: gpu, credits_per_gpu_hour: 2.0, preemptible_discount_pct: 25}
  grants:
    - {tenant: acme, programme: sales, credits: 500, start_day: 0, expiry_day: 30}
  startup_grants: {tiers_credits: [10, 50, 200, 1000], coverage_median: 1.0, coverage_sigma: 0.5}
  refunds: {preemption_pct: 100, failure_pct: 50}
  budgets:
    - {tenant: startup-0001, period_days: 1, credits: 20, alerts_pct: [50, 100]}
    - {tenant: startup-0002, period_days: 1, gpu_hours: 10, hard: true}
failures: {node_mtbf_days: 1, checkpoint_minutes: 10}
)";

template <class C>
std::vector<C> commands(const SimOptions& opt) {
  std::vector<C> out;
  for (const Command& c : opt.setup)
    if (auto* x = std::get_if<C>(&c)) out.push_back(*x);
  return out;
}

TEST(ScenarioCreditsTest, MoneyAndFailuresAreRead) {
  auto sc = load_scenario(testing::write("money.yaml", kMoney), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  const SimOptions& opt = sc->options;
  ASSERT_EQ(commands<SetPrice>(opt).size(), 1u);
  EXPECT_EQ(commands<SetPrice>(opt)[0].price.per_gpu_hour, 2'000'000);
  EXPECT_EQ(commands<SetPrice>(opt)[0].price.preemptible_discount_bps, 2500);
  auto grants = commands<AddGrant>(opt);
  ASSERT_EQ(grants.size(), 7u) << "acme's grant and one per start-up";
  for (std::size_t i = 1; i < grants.size(); ++i) {
    Micro a = grants[i].grant.amount;
    EXPECT_TRUE(a == 10'000'000 || a == 50'000'000 || a == 200'000'000 || a == 1'000'000'000)
        << "a tier: " << a;
  }
  ASSERT_EQ(commands<SetRefundPolicy>(opt).size(), 1u);
  EXPECT_EQ(commands<SetRefundPolicy>(opt)[0].policy.failure_pct, 50);
  auto budgets = commands<SetBudget>(opt);
  ASSERT_EQ(budgets.size(), 2u);
  EXPECT_EQ(budgets[0].budget->alert_bps, (std::vector<int>{5000, 10000}));
  EXPECT_EQ(budgets[1].budget->gpu_ms, 10 * kHour);
  EXPECT_TRUE(budgets[1].budget->hard);
  EXPECT_EQ(opt.classes.at("acme"), "company");
  EXPECT_EQ(opt.classes.at("startup-0003"), "startup");
  EXPECT_EQ(opt.checkpoint_every, 10 * kMinute);
  EXPECT_FALSE(opt.failures.empty()) << "4 nodes failing once a day over two days";

  auto r = simulate(*sc->topology, sc->trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Metrics m = compute_metrics(*r);
  auto j = report_json(*r, m, -1);
  ASSERT_TRUE(j.contains("failures"));
  EXPECT_GT(j["failures"]["nodes_failed"], 0);  // a failure of a node still down is not counted
  EXPECT_LE(j["failures"]["nodes_failed"], static_cast<long>(opt.failures.size()));
  bool startup_class = false;
  for (const auto& c : j["credits"]["classes"]) startup_class |= c["class"] == "startup" && c["tenants"] == 6;
  EXPECT_TRUE(startup_class) << j["credits"]["classes"].dump();
  EXPECT_FALSE(j["credits"]["budget_alerts"].empty()) << "startup-0001 spends beyond half of 20 credits a day";
}

// Each bad edit of the scenario fails the load with a message naming the entry and the rule.
struct Bad {
  const char* from;
  const char* to;
  const char* message;
};

class ScenarioCreditsBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ScenarioCreditsBad, FailsNamingTheEntry) {
  std::string text = kMoney;
  const Bad& b = GetParam();
  ASSERT_NE(text.find(b.from), std::string::npos) << b.from;
  text.replace(text.find(b.from), std::string(b.from).size(), b.to);
  auto sc = load_scenario(testing::write("bad-money.yaml", text), std::nullopt);
  ASSERT_FALSE(sc.ok()) << "accepted: " << b.to;
  EXPECT_NE(sc.status().message().find(b.message), std::string::npos) << sc.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Entries, ScenarioCreditsBad,
    ::testing::Values(
        Bad{"credits: 500", "credits: -5", "credits.grants[0].credits (line 14): must be a number between"},
        Bad{"credits: 500", "credits: 1e30", "credits.grants[0].credits (line 14): must be a number between"},
        Bad{"tenant: acme, programme", "tenant: nobody, programme", "credits.grants[0]: grant 'scenario-grant-0': unknown tenant 'nobody'"},
        Bad{"start_day: 0, expiry_day: 30", "start_day: 10, expiry_day: 5", "credits.grants[0]: grant"},
        Bad{"{gpu_type: gpu, credits_per_gpu_hour: 2.0,", "{gpu_type: gpu, priorities: [1], credits_per_gpu_hour: 2.0,",
            "credits.prices: no price for GPU type 'gpu' at priority 0"},
        Bad{"{gpu_type: gpu, credits_per_gpu_hour", "{gpu_type: A100, credits_per_gpu_hour",
            "credits.prices[0]: price.gpu_type: no site offers GPU type 'A100'"},
        Bad{"credits_per_gpu_hour: 2.0", "credits_per_gpu_hour: 0", "credits.prices[0].credits_per_gpu_hour"},
        Bad{"[10, 50, 200, 1000]", "[10, 50, 50, 1000]", "tiers_credits: must be increasing"},
        Bad{"{tiers_credits:", "{median_credits: 10, tiers_credits:", "give exactly one of median_credits"},
        Bad{"failure_pct: 50", "failure_pct: 150", "credits.refunds.failure_pct (line 16): must be an integer between 0 and 100"},
        Bad{"alerts_pct: [50, 100]", "alerts_pct: [100, 50]", "credits.budgets[0]: budget alert_bps must be strictly"},
        Bad{"{tenant: startup-0001, period_days", "{tenant: startup-9999, period_days",
            "credits.budgets[0]: budget: unknown tenant 'startup-9999'"},
        Bad{"gpu_hours: 10,", "", "credits.budgets[1]: budget must set a credits or gpu_ms limit"},
        Bad{"node_mtbf_days: 1,", "", "failures.node_mtbf_days: required"},
        Bad{"checkpoint_minutes: 10", "checkpoint_minute: 10", "failures: unknown key 'checkpoint_minute'"},
        Bad{"{name: acme, class: company}", "{name: acme, class: [company]}", "tenants[0].class (line 6): must be a text value"}),
    [](const ::testing::TestParamInfo<Bad>& p) { return testing_names::param_name(p.param.message, p.index); });

}  // namespace
}  // namespace hexa
