// Per-token rate limits end to end (`hexa serve --rate-limit N`; docs/server.md, Rate limits):
// one member's flood is answered 429 with Retry-After and a problem naming the limit, while
// another member's token, agents (never limited) and the flooder itself after Retry-After go on.
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace hexa::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Flood {
  int ok = 0, limited = 0, other = 0;
  Answer last_limited;
  double seconds = 0;
};

// `n` requests one after another on one connection, as fast as they are answered.
Flood flood(LiveCloud& cloud, const std::string& target, const std::string& token, int n) {
  Flood f;
  auto client = HttpClient::make(cloud.url());
  if (!client.ok()) return ADD_FAILURE() << client.status().message(), f;
  std::vector<std::pair<std::string, std::string>> h;
  if (!token.empty()) h.push_back({"Authorization", "Bearer " + token});
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto r = (*client)->request("GET", target, "", h, 10'000);
    if (!r.ok()) continue;
    if (r->status == 200) ++f.ok;
    else if (r->status == 429) {
      ++f.limited;
      f.last_limited.status = r->status, f.last_limited.body = r->body;
      f.last_limited.headers["retry-after"] = r->header("Retry-After");
      f.last_limited.headers["content-type"] = r->content_type;
    } else {
      ++f.other;
    }
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return f;
}

TEST(RateLimit, OneTokensFloodIsRefusedWhileOthersGoOn) {
  auto cloud = LiveCloud::start(small_cloud(1, 2), {"--rate-limit", "5"});  // bursts of 10
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string flooder = cloud->token("member", "acme"), other = cloud->token("member", "acme");
  cloud->start_agent("n0", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0")) << cloud->agent_log("n0");

  Flood f = flood(*cloud, "/v1/whoami", flooder, 60);
  EXPECT_EQ(f.other, 0);
  EXPECT_GE(f.ok, 10);  // the burst
  EXPECT_LE(f.ok, 10 + static_cast<int>(5 * f.seconds) + 1) << "in " << f.seconds << " s";
  ASSERT_GT(f.limited, 0);
  const Answer& a = f.last_limited;
  const std::string retry = a.headers.at("retry-after");
  ASSERT_FALSE(retry.empty());
  EXPECT_EQ(retry.find_first_not_of("0123456789"), std::string::npos) << retry;
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_EQ(a.headers.at("content-type"), "application/problem+json");
  const Json problem = Json::parse(a.body, nullptr, false);
  EXPECT_EQ(problem.value("status", 0), 429) << a.body;
  EXPECT_EQ(problem.value("rate_limit_per_s", 0), 5) << a.body;
  EXPECT_NE(problem.value("detail", "").find("at most 5 requests per second per token"), std::string::npos) << a.body;

  // Another token of the same tenant is another caller; the agent's node stays up.
  EXPECT_EQ(cloud->call("GET", "/v1/whoami", nullptr, other).status, 200);
  EXPECT_EQ(cloud->call("GET", "/v1/jobs", nullptr, other).status, 200);
  // After Retry-After, the flooder is served again.
  std::this_thread::sleep_for(std::chrono::seconds(std::stoi(retry)));
  EXPECT_EQ(cloud->call("GET", "/v1/whoami", nullptr, flooder).status, 200);
  Answer nodes = cloud->as_admin("GET", "/v1/nodes");
  ASSERT_EQ(nodes.status, 200);
  EXPECT_EQ(nodes.json["nodes"][0]["state"], "up");

  // An agent's token is not limited (docs/server.md, Rate limits): its heartbeats follow its
  // log chunks, sent as fast as the server takes them.
  Flood agent = flood(*cloud, "/v1/whoami", cloud->token("agent", "n0"), 40);
  EXPECT_EQ(agent.ok, 40);
  Answer metrics = cloud->call("GET", "/metrics");  // before the address's own flood below
  EXPECT_NE(metrics.body.find("hexa_api_requests_total{route=\"/v1/whoami\",code=\"429\"}"), std::string::npos) << metrics.body;
  // Without a token, the caller is its address: a flood of bad tokens is limited all the same.
  Flood anon = flood(*cloud, "/v1/whoami", "hexa_" + std::string(64, '0'), 40);
  EXPECT_GT(anon.limited, 0);
  EXPECT_EQ(anon.ok, 0);
  EXPECT_EQ(anon.other, 40 - anon.limited);  // 401 until the address is limited
  EXPECT_GT(flood(*cloud, "/healthz", "", 20).limited, 0);  // public routes count by address too
  EXPECT_EQ(cloud->call("GET", "/v1/whoami", nullptr, other).status, 200);  // a valid token is its own caller
}

TEST(RateLimit, TheFlagIsCheckedAndDocumented) {
  std::string out, err;
  EXPECT_EQ(run_program({HEXA_BINARY, "serve", "--help"}, {}, &out, &err), 0);
  EXPECT_NE(out.find("--rate-limit"), std::string::npos) << out;
  EXPECT_NE(out.find("429"), std::string::npos) << out;
  EXPECT_NE(run_program({HEXA_BINARY, "serve", "--config", "x.yaml", "--state", "/tmp/none", "--rate-limit", "-1"}, {}, &out, &err), 0);
  EXPECT_NE(err.find("--rate-limit"), std::string::npos) << err;
}

}  // namespace
}  // namespace hexa::testing
