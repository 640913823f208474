// The REST API (docs/server.md, Routes): one route table that the router, the role checks and
// the OpenAPI document are all made from. Writes become plans for the core thread; reads take
// the core's shared lock. Included by the server's route files only (nlohmann/json is heavy).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http.h"
#include "server/host.h"
#include "server/rate_limit.h"
#include "server/tokens.h"
#include "server/util_history.h"

namespace hexa {

using Json = nlohmann::json;

// What the handlers work with.
struct Api {
  Host& host;
  TokenBook& tokens;
  std::atomic<bool> ready{false};
  RateLimiter* rate = nullptr;  // per-token request limits (hexa serve --rate-limit); null: none
  UtilHistory* history = nullptr;  // utilisation sampled once a minute, for GET /v1/overview; null: none
  std::atomic<TimeMs> tokens_loaded_ms{0};  // a follower's last reload of the tokens (replica_routes.cc)
};

// What a handler gets: the request, who asks, the path's {parameters}, and how to answer.
struct Call {
  HttpRequest req;
  std::optional<Principal> who;
  std::map<std::string, std::string> params;
  Reply reply;
  std::string route;  // the pattern, for metrics
  std::string request_id;  // X-Request-Id (server/request_id.h): journaled with its commands, in its orders
};

struct Route {
  const char* method;
  const char* pattern;  // "/v1/jobs/{id}"
  const char* summary;
  const char* roles;    // who may call it: "admin operator member agent"; "" = no token needed
  void (*handle)(Api& api, Call& call);
  const char* request;   // the request body's schema name in the OpenAPI document ("" = none)
  const char* response;  // the 2xx answer's schema name ("" = text)
};

const std::vector<Route>& routes();
// OpenAPI 3.1, from routes() and the schemas (server/openapi.cc).
std::string openapi_document();

// --- replicas (replica_routes.cc, docs/server.md, Replicas)
// A follower's answer to what it does not serve itself: writes and the agents' routes go to the
// leader (307 + Location), or 503 while none is live. nullopt: serve it here.
std::optional<HttpResponse> follower_answer(const Api& api, const HttpRequest& req, const Route& route);
// X-Hexa-Role, X-Hexa-Leader, X-Hexa-Behind-Rows on every answer of a replicated server.
void add_replica_headers(const Host& host, HttpResponse& r);
// The token's principal; a follower reloads the tokens the leader wrote (on a miss, or every
// few seconds: deletions) at most once a second.
std::optional<Principal> authenticate(Api& api, const std::string& authorization);

// The server's HTTP handler: authentication, routing, role checks, problem+json, metrics.
void serve_request(Api& api, HttpRequest req, Reply reply);

// --- answers (api_util.cc)
HttpResponse json_response(int status, const Json& body);
HttpResponse text_response(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
// RFC 9457 problem+json: {"type", "title", "status", "detail", "field"?}.
HttpResponse problem(int status, const std::string& detail, const std::string& field = "");
HttpResponse problem_of(const Status& st, const std::string& field = "");  // 400, 404, 409, 503
int http_code(const Status& st);

// A JSON object body whose keys must all be among `allowed`. Errors name the field and rule.
class Body {
 public:
  static Result<Body> parse(const std::string& text, const std::vector<std::string>& allowed);
  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
  Status get(const char* key, std::string* out, std::size_t max_len = 256) const;
  Status get(const char* key, std::int64_t* out, std::int64_t min, std::int64_t max) const;
  Status get(const char* key, int* out, int min, int max) const;
  Status get(const char* key, bool* out) const;
  Status get(const char* key, std::vector<std::string>* out, std::size_t max_items = 4096) const;
  Status get(const char* key, std::map<std::string, std::string>* out) const;
  Status require(const char* key) const;
  const Json& json() const { return j_; }

 private:
  Json j_;
};
// Answers a bad body: the field of "field: rule" messages goes into the problem's `field`.
HttpResponse bad_body(const Status& st);

// --- who sees what (api_util.cc). REQUIRES: read lock (inside Host::read) or core thread.
bool in_subtree(const Core& core, TenantId t, TenantId root);
// The tenant whose subtree a principal sees: a member's own (kNoTenant when it is gone);
// nullopt = every tenant (admin, operator).
std::optional<TenantId> scope_of(const Core& core, const Principal& who);
bool may_see_tenant(const Core& core, const Principal& who, TenantId t);
// The same for an archived job's tenant path.
bool may_see_path(const Core& core, const Principal& who, const std::string& tenant_path);
// "JOB": a job id, or nullopt.
std::optional<JobId> parse_job_id(const std::string& s);
std::optional<std::int64_t> parse_int(const std::string& s);

// Sends a plan through the core thread; answers `on_done(outcome, core)` once durable, or
// the first refusal as problem+json.
void submit_plan(Api& api, Call& call, Host::PlanFn plan, std::function<HttpResponse(const Outcome&, const Core&)> on_done);

// Route handlers, by file.
void post_job(Api&, Call&);     // routes_jobs.cc
void get_jobs(Api&, Call&);
void get_job(Api&, Call&);
void delete_job(Api&, Call&);
void get_job_logs(Api&, Call&);  // routes_logs.cc
void get_nodes(Api&, Call&);     // routes_nodes.cc
void post_node_drain(Api&, Call&);
void post_node_resume(Api&, Call&);
void get_tenants(Api&, Call&);   // routes_tenants.cc
void post_tenant(Api&, Call&);
void get_balance(Api&, Call&);   // routes_money.cc
void get_statement(Api&, Call&);
void post_grant(Api&, Call&);
void post_topup(Api&, Call&);
void post_price(Api&, Call&);
void post_budget(Api&, Call&);
void post_reservation(Api&, Call&);  // routes_tenants.cc
void get_reservations(Api&, Call&);
void post_token(Api&, Call&);    // routes_tokens.cc
void get_tokens(Api&, Call&);
void delete_token(Api&, Call&);
void get_whoami(Api&, Call&);
void post_agent_register(Api&, Call&);  // routes_agent.cc
void get_agent_orders(Api&, Call&);
void post_agent_report(Api&, Call&);
void post_agent_logs(Api&, Call&);
void get_healthz(Api&, Call&);   // routes_ops.cc
void get_readyz(Api&, Call&);
void get_metrics(Api&, Call&);
void get_openapi(Api&, Call&);
void get_digest(Api&, Call&);
void get_console(Api&, Call&);        // routes_console.cc: the web console's files
void get_console_asset(Api&, Call&);
void get_overview(Api&, Call&);       // routes_overview.cc: the console's aggregates
void get_tenant_credits(Api&, Call&);
// One sample of utilisation and queue length (UtilHistory), at wall-clock `wall`. REQUIRES: read lock.
UtilSample take_util_sample(const Core& core, TimeMs wall);

}  // namespace hexa
