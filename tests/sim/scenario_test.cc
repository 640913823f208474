#include <gtest/gtest.h>

#include "sim/scenario.h"
#include "test_files.h"

namespace hexa {
namespace {

const char* kScenario = R"(name: tree
seed: 3
cluster: 4x8
scheduler: {policy: backfill}
tenants:
  - {name: acme, quotas: [{max_gpus: 16, max_queued: 100}, {gpu_type: gpu, guaranteed_gpus: 8, borrow_limit: 8}]}
  - {name: acme-ml, parent: acme, weight: 3}
  - {name: genIAles, kind: programme}
  - {name: cohort-1, parent: genIAles, quotas: [{max_running: 20}]}
workload:
  startups: {tenants: 3, days: 1, load: 0.5}
)";

TEST(ScenarioTest, TenantTreeAndQuotasAreRead) {
  auto sc = load_scenario(testing::write("s.yaml", kScenario), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  const auto& t = sc->options.tenants;
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].quotas.size(), 2u);
  EXPECT_EQ(t[0].quotas[0].max_gpus, 16);
  EXPECT_EQ(t[0].quotas[0].max_queued, 100);
  EXPECT_EQ(t[0].quotas[1].gpu_type, "gpu");
  EXPECT_EQ(t[0].quotas[1].borrow_limit, 8);
  EXPECT_EQ(t[1].parent, "acme");
  EXPECT_EQ(t[1].weight, 3);
  EXPECT_EQ(t[2].kind, TenantKind::kProgramme);
  EXPECT_EQ(t[3].quotas[0].max_running, 20);
  EXPECT_EQ(sc->options.sched.policy, "backfill");
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  ASSERT_TRUE(r.ok()) << r.status().message();
}

TEST(ScenarioTest, BadTenantFieldsNameTheKey) {
  std::string bad_kind = kScenario;
  bad_kind.replace(bad_kind.find("kind: programme"), 15, "kind: school");
  auto sc = load_scenario(testing::write("s.yaml", bad_kind), std::nullopt);
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("s.yaml: tenants[2].kind: unknown 'school'"), std::string::npos)
      << sc.status().message();

  std::string bad_quota = kScenario;
  bad_quota.replace(bad_quota.find("max_running: 20"), 15, "max_runing: 20");
  sc = load_scenario(testing::write("s2.yaml", bad_quota), std::nullopt);
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("tenants[3].quotas[0]: unknown key 'max_runing'"), std::string::npos)
      << sc.status().message();
}

TEST(ScenarioTest, TreeRulesAreCheckedAtLoad) {
  std::string orphan = kScenario;
  orphan.replace(orphan.find("parent: genIAles"), 16, "parent: nobody00");
  std::string path = testing::write("s.yaml", orphan);
  auto sc = load_scenario(path, std::nullopt);
  ASSERT_FALSE(sc.ok());
  EXPECT_EQ(sc.status().message(),
            path + ": tenants: tenant 'cohort-1'.parent: unknown tenant 'nobody00' (declare parents first)");
}

TEST(ScenarioTest, SiteChoiceIsReadAndChecked) {
  std::string text = kScenario;
  text.replace(text.find("{policy: backfill}"), 18, "{policy: backfill, site_choice: greenest}");
  auto sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  EXPECT_EQ(sc->options.sched.site_choice, "greenest");
  text.replace(text.find("greenest"), 8, "nearest");
  std::string path = testing::write("s2.yaml", text);
  sc = load_scenario(path, std::nullopt);
  ASSERT_FALSE(sc.ok());
  EXPECT_EQ(sc.status().message(),
            path + ": scheduler.site_choice: unknown 'nearest'; expected earliest, cheapest or greenest");
}

}  // namespace
}  // namespace hexa
