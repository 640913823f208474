// The overview's power and carbon now, and the nodes page's slices, against a live cloud whose
// GPUs draw known watts: figures by hand from the topology, the PUE and the grid's intensity.
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

// One site: a node of 2 whole H100 (700 W each) and a node of 1 H100 cut into slices; PUE 1.5
// and 100 gCO2e/kWh at every hour.
const char* kCloud = R"(name: test
cluster:
  sites:
    - name: paris
      pue: 1.5
      carbon_g_per_kwh: 100
      blocks:
        - {nodes: 1, gpus_per_node: 2, gpu_type: H100, name: whole}
        - {nodes: 1, gpus_per_node: 1, gpu_type: H100, slices: mig, name: mig}
  gpu_types: {H100: {watts: 700}}
scheduler: {policy: backfill}
credits:
  prices:
    - {gpu_type: H100, credits_per_gpu_hour: 1, priorities: [0, 10]}
)";

TEST(ConsolePower, PowerAndCarbonNowAndTheSlicesInUse) {
  auto cloud = LiveCloud::start(kCloud, {"--history-every-s", "1"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  const std::string acme = cloud->token("member", "acme");
  cloud->start_agent("whole-n0", 2, "H100");
  cloud->start_agent("mig-n0", 1, "H100");
  ASSERT_TRUE(cloud->wait_node_up("whole-n0"));
  ASSERT_TRUE(cloud->wait_node_up("mig-n0"));
  Answer idle = cloud->as_admin("GET", "/v1/overview");
  ASSERT_EQ(idle.status, 200) << idle.body;
  EXPECT_DOUBLE_EQ(idle.json["power"]["kw"].get<double>(), 0.0) << idle.body;  // known, and nothing runs

  std::vector<std::int64_t> ids;
  for (const Json& body : {Json{{"gpus", 2}, {"command", {"sleep", "300"}}},
                           Json{{"gpus", 1}, {"slice", "3g.40gb"}, {"command", {"sleep", "300"}}}}) {
    Answer a = cloud->call("POST", "/v1/jobs", body, acme);
    ASSERT_EQ(a.status, 201) << a.body;
    ids.push_back(a.json["id"]);
  }
  for (std::int64_t id : ids) {
    Json j = cloud->wait_job(id, [](const Json& x) { return state_is(x, "running"); });
    ASSERT_TRUE(state_is(j, "running")) << j.dump();
  }
  // 2 x 700 W + 3/7 x 700 W = 1,700 W at the GPUs; x 1.5 = 2.55 kW; x 100 g/kWh = 0.255 kg/h.
  Answer o = cloud->as_admin("GET", "/v1/overview");
  ASSERT_EQ(o.status, 200) << o.body;
  const Json& site = o.json["sites"][0];
  EXPECT_NEAR(site["power"]["kw"].get<double>(), 2.55, 1e-9) << o.body;
  EXPECT_NEAR(site["power"]["carbon_kg_per_h"].get<double>(), 0.255, 1e-9) << o.body;
  EXPECT_EQ(site["power"]["carbon_g_per_kwh"], 100);
  EXPECT_NEAR(o.json["power"]["kw"].get<double>(), 2.55, 1e-9) << o.body;
  EXPECT_NEAR(o.json["power"]["carbon_kg_per_h"].get<double>(), 0.255, 1e-9) << o.body;
  // The history ring carries the power too (sampled each second here).
  Json last;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    const Json h = cloud->as_admin("GET", "/v1/overview").json["history"];
    if (!h.empty() && h.back()["power_kw"].is_number() && h.back()["power_kw"].get<double>() > 2) {
      last = h.back();
      break;
    }
  }
  ASSERT_TRUE(last.is_object()) << "no sample with the power of what runs";
  EXPECT_NEAR(last["power_kw"].get<double>(), 2.55, 1e-9);

  // The nodes page: the sliced node says which profile holds its GPU and what is left of it.
  Answer nodes = cloud->call("GET", "/v1/nodes", nullptr, acme);
  ASSERT_EQ(nodes.status, 200) << nodes.body;
  for (const Json& n : nodes.json["nodes"]) {
    if (n["name"] == "whole-n0") {
      EXPECT_FALSE(n.contains("slices")) << n.dump();
    }
    if (n["name"] != "mig-n0") continue;
    ASSERT_EQ(n["slices"].size(), 1u) << n.dump();
    EXPECT_EQ(n["slices"][0], (Json{{"gpu", 0}, {"in_use", {"3g.40gb"}}, {"free_slots", 4}})) << n.dump();
  }
}

}  // namespace
}  // namespace hexa::testing
