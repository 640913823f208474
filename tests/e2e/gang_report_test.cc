// The agent protocol of a gang, with two agents played by the test through the API: each node
// gets one start order, with its rank and the same master address and port; the job ends once
// both ranks' exits are reported, even when the two reports come at the same instant (and so
// in one batch of the core thread, where each report alone sees the other rank still running).
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

struct FakeAgent {
  std::string node, token;
  std::int64_t epoch = 0;
};

// The start order of `job` for this node, from its long polls (stop orders of earlier jobs
// come too); null when none came within the limit.
Json start_order(LiveCloud& cloud, const FakeAgent& a, std::int64_t job) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    Answer r = cloud.call("GET", "/v1/agent/orders?node=" + a.node + "&epoch=" + std::to_string(a.epoch) + "&wait_ms=1000",
                          nullptr, a.token);
    if (r.status != 200) return nullptr;
    for (const Json& o : r.json["orders"])
      if (o["kind"] == "start" && o["job"] == job) return o;
  }
  return nullptr;
}

TEST(GangReports, BothRanksEndingAtOnceEndTheJob) {
  auto cloud = LiveCloud::start(small_cloud(2, 8), gang_ports_flag());
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  std::vector<FakeAgent> agents = {{"n0", cloud->token("agent", "n0")}, {"n1", cloud->token("agent", "n1")}};
  for (FakeAgent& a : agents) {
    Answer r = cloud->call("POST", "/v1/agent/register", {{"node", a.node}, {"gpus", 8}, {"gpu_type", "gpu"}}, a.token);
    ASSERT_EQ(r.status, 200) << r.body;
    a.epoch = r.json["epoch"];
  }
  for (int k = 0; k < 8; ++k) {
    Answer s = cloud->as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"gpus", 16}, {"time_limit_s", 600}, {"command", {"true"}}});
    ASSERT_EQ(s.status, 201) << s.body;
    const std::int64_t id = s.json["id"];
    std::vector<Json> orders;
    for (const FakeAgent& a : agents) orders.push_back(start_order(*cloud, a, id));
    ASSERT_TRUE(orders[0].is_object() && orders[1].is_object()) << "job " << id << ": a start order per node";
    EXPECT_EQ(orders[0]["rank"], 0);
    EXPECT_EQ(orders[1]["rank"], 1);
    EXPECT_EQ(orders[0]["nodes"], Json::array({"n0", "n1"}));
    EXPECT_EQ(orders[0]["master_addr"], "127.0.0.1") << "where n0's registration came from";
    EXPECT_EQ(orders[1]["master_addr"], "127.0.0.1");
    EXPECT_EQ(orders[0]["master_port"], orders[1]["master_port"]);
    EXPECT_GE(orders[0]["master_port"].get<int>(), 10000);
    // Both exits at once, from two threads.
    std::latch go(2);
    std::vector<int> codes(2, 0);
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < 2; ++r)
      threads.emplace_back([&, r] {
        Json body{{"node", agents[r].node},
                  {"epoch", agents[r].epoch},
                  {"exits", {{{"job", id}, {"segment", orders[r]["segment"]}, {"exit_code", 0}}}}};
        go.arrive_and_wait();
        codes[r] = cloud->call("POST", "/v1/agent/report", body, agents[r].token).status;
      });
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(codes, (std::vector<int>{200, 200}));
    Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 10s);
    ASSERT_TRUE(state_is(job, "finished")) << "gang " << k << ": " << job.dump();
    EXPECT_EQ(job["exit_code"], 0);
  }
}

}  // namespace
}  // namespace hexa::testing
