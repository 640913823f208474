// Routing, authentication and role checks, in one place for every route.
#include <chrono>

#include "net/log.h"
#include "server/api.h"
#include "server/request_id.h"
#include "server/rate_limit.h"

namespace hexa {
namespace {

// Matches "/v1/jobs/{id}" against a path; fills the {parameters}.
bool match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>* params) {
  std::size_t i = 0, j = 0;
  while (i < pattern.size() && j < path.size()) {
    if (pattern[i] == '{') {
      std::size_t close = pattern.find('}', i);
      std::size_t end = path.find('/', j);
      if (end == std::string::npos) end = path.size();
      if (end == j) return false;
      (*params)[pattern.substr(i + 1, close - i - 1)] = path.substr(j, end - j);
      i = close + 1, j = end;
    } else if (pattern[i++] != path[j++]) {
      return false;
    }
  }
  return i == pattern.size() && j == path.size();
}

// 429 with Retry-After (seconds) and a problem that names the limit (docs/server.md, Rate limits).
HttpResponse too_many(const RateLimiter& limiter, int retry_after_s) {
  const std::string n = std::to_string(limiter.per_s());
  HttpResponse r = problem(429, "rate limit: at most " + n + " requests per second per token (bursts of " +
                                    std::to_string(limiter.burst()) + "; without a token, per address); retry after " +
                                    std::to_string(retry_after_s) + " s");
  Json j = Json::parse(r.body);
  j["rate_limit_per_s"] = limiter.per_s();
  r.body = j.dump();
  r.headers.push_back({"Retry-After", std::to_string(retry_after_s)});
  return r;
}

struct RequestLine {
  std::string method, path, peer;
};

// One log line per answer (docs/observability.md), but not the agents' routine traffic: their
// polls, reports and log chunks answered 2xx would be most of the log. Never a header: tokens.
void log_request(const RequestLine& l, const std::string& route, const std::string& rid, int status,
                 std::chrono::steady_clock::time_point t0) {
  if (route.starts_with("/v1/agent/") && status < 300) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  log_event("hexa serve", status >= 500 ? "error" : "info", "request",
            {{"request_id", rid}, {"method", l.method}, {"path", l.path}, {"route", route}, {"status", status},
             {"duration_us", static_cast<std::int64_t>(us)}, {"peer", l.peer}});
}

bool allowed(const char* roles, const Principal& who) {
  std::string list = std::string(" ") + roles + " ";
  return list.find(" " + who.role + " ") != std::string::npos;
}

}  // namespace

void serve_request(Api& api, HttpRequest req, Reply reply) {
  const std::string path = req.path();
  const Route* route = nullptr;
  bool path_known = false;
  std::map<std::string, std::string> params;
  for (const Route& r : routes()) {
    std::map<std::string, std::string> p;
    if (!match(r.pattern, path, &p)) continue;
    path_known = true;
    if (req.method == r.method) {
      route = &r;
      params = std::move(p);
      break;
    }
  }
  ServerMetrics& metrics = api.host.metrics();
  std::string name = route ? route->pattern : "unmatched";
  const auto rid_header = req.headers.find("x-request-id");
  const Status rid_ok = rid_header == req.headers.end() ? Status::Ok() : check_request_id(rid_header->second);
  const auto& make_id = api.host.options().request_ids;
  std::string rid = rid_header != req.headers.end() && rid_ok.ok() ? rid_header->second
                    : make_id                                       ? make_id()
                                                                    : new_request_id();
  // Every answer is counted under its route's pattern (never the raw path: ids would explode it),
  // carries the request id, and is logged with it.
  Reply counted = [reply = std::move(reply), name, &metrics, rid, line = RequestLine{req.method, path, req.peer},
                   t0 = std::chrono::steady_clock::now(), &host = api.host](HttpResponse r) {
    metrics.count_request(name, r.status);
    r.headers.push_back({"X-Request-Id", rid});
    add_replica_headers(host, r);
    log_request(line, name, rid, r.status, t0);
    reply(std::move(r));
  };
  std::optional<Principal> who;
  if (route && *route->roles) who = authenticate(api, req.header("authorization"));
  // Before the role checks, so that a flood of refused requests is limited too: by its token
  // when it is valid, else by its address (public routes, unknown routes, bad tokens). Not
  // agents: their pace is their jobs' output (chunks as fast as the server takes them), and a
  // 429 there would hold up their heartbeats until the node is counted lost.
  if (api.rate && !(who && who->is("agent")))
    if (int wait_s = api.rate->admit(rate_key(who ? who->token_id : "", req.peer)); wait_s > 0)
      return counted(too_many(*api.rate, wait_s));
  if (!rid_ok.ok()) return counted(problem(400, rid_ok.message(), "X-Request-Id"));
  if (!route) {
    if (path_known) return counted(problem(405, req.method + " is not allowed on " + path));
    return counted(problem(404, "no route " + path));
  }
  if (auto elsewhere = follower_answer(api, req, *route)) return counted(std::move(*elsewhere));  // replicas
  Call call{std::move(req), std::move(who), std::move(params), std::move(counted), name, std::move(rid)};
  if (*route->roles) {
    if (!call.who) return call.reply(problem(401, "a valid bearer token is required (Authorization: Bearer hexa_...)"));
    if (!allowed(route->roles, *call.who))
      return call.reply(problem(403, "role " + call.who->role + " may not " + route->summary));
  }
  route->handle(api, call);
}

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"POST", "/v1/jobs", "submit a job", "admin member", post_job, "JobSubmit", "Job"},
      {"GET", "/v1/jobs", "list jobs", "admin operator member", get_jobs, "", "JobList"},
      {"GET", "/v1/jobs/{id}", "read a job", "admin operator member", get_job, "", "Job"},
      {"DELETE", "/v1/jobs/{id}", "cancel a job", "admin operator member", delete_job, "", "Job"},
      {"GET", "/v1/jobs/{id}/logs", "read a job's output", "admin operator member", get_job_logs, "", ""},
      {"GET", "/v1/nodes", "list nodes", "admin operator member", get_nodes, "", "NodeList"},
      {"POST", "/v1/nodes/{name}/drain", "drain a node", "admin operator", post_node_drain, "NodeDrain", "Node"},
      {"POST", "/v1/nodes/{name}/resume", "resume a node", "admin operator", post_node_resume, "", "Node"},
      {"GET", "/v1/tenants", "list tenants", "admin operator member", get_tenants, "", "TenantList"},
      {"POST", "/v1/tenants", "add a tenant", "admin", post_tenant, "TenantAdd", "Tenant"},
      {"GET", "/v1/tenants/{t}/balance", "read a tenant's credits", "admin member", get_balance, "", "Balance"},
      {"GET", "/v1/tenants/{t}/statement", "read a tenant's statement", "admin member", get_statement, "", "Statement"},
      {"POST", "/v1/tenants/{t}/grants", "add a grant", "admin", post_grant, "GrantAdd", "Balance"},
      {"POST", "/v1/tenants/{t}/topups", "add a top-up", "admin", post_topup, "TopUpAdd", "Balance"},
      {"POST", "/v1/tenants/{t}/budget", "set a budget", "admin", post_budget, "BudgetSet", "Balance"},
      {"POST", "/v1/prices", "set a price", "admin", post_price, "PriceSet", "Price"},
      {"POST", "/v1/reservations", "add a reservation", "admin", post_reservation, "ReservationAdd", "Reservation"},
      {"GET", "/v1/reservations", "list reservations", "admin operator member", get_reservations, "", "ReservationList"},
      {"POST", "/v1/tokens", "create a token", "admin", post_token, "TokenCreate", "TokenCreated"},
      {"GET", "/v1/tokens", "list tokens", "admin", get_tokens, "", "TokenList"},
      {"DELETE", "/v1/tokens/{id}", "delete a token", "admin", delete_token, "", "Token"},
      {"GET", "/v1/whoami", "read who the token is", "admin operator member agent", get_whoami, "", "WhoAmI"},
      {"POST", "/v1/agent/register", "register a node's agent", "admin agent", post_agent_register, "AgentRegister",
       "AgentRegistered"},
      {"GET", "/v1/agent/orders", "wait for a node's orders", "admin agent", get_agent_orders, "", "AgentOrders"},
      {"POST", "/v1/agent/report", "report exits and heartbeat", "admin agent", post_agent_report, "AgentReport",
       "Empty"},
      {"POST", "/v1/agent/logs", "append a job's output", "admin agent", post_agent_logs, "AgentLogs", "LogSize"},
      {"GET", "/v1/overview", "read the console's overview", "admin operator member", get_overview, "", "Overview"},
      {"GET", "/v1/tenants/{t}/credits", "read a tenant's grants and budget", "admin member", get_tenant_credits, "",
       "Credits"},
      {"GET", "/v1/debug/digest", "read the core's state digest", "admin", get_digest, "", "Digest"},
      {"GET", "/healthz", "check the process is up", "", get_healthz, "", ""},
      {"GET", "/readyz", "check the server is ready", "", get_readyz, "", ""},
      {"GET", "/metrics", "read Prometheus metrics", "", get_metrics, "", ""},
      {"GET", "/openapi.json", "read this API's OpenAPI document", "", get_openapi, "", "OpenApi"},
      {"GET", "/", "read the web console", "", get_console, "", ""},
      {"GET", "/assets/{file}", "read a file of the web console", "", get_console_asset, "", ""},
  };
  return table;
}

}  // namespace hexa
