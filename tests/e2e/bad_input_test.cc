// Bad input of every kind gets a clear error naming the field and the rule, and changes
// nothing: the state digest is the same before and after.
#include <fstream>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

std::string digest(LiveCloud& c) { return c.as_admin("GET", "/v1/debug/digest").json.value("digest", "?"); }

// A raw body (not JSON-encoded by the harness).
Answer raw_post(LiveCloud& c, const std::string& target, const std::string& body, const std::string& token) {
  auto client = HttpClient::make(c.url());
  Answer a;
  if (!client.ok()) return a;
  std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
  if (!token.empty()) h.push_back({"Authorization", "Bearer " + token});
  auto r = (*client)->request("POST", target, body, h, 20'000);
  if (!r.ok()) return a;
  a.status = r->status;
  a.body = r->body;
  a.json = Json::parse(a.body, nullptr, false);
  return a;
}

TEST(BadInput, RequestsAreRefusedWithTheFieldAndTheRuleAndChangeNothing) {
  auto cloud = LiveCloud::start(small_cloud(2, 2));
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string acme = cloud->token("member", "acme");
  const std::string before = digest(*cloud);
  struct Case {
    std::string body;
    int status;
    std::string field;   // "" = none expected
    std::string detail;  // a part of the detail
  };
  const std::vector<Case> cases = {
      {"{not json", 400, "", "not valid JSON"},
      {"[1, 2]", 400, "", "must be a JSON object"},
      {R"({"command": ["true"], "gpus": "two"})", 400, "gpus", "gpus: must be an integer"},
      {R"({"command": ["true"], "gpus": 0})", 400, "gpus", "gpus: must be an integer between 1"},
      {R"({"command": ["true"], "gpus": 1.5})", 400, "gpus", "must be an integer"},
      {R"({"command": ["true"], "colour": "red"})", 400, "colour", "colour: unknown field"},
      {R"({"gpus": 1})", 400, "command", "command: required"},
      {R"({"command": []})", 400, "command", "command: must name a program"},
      {R"({"command": ["true"], "gpu_type": "Z80"})", 400, "gpu_type", "no site offers GPU type 'Z80'"},
      {R"({"command": ["true"], "site": "mars"})", 400, "site", "no site named 'mars'"},
      {R"({"command": ["true"], "slice": "9g.99gb"})", 400, "slice", "unknown slice profile"},
      {R"({"command": ["true"], "tenant": "nobody"})", 404, "tenant", "no tenant named 'nobody'"},
      {R"({"command": ["true"], "time_limit_s": -5})", 400, "time_limit_s", "time_limit_s: must be"},
      {R"({"command": ["true"], "env": {"A=B": "x"}})", 400, "env", "env: names must be"},
      {R"({"command": ["true"], "memory_mb": 0})", 400, "memory_mb", "memory_mb: must be an integer between 1 and"},
      {R"({"command": ["true"], "memory_mb": "1G"})", 400, "memory_mb", "memory_mb: must be an integer"},
      {R"({"command": ["true"], "cpus": 5000})", 400, "cpus", "cpus: must be an integer between 1 and 4096"},
      {R"({"command": ["true"], "cpus": -1})", 400, "cpus", "cpus: must be an integer between 1"},
  };
  for (const Case& c : cases) {
    Answer a = raw_post(*cloud, "/v1/jobs", c.body, acme);
    EXPECT_EQ(a.status, c.status) << c.body << " -> " << a.body;
    EXPECT_NE(a.json.value("detail", "").find(c.detail), std::string::npos) << c.body << " -> " << a.body;
    if (!c.field.empty()) {
      EXPECT_EQ(a.json.value("field", ""), c.field) << c.body << " -> " << a.body;
    }
    EXPECT_EQ(a.json.value("title", ""), c.status == 404 ? "Not Found" : "Bad Request") << a.body;
  }
  // Too big: 413 before the handler sees it.
  Answer big = raw_post(*cloud, "/v1/jobs", R"({"command": ["echo", ")" + std::string(2 << 20, 'x') + R"("]})", acme);
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);
  // No token, a wrong one, a malformed header.
  EXPECT_EQ(raw_post(*cloud, "/v1/jobs", R"({"command": ["true"]})", "").status, 401);
  EXPECT_EQ(raw_post(*cloud, "/v1/jobs", R"({"command": ["true"]})", "hexa_" + std::string(64, '0')).status, 401);
  EXPECT_EQ(raw_post(*cloud, "/v1/jobs", R"({"command": ["true"]})", "nonsense").status, 401);
  // Admin writes with bad bodies.
  EXPECT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "x"}, {"weight", 0}}).status, 400);
  EXPECT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "x"}, {"parent", "ghost"}}).status, 400);
  EXPECT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", -1}}).status, 400);
  EXPECT_EQ(cloud->as_admin("POST", "/v1/tenants/ghost/grants", {{"credits_micro", 5}}).status, 404);
  EXPECT_EQ(cloud->as_admin("POST", "/v1/prices", {{"gpu_type", "gpu"}, {"site", "site0"}}).status, 400);
  EXPECT_EQ(cloud->as_admin("POST", "/v1/tokens", {{"role", "king"}}).status, 400);
  EXPECT_EQ(cloud->as_admin("GET", "/v1/jobs?limit=0").status, 400);
  EXPECT_EQ(cloud->as_admin("GET", "/v1/jobs?state=sleeping").status, 400);
  EXPECT_EQ(cloud->as_admin("GET", "/v1/jobs/banana").status, 404);
  EXPECT_EQ(cloud->as_admin("DELETE", "/v1/jobs/99").status, 404);
  EXPECT_EQ(cloud->as_admin("PUT", "/v1/jobs").status, 405);
  // Agents: a node the cluster does not have, other GPUs than declared, a stale epoch.
  const std::string agent = cloud->token("agent", "n0");
  Answer reg = cloud->call("POST", "/v1/agent/register", {{"node", "n0"}, {"gpus", 8}, {"gpu_type", "gpu"}}, agent);
  EXPECT_EQ(reg.status, 400);
  EXPECT_NE(reg.json.value("detail", "").find("the cluster declares 2 gpu GPUs, the agent has 8 gpu"), std::string::npos)
      << reg.body;
  EXPECT_EQ(cloud->call("GET", "/v1/agent/orders?node=n0&epoch=12345&wait_ms=0", nullptr, agent).status, 409);
  EXPECT_EQ(cloud->call("POST", "/v1/agent/report", {{"node", "n0"}, {"epoch", 12345}}, agent).status, 409);
  EXPECT_EQ(digest(*cloud), before) << "a refused request changed the state";
}

TEST(BadInput, AConfigThatDoesNotLoadIsOneClearLineAndExit2) {
  char tmpl[] = "/tmp/hexa-bad-XXXXXX";
  ASSERT_TRUE(::mkdtemp(tmpl));
  const std::string dir = tmpl;
  std::ofstream(dir + "/cloud.yaml") << "cluster: \"2x2\"\nscheduler: {policy: lottery}\n";
  std::string out, err;
  int code = run_program({HEXA_BINARY, "serve", "--config", dir + "/cloud.yaml", "--state", dir + "/state", "--listen",
                          "127.0.0.1:0"},
                         {}, &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("scheduler.policy: unknown 'lottery'"), std::string::npos) << err;
  std::ofstream(dir + "/cloud2.yaml") << "cluster: \"2x2\"\nworkload: {startups: {tenants: 3}}\n";
  code = run_program({HEXA_BINARY, "serve", "--config", dir + "/cloud2.yaml", "--state", dir + "/state", "--listen",
                      "127.0.0.1:0"},
                     {}, &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("workload"), std::string::npos) << err;
  code = run_program({HEXA_BINARY, "serve", "--config", dir + "/cloud.yaml", "--state", dir + "/state", "--listen",
                      "nowhere"},
                     {}, &out, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--listen"), std::string::npos) << err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hexa::testing
