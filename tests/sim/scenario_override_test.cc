// Scenario overrides (scenario_override.h): a YAML path into the scenario file, by map key, list
// index or list item name; clear errors naming the flag and the path; and load_scenario reading
// the changed file as if it had been written so.
#include <gtest/gtest.h>

#include "golden_files.h"
#include "sim/scenario.h"
#include "sim/scenario_override.h"

namespace hexa {
namespace {

using testing::kGolden;

const char* kDoc = R"(
name: t
scheduler: {policy: fair}
cluster:
  sites:
    - {name: paris, price_factor: 1.1, blocks: [{nodes: 1, gpus_per_node: 8, gpu_type: H100}]}
    - {name: lyon, blocks: [{nodes: 1, gpus_per_node: 8, gpu_type: H100}]}
)";

Override parsed(const std::string& text) {
  auto o = parse_override("--set", text);
  EXPECT_TRUE(o.ok()) << o.status().message();
  return *o;
}

std::string error_of(const std::string& text) {
  YAML::Node root = YAML::Load(kDoc);
  auto o = parse_override("--set", text);
  if (!o.ok()) return o.status().message();
  Status st = apply_override(root, *o);
  return st.ok() ? "" : st.message();
}

TEST(ScenarioOverride, AliasesExpand) {
  EXPECT_EQ(parsed("policy=las").path, "scheduler.policy");
  EXPECT_EQ(parsed("placement=count").path, "scheduler.placement");
  EXPECT_EQ(parsed("site_choice=greenest").path, "scheduler.site_choice");
  EXPECT_EQ(parsed("seed=3").path, "seed");
  EXPECT_EQ(parsed("cluster.sites.0.pue=1.2").path, "cluster.sites.0.pue");
  EXPECT_EQ(parsed("policy=las").text(), "--set policy=las");
  EXPECT_EQ(parsed("policy=las").label(), "policy=las");
}

TEST(ScenarioOverride, SetsMapKeysListItemsByNameAndIndex) {
  YAML::Node root = YAML::Load(kDoc);
  ASSERT_TRUE(apply_override(root, parsed("policy=las")).ok());
  ASSERT_TRUE(apply_override(root, parsed("cluster.sites.lyon.price_factor=0.9")).ok());
  ASSERT_TRUE(apply_override(root, parsed("cluster.sites.0.pue=1.25")).ok());
  ASSERT_TRUE(apply_override(root, parsed("cluster.sites.paris.carbon_g_per_kwh=[1, 2]")).ok());
  ASSERT_TRUE(apply_override(root, parsed("failures.node_mtbf_days=100")).ok());  // a new map
  EXPECT_EQ(root["scheduler"]["policy"].Scalar(), "las");
  EXPECT_EQ(root["cluster"]["sites"][1]["price_factor"].Scalar(), "0.9");
  EXPECT_EQ(root["cluster"]["sites"][0]["pue"].Scalar(), "1.25");
  EXPECT_EQ(root["cluster"]["sites"][0]["carbon_g_per_kwh"].size(), 2u);
  EXPECT_EQ(root["failures"]["node_mtbf_days"].Scalar(), "100");
  // Nothing else moved (yaml-cpp handles are easy to assign over by mistake).
  EXPECT_EQ(root["name"].Scalar(), "t");
  EXPECT_EQ(root["cluster"]["sites"][0]["name"].Scalar(), "paris");
  EXPECT_EQ(root["cluster"]["sites"][0]["price_factor"].Scalar(), "1.1");
  EXPECT_EQ(root["cluster"]["sites"][1]["name"].Scalar(), "lyon");
  EXPECT_EQ(root["cluster"]["sites"].size(), 2u);
}

TEST(ScenarioOverride, BadOverridesNameTheFlagAndThePath) {
  auto has = [](const std::string& msg, std::initializer_list<const char*> parts) {
    for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "no '" << p << "' in: " << msg;
  };
  has(error_of("policy"), {"--set", "'policy'", "PATH=VALUE"});
  has(error_of("policy="), {"--set policy=", "no value"});
  has(error_of("scheduler..policy=las"), {"--set", "empty segment"});
  has(error_of("cluster.sites.mulhouse.price_factor=0.9"),
      {"--set cluster.sites.mulhouse.price_factor=0.9", "cluster.sites.mulhouse", "no item named 'mulhouse'", "paris, lyon"});
  has(error_of("cluster.sites.7.pue=1.2"), {"cluster.sites.7", "no item 7 in a list of 2"});
  has(error_of("name.first=x"), {"--set name.first=x", "name: is a plain value"});
  has(error_of("scheduler.policy=[las"), {"--set scheduler.policy=[las", "not a YAML value"});
}

TEST(ScenarioOverride, CompareListsSplitOutsideBrackets) {
  auto v = parse_compare("--compare", "policy=las,fair,backfill");
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[2].label(), "policy=backfill");
  EXPECT_EQ((*v)[0].path, "scheduler.policy");
  auto lists = parse_compare("--compare", "cluster.sites.paris.carbon_g_per_kwh=[1, 2],[3, 4]");
  ASSERT_TRUE(lists.ok()) << lists.status().message();
  ASSERT_EQ(lists->size(), 2u);
  EXPECT_EQ((*lists)[1].value, "[3, 4]");
  for (const char* bad : {"policy=", "policy", "policy=las,,fair", "policy=las,las"}) {
    auto b = parse_compare("--compare", bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_NE(b.status().message().find("--compare"), std::string::npos) << b.status().message();
  }
}

TEST(ScenarioOverride, LoadScenarioReadsTheChangedFile) {
  auto base = load_scenario(kGolden + "report-scenario.yaml", std::nullopt);
  ASSERT_TRUE(base.ok()) << base.status().message();
  auto changed = load_scenario(kGolden + "report-scenario.yaml", std::nullopt,
                               {parsed("cluster.sites.lyon.price_factor=1.5"), parsed("policy=las")});
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  EXPECT_EQ(changed->options.sched.policy, "las");
  EXPECT_EQ(base->options.sched.policy, "fair");
  EXPECT_EQ(changed->topology->site(1).profile.price_factor_bps, 15000);
  EXPECT_EQ(base->topology->site(1).profile.price_factor_bps, 10000);
  // A value the reader rejects: its message, then the overrides that were applied.
  auto bad = load_scenario(kGolden + "report-scenario.yaml", std::nullopt, {parsed("policy=lottery")});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("lottery"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("(with --set policy=lottery)"), std::string::npos) << bad.status().message();
  // An unknown key is the reader's "unknown key", as if it were in the file.
  auto typo = load_scenario(kGolden + "report-scenario.yaml", std::nullopt, {parsed("scheduler.polcy=las")});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("polcy"), std::string::npos) << typo.status().message();
  EXPECT_NE(typo.status().message().find("--set scheduler.polcy=las"), std::string::npos) << typo.status().message();
}

}  // namespace
}  // namespace hexa
