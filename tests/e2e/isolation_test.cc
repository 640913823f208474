// Tenant isolation, every route x every role: anything of another tenant (or another node, for
// an agent) answers 404 exactly as if it did not exist; a role that may not use a route at all
// answers 403; no token 401. The routes come from the server's own table, so a new route
// without a cell here fails the test.
#include <set>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"
#include "server/api.h"

namespace hexa::testing {
namespace {

struct Cell {
  std::string method, target;
  Json body;
};

// A request of `route` aimed at what belongs to tenant "beta" and node "n1": foreign to the
// member of "alpha" and to the agent of "n0".
Cell foreign_request(const Route& r, std::int64_t beta_job) {
  std::string t = r.pattern;
  auto put = [&t](const std::string& key, const std::string& v) {
    if (auto at = t.find(key); at != std::string::npos) t.replace(at, key.size(), v);
  };
  put("{id}", std::string(r.pattern) == "/v1/tokens/{id}" ? "tok-admin" : std::to_string(beta_job));
  put("{name}", "n1");
  put("{t}", "beta");
  Cell c{r.method, t, nullptr};
  const std::string p = r.pattern, m = r.method;
  if (p == "/v1/jobs" && m == "POST") c.body = {{"tenant", "beta"}, {"command", {"true"}}};
  if (p == "/v1/jobs" && m == "GET") c.target += "?tenant=beta";
  if (p == "/v1/tenants" && m == "POST") c.body = {{"name", "gamma"}, {"parent", "beta"}};
  if (p == "/v1/tenants" && m == "GET") c.target += "?tenant=beta";
  if (p.ends_with("/grants") || p.ends_with("/topups")) c.body = {{"credits_micro", 1000}};
  if (p.ends_with("/budget")) c.body = {{"limit_micro", 1000}};
  if (p == "/v1/prices") c.body = {{"gpu_type", "gpu"}, {"site", "site0"}, {"micro_per_gpu_hour", 5}};
  if (p == "/v1/reservations" && m == "POST")
    c.body = {{"name", "r"}, {"tenant", "beta"}, {"site", "site0"}, {"gpu_type", "gpu"}, {"gpus", 1},
              {"from_ms", 4102444800000}, {"to_ms", 4102448400000}};
  if (p == "/v1/tokens" && m == "POST") c.body = {{"role", "member"}, {"tenant", "beta"}};
  if (p == "/v1/agent/register") c.body = {{"node", "n1"}, {"gpus", 2}, {"gpu_type", "gpu"}};
  if (p == "/v1/agent/orders") c.target += "?node=n1&epoch=1&wait_ms=0";
  if (p == "/v1/agent/report") c.body = {{"node", "n1"}, {"epoch", 1}};
  if (p == "/v1/agent/logs") c.body = {{"node", "n1"}, {"epoch", 1}, {"job", beta_job}, {"segment", 1}, {"stream", "stdout"}, {"offset", 0}, {"data_b64", ""}};
  return c;
}

bool allowed(const Route& r, const std::string& role) {
  return (" " + std::string(r.roles) + " ").find(" " + role + " ") != std::string::npos;
}

// What a member of alpha or the agent of n0 may see of beta's or n1's: nothing.
bool sees_foreign(const Route& r, const std::string& role) {
  const std::string p = r.pattern;
  // Capacity, itself; the overview's sites and history (its queue and alerts are of its own subtree).
  if (role == "member") return p == "/v1/nodes" || p == "/v1/whoami" || p == "/v1/reservations" || p == "/v1/overview";
  return p == "/v1/whoami";
}

TEST(Isolation, EveryRouteEveryRoleEveryForeignObject) {
  auto cloud = LiveCloud::start(small_cloud(2, 2));
  ASSERT_TRUE(cloud);
  for (const char* t : {"alpha", "beta"}) ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", t}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "alpha-x"}, {"parent", "alpha"}}).status, 201);
  const std::string beta = cloud->token("member", "beta");
  Answer job = cloud->call("POST", "/v1/jobs", {{"command", {"true"}}}, beta);
  ASSERT_EQ(job.status, 201) << job.body;
  const std::int64_t beta_job = job.json["id"];
  std::map<std::string, std::string> tokens = {{"operator", cloud->token("operator")},
                                               {"member", cloud->token("member", "alpha")},
                                               {"agent", cloud->token("agent", "n0")},
                                               {"none", ""}};
  int cells = 0;
  for (const Route& r : routes()) {
    if (!*r.roles) continue;  // public: /healthz, /readyz, /metrics, /openapi.json
    const Cell c = foreign_request(r, beta_job);
    for (const auto& [role, token] : tokens) {
      Answer a = cloud->call(c.method, c.target, c.body, token);
      const std::string where = role + " " + c.method + " " + c.target;
      ++cells;
      if (role == "none") {
        EXPECT_EQ(a.status, 401) << where << ": " << a.body;
      } else if (!allowed(r, role)) {
        EXPECT_EQ(a.status, 403) << where << ": " << a.body;
      } else if (role == "operator" || sees_foreign(r, role)) {
        EXPECT_TRUE(a.status < 400 || a.status == 409) << where << ": " << a.status << " " << a.body;
      } else {
        EXPECT_EQ(a.status, 404) << where << ": " << a.body;
      }
      if (a.status >= 200 && a.status < 300 && role == "member") {  // what it sees holds nothing of beta
        EXPECT_EQ(a.body.find("beta"), std::string::npos) << where << " leaks: " << a.body;
      }
    }
  }
  EXPECT_GE(cells, 4 * 25);
}

}  // namespace
}  // namespace hexa::testing
