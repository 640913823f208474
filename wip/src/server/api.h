// The REST API (docs/server.md, Routes): one route table that both the router and the OpenAPI
// document are made from. Handlers turn requests into plans for the core thread (writes) or
// read the core under the shared lock (reads).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http.h"
#include "server/host.h"
#include "server/tokens.h"

namespace hexa {

using Json = nlohmann::json;

// What a handler gets: the request, who asks, the path's {parameters}, and how to answer.
struct Call {
  HttpRequest req;
  std::optional<Principal> who;
  std::map<std::string, std::string> params;
  Reply reply;
  std::string route;  // the pattern, for metrics
};

struct Route {
  const char* method;
  const char* pattern;  // "/v1/jobs/{id}"
  const char* summary;
  bool needs_token;
  void (*handle)(Host& host, Call& call);
};

const std::vector<Route>& routes();
std::string openapi_document();

// The server's HTTP handler: authentication, routing, problem+json, metrics.
void serve_request(Host& host, HttpRequest req, Reply reply);

// --- helpers shared by the handlers (api_util.cc)
HttpResponse json_response(int status, const Json& body);
HttpResponse problem(int status, const std::string& detail, const std::string& field = "");
HttpResponse problem_of(const Status& st);  // Invalid 400, NotFound 404, Conflict 409, Unavailable 503
int http_code(const Status& st);

// A JSON object body whose keys must all be among `allowed`. Errors name the field and rule.
class Body {
 public:
  static Result<Body> parse(const std::string& text, std::vector<std::string> allowed);
  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
  Status get(const char* key, std::string* out) const;
  Status get(const char* key, std::int64_t* out, std::int64_t min, std::int64_t max) const;
  Status get(const char* key, int* out, int min, int max) const;
  Status get(const char* key, bool* out) const;
  Status get(const char* key, std::vector<std::string>* out) const;
  Status get(const char* key, std::map<std::string, std::string>* out) const;
  const Json& json() const { return j_; }

 private:
  Json j_;
};

// Whether tenant `t` is `root` or below it.
bool in_subtree(const Core& core, TenantId t, TenantId root);
// The tenant a principal may see things of: a member's own; nullopt = every tenant.
// REQUIRES: read lock. Answers NotFound when a member's tenant is gone.
std::optional<TenantId> scope_of(const Core& core, const Principal& who);
bool may_see_tenant(const Core& core, const Principal& who, TenantId t);

// Job views (api_jobs.cc). REQUIRES: read lock.
const char* job_state(const Job& j);
Json job_json(const Host& host, const Core& core, JobId id);

// Route handlers, by file.
void get_jobs(Host&, Call&);
void post_job(Host&, Call&);
void get_job(Host&, Call&);
void delete_job(Host&, Call&);
void get_job_logs(Host&, Call&);
void get_nodes(Host&, Call&);
void post_node_drain(Host&, Call&);
void post_node_resume(Host&, Call&);
void get_tenants(Host&, Call&);
void post_tenant(Host&, Call&);
void get_balance(Host&, Call&);
void get_statement(Host&, Call&);
void post_grant(Host&, Call&);
void post_topup(Host&, Call&);
void post_price(Host&, Call&);
void post_budget(Host&, Call&);
void post_reservation(Host&, Call&);
void post_token(Host&, Call&);
void get_tokens(Host&, Call&);
void delete_token(Host&, Call&);
void post_agent_register(Host&, Call&);
void get_agent_orders(Host&, Call&);
void post_agent_report(Host&, Call&);
void post_agent_logs(Host&, Call&);
void get_healthz(Host&, Call&);
void get_readyz(Host&, Call&);
void get_metrics(Host&, Call&);
void get_openapi(Host&, Call&);
void get_digest(Host&, Call&);

// Sends `commands` through the core thread; answers with on_done(outcome) once durable, or
// the first refusal as problem+json.
void submit_plan(Host& host, Call& call, Host::PlanFn plan, std::function<HttpResponse(const Outcome&)> on_done);

}  // namespace hexa
