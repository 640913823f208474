// The web console's server side (docs/console.md): its files, served without a token with their
// types and a strict policy, and the read-only aggregates its pages use (GET /v1/overview,
// GET /v1/tenants/{t}/credits) against what a live cloud really holds.
#include <thread>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

HttpResponse get_plain(const std::string& url, const std::string& target) {
  auto client = HttpClient::make(url);
  EXPECT_TRUE(client.ok());
  auto r = (*client)->request("GET", target, "", {}, 10'000);
  EXPECT_TRUE(r.ok()) << target;
  return r.ok() ? *r : HttpResponse{};
}

TEST(ConsoleApi, FilesAreServedWithTheirTypesAndAStrictPolicy) {
  auto cloud = LiveCloud::start(small_cloud(1, 2));
  ASSERT_TRUE(cloud);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"/", "text/html"}, {"/assets/index.html", "text/html"}, {"/assets/app.js", "text/javascript"}, {"/assets/app.css", "text/css"}};
  for (const auto& [target, type] : files) {
    HttpResponse r = get_plain(cloud->url(), target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.content_type.rfind(type, 0), 0u) << target << ": " << r.content_type;
    const std::string csp = r.header("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << target;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << target << ": " << csp;
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << target;
    EXPECT_FALSE(r.body.empty()) << target;
  }
  // No inline script for the policy to refuse: the page loads its one script by its URL.
  const std::string index = get_plain(cloud->url(), "/").body;
  EXPECT_EQ(index.find("<script>"), std::string::npos);
  EXPECT_NE(index.find("<script src=\"/assets/app.js\""), std::string::npos);
  for (const char* missing : {"/assets/nope.js", "/assets/..%2Fhexa.db", "/assets/"}) {
    HttpResponse r = get_plain(cloud->url(), missing);
    EXPECT_EQ(r.status, 404) << missing;
    EXPECT_NE(r.content_type.find("problem+json"), std::string::npos) << missing;
  }
  EXPECT_EQ(get_plain(cloud->url(), "/assets/app.js/x").status, 404);
}

TEST(ConsoleApi, OverviewCountsSitesQueueAndHistoryAndScopesAMember) {
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--history-every-s", "1"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "alpha"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "school"}, {"kind", "programme"}}).status, 201);
  for (const char* t : {"alpha", "school"})
    ASSERT_EQ(cloud->as_admin("POST", std::string("/v1/tenants/") + t + "/grants", {{"credits_micro", 100'000'000}}).status, 201);
  cloud->start_agent("n0", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0"));  // n1 stays down: its 2 GPUs count as down
  const std::string alpha = cloud->token("member", "alpha"), school = cloud->token("member", "school");
  Answer run = cloud->call("POST", "/v1/jobs", {{"gpus", 2}, {"command", {"sleep", "600"}}}, alpha);
  ASSERT_EQ(run.status, 201) << run.body;
  cloud->wait_job(run.json["id"], [](const Json& j) { return j["state"] == "running"; });
  ASSERT_EQ(cloud->call("POST", "/v1/jobs", {{"gpus", 1}, {"command", {"true"}}}, school).status, 201);  // waits: no room

  Answer o = cloud->as_admin("GET", "/v1/overview");
  ASSERT_EQ(o.status, 200) << o.body;
  ASSERT_EQ(o.json["sites"].size(), 1u);
  const Json& site = o.json["sites"][0];
  EXPECT_EQ(site["gpus"], 4);
  EXPECT_EQ(site["busy"], 2);
  EXPECT_EQ(site["free"], 0);
  EXPECT_EQ(site["down"], 2);
  // This cloud gives no watts for its GPUs: power and carbon are unknown, and say why.
  EXPECT_TRUE(site["power"]["kw"].is_null()) << o.body;
  EXPECT_EQ(site["power"]["note"], "no watts configured for GPU type gpu") << o.body;
  EXPECT_TRUE(o.json["power"]["kw"].is_null()) << o.body;
  EXPECT_TRUE(o.json["power"]["hour_utc"].is_number_integer()) << o.body;
  std::map<std::string, Json> queue;
  for (const Json& q : o.json["queue"]) queue[q["kind"]] = q;
  EXPECT_EQ(queue["organisation"]["running_gpus"], 2) << o.body;
  EXPECT_EQ(queue["programme"]["pending_jobs"], 1) << o.body;
  bool n1_alert = false;
  for (const Json& a : o.json["alerts"]) n1_alert |= a["node"] == "n1";
  EXPECT_TRUE(n1_alert) << o.body;

  // The history: a sample each second here (--history-every-s 1), oldest first, bounded.
  Json history;
  for (int i = 0; i < 100 && history.size() < 3; ++i, std::this_thread::sleep_for(100ms))
    history = cloud->as_admin("GET", "/v1/overview").json["history"];
  ASSERT_GE(history.size(), 3u);
  EXPECT_LE(history[0]["at_ms"], history[1]["at_ms"]);
  EXPECT_EQ(history.back()["total_gpus"], 4);
  EXPECT_EQ(history.back()["busy_gpus"], 2);

  // A member: capacity, but the queue, fair share and alerts of its own subtree only.
  Answer m = cloud->call("GET", "/v1/overview", nullptr, alpha);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.body.find("school"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("programme"), std::string::npos) << m.body;
  ASSERT_EQ(m.json["fair_share"].size(), 1u);
  EXPECT_EQ(m.json["fair_share"][0]["tenant"], "alpha");
}

TEST(ConsoleApi, CreditsListGrantsAndTheBudgetOfVisibleTenantsOnly) {
  auto cloud = LiveCloud::start(small_cloud(1, 2));
  ASSERT_TRUE(cloud);
  for (const char* t : {"alpha", "beta"}) ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", t}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/alpha/grants", {{"credits_micro", 5'000'000}, {"id", "g1"}, {"programme", "seed"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/alpha/budget", {{"limit_micro", 2'000'000}, {"hard", true}}).status, 200);
  const std::string alpha = cloud->token("member", "alpha");
  Answer c = cloud->call("GET", "/v1/tenants/alpha/credits", nullptr, alpha);
  ASSERT_EQ(c.status, 200) << c.body;
  ASSERT_EQ(c.json["grants"].size(), 1u);
  EXPECT_EQ(c.json["grants"][0]["id"], "g1");
  EXPECT_EQ(c.json["grants"][0]["programme"], "seed");
  EXPECT_EQ(c.json["grants"][0]["credits_micro"], 5'000'000);
  EXPECT_EQ(c.json["grants"][0]["left_micro"], 5'000'000);
  EXPECT_EQ(c.json["grants"][0]["live"], true);
  EXPECT_GT(c.json["grants"][0]["expires_ms"].get<std::int64_t>(), c.json["grants"][0]["starts_ms"].get<std::int64_t>());
  EXPECT_EQ(c.json["budget"]["limit_micro"], 2'000'000);
  EXPECT_EQ(c.json["budget"]["hard"], true);
  EXPECT_EQ(c.json["budget"]["used_micro"], 0);
  // Another tenant's, or one that does not exist: the same 404.
  Answer beta = cloud->call("GET", "/v1/tenants/beta/credits", nullptr, alpha);
  Answer none = cloud->call("GET", "/v1/tenants/nobody/credits", nullptr, alpha);
  EXPECT_EQ(beta.status, 404);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(beta.json["detail"].get<std::string>().find("beta") != std::string::npos,
            none.json["detail"].get<std::string>().find("nobody") != std::string::npos);
  EXPECT_TRUE(cloud->as_admin("GET", "/v1/tenants/beta/credits").json["budget"].is_null());
}

TEST(ConsoleApi, ABudgetCrossedIsAnAlertForItsTenantOnly) {
  auto cloud = LiveCloud::start(small_cloud(1, 2));
  ASSERT_TRUE(cloud);
  for (const char* t : {"alpha", "beta"}) {
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", t}}).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", std::string("/v1/tenants/") + t + "/grants", {{"credits_micro", 100'000'000}}).status, 201);
  }
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/alpha/budget", {{"limit_micro", 500}, {"alerts_pct", {50, 100}}}).status, 200);
  cloud->start_agent("n0", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0"));
  const std::string alpha = cloud->token("member", "alpha"), beta = cloud->token("member", "beta");
  Answer job = cloud->call("POST", "/v1/jobs", {{"gpus", 2}, {"command", {"sleep", "1"}}}, alpha);
  ASSERT_EQ(job.status, 201) << job.body;
  Json ended = cloud->wait_job(job.json["id"], [](const Json& j) { return j["state"] == "finished"; });
  ASSERT_EQ(ended["state"], "finished") << ended.dump();
  Json alerts;
  for (int i = 0; i < 50 && alerts.size() < 2; ++i, std::this_thread::sleep_for(100ms))
    alerts = cloud->call("GET", "/v1/overview", nullptr, alpha).json["alerts"];
  ASSERT_EQ(alerts.size(), 2u) << alerts.dump() << "\n" << cloud->call("GET", "/v1/tenants/alpha/credits", nullptr, alpha).body;
  EXPECT_EQ(alerts[0]["kind"], "budget");
  EXPECT_EQ(alerts[0]["tenant"], "alpha");
  EXPECT_NE(alerts[0]["text"].get<std::string>().find("100% of its credits budget"), std::string::npos) << alerts.dump();
  EXPECT_EQ(cloud->call("GET", "/v1/overview", nullptr, beta).json["alerts"].size(), 0u);
}

}  // namespace
}  // namespace hexa::testing
