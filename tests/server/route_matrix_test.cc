// The tenant isolation matrix (docs/SECURITY.md, API1 and API5): every route of the server's one
// table x every role, in-process (serve_request on a Host in a temporary directory), against real
// objects of tenant alpha and node n1: a job that runs, one that waits, one that ended (the
// archive), alpha's tenant, balance, statement, reservation and logs. The expectations are a
// table keyed by method and pattern: a route added to routes() without a row fails the test, and
// so does a row whose route is gone.
#include <array>
#include <set>

#include <gtest/gtest.h>

#include "server/route_matrix.h"

namespace hexa::testing {
namespace {

// The roles, in the order of a row's codes. "forged" is a well-formed token the server never
// made: it must fare exactly as no token.
const std::vector<std::string> kRoles = {"none", "alpha", "beta", "operator", "agent-n0", "agent-n1", "admin"};

struct MatrixRow {
  std::string method, pattern, what;
  std::array<int, 7> codes;  // by kRoles
  // The request, made afresh for each cell (a job to cancel, a node to drain, a token to delete).
  std::function<MatrixRequest(MatrixCloud&)> make;
};

MatrixRequest get(const std::string& target) { return {"GET", target, nullptr}; }

// Who may do what to alpha's things: no token 401; a role the route is not for 403; beta (a
// member of another tenant) and the agent of another node 404, as if they did not exist.
std::vector<MatrixRow> rows() {
  using C = MatrixCloud;
  const std::string jobs = "/v1/jobs/";
  return {
      {"POST", "/v1/jobs", "submit as alpha", {401, 201, 404, 403, 403, 403, 201},
       [](C&) { return MatrixRequest{"POST", "/v1/jobs", {{"tenant", "alpha"}, {"gpus", 2}, {"command", {"true"}}}}; }},
      {"GET", "/v1/jobs", "alpha's subtree", {401, 200, 404, 200, 403, 403, 200}, [](C&) { return get("/v1/jobs?tenant=alpha"); }},
      {"GET", "/v1/jobs", "everything one sees", {401, 200, 200, 200, 403, 403, 200}, [](C&) { return get("/v1/jobs"); }},
      {"GET", "/v1/jobs/{id}", "running", {401, 200, 404, 200, 403, 403, 200}, [=](C& c) { return get(jobs + c.running_job()); }},
      {"GET", "/v1/jobs/{id}", "ended (archive)", {401, 200, 404, 200, 403, 403, 200}, [=](C& c) { return get(jobs + c.ended_job()); }},
      {"GET", "/v1/jobs/{id}", "of a sub-tenant", {401, 200, 404, 200, 403, 403, 200}, [=](C& c) { return get(jobs + c.sub_job()); }},
      {"DELETE", "/v1/jobs/{id}", "pending", {401, 200, 404, 200, 403, 403, 200},
       [=](C& c) { return MatrixRequest{"DELETE", jobs + c.fresh_job(), nullptr}; }},
      {"DELETE", "/v1/jobs/{id}", "ended", {401, 409, 404, 409, 403, 403, 409},
       [=](C& c) { return MatrixRequest{"DELETE", jobs + c.ended_job(), nullptr}; }},
      {"GET", "/v1/jobs/{id}/logs", "running", {401, 200, 404, 200, 403, 403, 200},
       [=](C& c) { return get(jobs + c.running_job() + "/logs"); }},
      {"GET", "/v1/jobs/{id}/logs", "ended", {401, 200, 404, 200, 403, 403, 200},
       [=](C& c) { return get(jobs + c.ended_job() + "/logs?stream=stderr"); }},
      {"GET", "/v1/nodes", "", {401, 200, 200, 200, 403, 403, 200}, [](C&) { return get("/v1/nodes"); }},
      {"POST", "/v1/nodes/{name}/drain", "n1", {401, 403, 403, 200, 403, 403, 200},
       [](C& c) {
         c.admin_first("POST", "/v1/nodes/n1/resume");
         return MatrixRequest{"POST", "/v1/nodes/n1/drain", {{"reason", "test"}}};
       }},
      {"POST", "/v1/nodes/{name}/resume", "n1", {401, 403, 403, 200, 403, 403, 200},
       [](C& c) {
         c.admin_first("POST", "/v1/nodes/n1/drain");
         return MatrixRequest{"POST", "/v1/nodes/n1/resume", nullptr};
       }},
      {"GET", "/v1/tenants", "alpha's subtree", {401, 200, 404, 200, 403, 403, 200}, [](C&) { return get("/v1/tenants?tenant=alpha"); }},
      {"GET", "/v1/tenants", "everything one sees", {401, 200, 200, 200, 403, 403, 200}, [](C&) { return get("/v1/tenants"); }},
      {"POST", "/v1/tenants", "under alpha", {401, 403, 403, 403, 403, 403, 201},
       [](C& c) { return MatrixRequest{"POST", "/v1/tenants", {{"name", c.unique("alpha-t")}, {"parent", "alpha"}}}; }},
      {"GET", "/v1/tenants/{t}/balance", "alpha", {401, 200, 404, 403, 403, 403, 200}, [](C&) { return get("/v1/tenants/alpha/balance"); }},
      {"GET", "/v1/tenants/{t}/balance", "alpha's sub-tenant", {401, 200, 404, 403, 403, 403, 200},
       [](C&) { return get("/v1/tenants/alpha-x/balance"); }},
      {"GET", "/v1/tenants/{t}/statement", "alpha", {401, 200, 404, 403, 403, 403, 200},
       [](C&) { return get("/v1/tenants/alpha/statement?format=csv"); }},
      {"POST", "/v1/tenants/{t}/grants", "alpha", {401, 403, 403, 403, 403, 403, 201},
       [](C&) { return MatrixRequest{"POST", "/v1/tenants/alpha/grants", {{"credits_micro", 1000}}}; }},
      {"POST", "/v1/tenants/{t}/topups", "alpha", {401, 403, 403, 403, 403, 403, 201},
       [](C&) { return MatrixRequest{"POST", "/v1/tenants/alpha/topups", {{"credits_micro", 1000}}}; }},
      {"POST", "/v1/tenants/{t}/budget", "alpha", {401, 403, 403, 403, 403, 403, 200},
       [](C&) { return MatrixRequest{"POST", "/v1/tenants/alpha/budget", {{"limit_micro", 1'000'000'000}}}; }},
      {"POST", "/v1/prices", "", {401, 403, 403, 403, 403, 403, 200},
       [](C&) { return MatrixRequest{"POST", "/v1/prices", {{"gpu_type", "gpu"}, {"site", "site0"}, {"micro_per_gpu_hour", 1'000'000}}}; }},
      {"POST", "/v1/reservations", "for alpha", {401, 403, 403, 403, 403, 403, 201},
       [](C& c) { return MatrixRequest{"POST", "/v1/reservations", c.reservation_body(c.unique("r"))}; }},
      {"GET", "/v1/reservations", "", {401, 200, 200, 200, 403, 403, 200}, [](C&) { return get("/v1/reservations"); }},
      {"POST", "/v1/tokens", "a member of alpha", {401, 403, 403, 403, 403, 403, 201},
       [](C&) { return MatrixRequest{"POST", "/v1/tokens", {{"role", "member"}, {"tenant", "alpha"}}}; }},
      {"GET", "/v1/tokens", "", {401, 403, 403, 403, 403, 403, 200}, [](C&) { return get("/v1/tokens"); }},
      {"DELETE", "/v1/tokens/{id}", "alpha's", {401, 403, 403, 403, 403, 403, 200},
       [](C& c) { return MatrixRequest{"DELETE", "/v1/tokens/" + c.spare_token(), nullptr}; }},
      {"GET", "/v1/whoami", "", {401, 200, 200, 200, 200, 200, 200}, [](C&) { return get("/v1/whoami"); }},
      {"POST", "/v1/agent/register", "n1", {401, 403, 403, 403, 404, 200, 200},
       [](C& c) { return MatrixRequest{"POST", "/v1/agent/register", c.register_body()}; }},
      {"GET", "/v1/agent/orders", "n1", {401, 403, 403, 403, 404, 200, 200},
       [](C& c) { return get("/v1/agent/orders?node=n1&wait_ms=0&epoch=" + std::to_string(c.epoch())); }},
      {"POST", "/v1/agent/report", "n1", {401, 403, 403, 403, 404, 200, 200},
       [](C& c) { return MatrixRequest{"POST", "/v1/agent/report", c.report_body()}; }},
      {"POST", "/v1/agent/logs", "n1's job", {401, 403, 403, 403, 404, 200, 200},
       [](C& c) { return MatrixRequest{"POST", "/v1/agent/logs", c.log_body()}; }},
      {"GET", "/v1/overview", "", {401, 200, 200, 200, 403, 403, 200}, [](C&) { return get("/v1/overview"); }},
      {"GET", "/v1/tenants/{t}/credits", "alpha", {401, 200, 404, 403, 403, 403, 200},
       [](C&) { return get("/v1/tenants/alpha/credits"); }},
      {"GET", "/v1/debug/digest", "", {401, 403, 403, 403, 403, 403, 200}, [](C&) { return get("/v1/debug/digest"); }},
      {"GET", "/healthz", "", {200, 200, 200, 200, 200, 200, 200}, [](C&) { return get("/healthz"); }},
      {"GET", "/readyz", "", {200, 200, 200, 200, 200, 200, 200}, [](C&) { return get("/readyz"); }},
      {"GET", "/metrics", "", {200, 200, 200, 200, 200, 200, 200}, [](C&) { return get("/metrics"); }},
      {"GET", "/openapi.json", "", {200, 200, 200, 200, 200, 200, 200}, [](C&) { return get("/openapi.json"); }},
      {"GET", "/", "the console", {200, 200, 200, 200, 200, 200, 200}, [](C&) { return get("/"); }},
      {"GET", "/assets/{file}", "app.js", {200, 200, 200, 200, 200, 200, 200}, [](C&) { return get("/assets/app.js"); }},
  };
}

std::string key(const std::string& method, const std::string& pattern) { return method + " " + pattern; }

TEST(RouteMatrix, EveryRouteHasARowAndEveryRowARoute) {
  std::set<std::string> served, covered;
  for (const Route& r : routes()) served.insert(key(r.method, r.pattern));
  for (const MatrixRow& row : rows()) covered.insert(key(row.method, row.pattern));
  for (const std::string& k : served) EXPECT_TRUE(covered.count(k)) << k << ": a route without a row in the isolation matrix";
  for (const std::string& k : covered) EXPECT_TRUE(served.count(k)) << k << ": a row for a route the server does not serve";
}

// The codes a row expects agree with the route's roles: a role outside them gets 403 (401
// without a token), never more. So the table cannot quietly grant what routes() does not.
TEST(RouteMatrix, RowsAgreeWithTheRoutesRoles) {
  std::map<std::string, std::string> roles;
  for (const Route& r : routes()) roles[key(r.method, r.pattern)] = std::string(" ") + r.roles + " ";
  for (const MatrixRow& row : rows()) {
    const std::string& may = roles[key(row.method, row.pattern)];
    for (std::size_t i = 1; i < kRoles.size(); ++i) {
      const std::string role = kRoles[i] == "alpha" || kRoles[i] == "beta" ? "member"
                               : kRoles[i].starts_with("agent")          ? "agent"
                                                                         : kRoles[i];
      if (may == "  ") continue;  // public
      if (may.find(" " + role + " ") == std::string::npos) {
        EXPECT_EQ(row.codes[i], 403) << key(row.method, row.pattern) << " " << kRoles[i];
      }
    }
    if (may != "  ") {
      EXPECT_EQ(row.codes[0], 401) << key(row.method, row.pattern);
    }
  }
}

TEST(RouteMatrix, EveryRouteEveryRoleAgainstAlphasThings) {
  auto cloud = MatrixCloud::open();
  ASSERT_TRUE(cloud);
  int cells = 0;
  for (const MatrixRow& row : rows()) {
    for (std::size_t i = 0; i < kRoles.size(); ++i) {
      const std::string role = kRoles[i];
      for (const std::string& as : role == "none" ? std::vector<std::string>{"none", "forged"} : std::vector<std::string>{role}) {
        const MatrixRequest req = row.make(*cloud);
        const std::uint64_t before = cloud->digest();
        const MatrixAnswer a = cloud->call(req, as);
        const std::string where = as + " " + req.method + " " + req.target + " (" + row.what + ")";
        ++cells;
        EXPECT_EQ(a.status, row.codes[i]) << where << ": " << a.body;
        if (a.status >= 400) {
          EXPECT_EQ(cloud->digest(), before) << where << ": refused, yet the state changed";
          EXPECT_NE(a.content_type.find("problem+json"), std::string::npos) << where;
        }
        if (as == "beta" && a.status < 300) {  // what beta sees holds nothing of alpha's
          for (const std::string& secret : cloud->alpha_markers())
            EXPECT_EQ(a.body.find(secret), std::string::npos) << where << " shows beta '" << secret << "': " << a.body;
        }
      }
    }
  }
  EXPECT_GE(cells, 8 * 36);
}

// The lists, looked at closely: beta's answers name none of alpha's jobs, tenants or
// reservations; alpha's do.
TEST(RouteMatrix, ListsShowOnlyOnesOwnTenants) {
  auto cloud = MatrixCloud::open();
  ASSERT_TRUE(cloud);
  auto ids = [](const MatrixAnswer& a, const char* list, const char* field) {
    std::set<std::string> out;
    for (const Json& j : a.json[list]) out.insert(j[field].is_string() ? j[field].get<std::string>() : j[field].dump());
    return out;
  };
  const MatrixAnswer beta_jobs = cloud->call(get("/v1/jobs?limit=1000"), "beta");
  const MatrixAnswer alpha_jobs = cloud->call(get("/v1/jobs?limit=1000"), "alpha");
  ASSERT_EQ(beta_jobs.status, 200);
  for (const std::string& id : {cloud->running_job(), cloud->ended_job(), cloud->sub_job()}) {
    EXPECT_TRUE(ids(alpha_jobs, "jobs", "id").count(id)) << id;
    EXPECT_FALSE(ids(beta_jobs, "jobs", "id").count(id)) << id;
  }
  EXPECT_TRUE(ids(beta_jobs, "jobs", "id").count(cloud->beta_job()));
  for (const char* state : {"running", "pending", "cancelled"}) {
    const MatrixAnswer a = cloud->call(get(std::string("/v1/jobs?state=") + state), "beta");
    for (const Json& j : a.json["jobs"]) EXPECT_EQ(j["tenant"], "beta") << state;
  }
  const MatrixAnswer tenants = cloud->call(get("/v1/tenants"), "beta");
  EXPECT_EQ(ids(tenants, "tenants", "name"), std::set<std::string>{"beta"});
  EXPECT_TRUE(ids(cloud->call(get("/v1/tenants"), "alpha"), "tenants", "name").count("alpha-x"));
  const MatrixAnswer res = cloud->call(get("/v1/reservations"), "beta");
  EXPECT_TRUE(ids(res, "reservations", "tenant").empty()) << res.body;
  EXPECT_TRUE(ids(cloud->call(get("/v1/reservations"), "alpha"), "reservations", "tenant").count("alpha"));
  const MatrixAnswer nodes = cloud->call(get("/v1/nodes"), "beta");
  for (const Json& n : nodes.json["nodes"]) EXPECT_FALSE(n.contains("jobs")) << nodes.body;
  // A page's cursor is no way in either: beta paging from alpha's job id sees only beta's.
  const MatrixAnswer paged = cloud->call(get("/v1/jobs?cursor=" + std::to_string(std::stoll(cloud->running_job()) + 1)), "beta");
  for (const Json& j : paged.json["jobs"]) EXPECT_EQ(j["tenant"], "beta");
}

}  // namespace
}  // namespace hexa::testing
