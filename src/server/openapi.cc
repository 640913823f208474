// The OpenAPI 3.1 document, made from the route table (paths, roles, bodies) and the schemas
// below: the routes the server serves and the document cannot drift apart (a test checks).
#include "server/api.h"

namespace hexa {
namespace {

Json obj(std::initializer_list<std::pair<const char*, Json>> props, std::vector<std::string> required = {}) {
  Json o{{"type", "object"}, {"properties", Json::object()}};
  for (const auto& [k, v] : props) o["properties"][k] = v;
  if (!required.empty()) o["required"] = required;
  return o;
}
Json ref(const char* name) { return Json{{"$ref", std::string("#/components/schemas/") + name}}; }
Json arr(Json items) { return Json{{"type", "array"}, {"items", std::move(items)}}; }
Json t(const char* type) { return Json{{"type", type}}; }
Json nullable(const char* type) { return Json{{"type", Json::array({type, "null"})}}; }
Json strings() { return arr(t("string")); }

Json schemas() {
  Json s;
  s["Problem"] = obj({{"type", t("string")}, {"title", t("string")}, {"status", t("integer")}, {"detail", t("string")},
                      {"field", t("string")}},
                     {"title", "status", "detail"});
  s["JobSubmit"] = obj({{"tenant", t("string")}, {"name", t("string")}, {"gpus", t("integer")}, {"gpu_type", t("string")},
                        {"site", t("string")}, {"time_limit_s", t("integer")}, {"priority", t("integer")},
                        {"preemptible", t("boolean")}, {"slice", t("string")}, {"checkpoint_every_s", t("integer")},
                        {"command", strings()}, {"env", Json{{"type", "object"}, {"additionalProperties", t("string")}}},
                        {"memory_mb", t("integer")}, {"cpus", t("integer")}},
                       {"command"});
  s["JobSubmit"]["additionalProperties"] = false;
  s["Job"] = obj({{"id", t("integer")}, {"name", t("string")}, {"tenant", t("string")},
                  {"state", Json{{"enum", {"pending", "running", "finished", "failed", "cancelled", "timeout", "rejected"}}}},
                  {"reason", t("string")}, {"gpus", t("integer")}, {"gpu_type", nullable("string")}, {"site", nullable("string")},
                  {"slice", nullable("string")}, {"priority", t("integer")}, {"preemptible", t("boolean")},
                  {"time_limit_s", t("integer")}, {"command", strings()}, {"submitted_ms", t("integer")},
                  {"started_ms", nullable("integer")}, {"ended_ms", nullable("integer")}, {"segment", t("integer")},
                  {"restarts", t("integer")}, {"nodes", strings()}, {"gpu_indices", arr(arr(t("integer")))},
                  {"exit_code", nullable("integer")}, {"exit_signal", nullable("integer")}, {"credits_micro", t("integer")},
                  {"run_ms", t("integer")}, {"lost_ms", t("integer")},
                  {"estimated_start_ms", nullable("integer")}, {"estimated_start_note", nullable("string")}},
                 {"id", "tenant", "state", "reason"});
  // GET /v1/jobs/{id} and the archived job: the run segments (server/job_timeline.h).
  s["Job"]["properties"]["segments"] = arr(obj({{"segment", t("integer")}, {"started_ms", t("integer")},
                                                {"ended_ms", nullable("integer")}, {"nodes", strings()}, {"how", t("string")}}));
  s["JobList"] = obj({{"jobs", arr(ref("Job"))}, {"next_cursor", t("string")}}, {"jobs"});
  s["Node"] = obj({{"name", t("string")}, {"site", t("string")}, {"block", t("string")}, {"gpu_type", t("string")},
                   {"gpus", t("integer")}, {"sliced", t("boolean")}, {"free_gpus", t("integer")},
                   {"state", Json{{"enum", {"up", "down", "draining"}}}}, {"agent", t("boolean")},
                   {"heartbeat_age_ms", nullable("integer")}, {"jobs", arr(t("integer"))},
                   {"drain_reason", nullable("string")}, {"drain_deadline_ms", nullable("integer")},
                   {"slices", arr(obj({{"gpu", t("integer")}, {"in_use", strings()}, {"free_slots", t("integer")}}))}},
                  {"name", "state"});
  s["NodeDrain"] = obj({{"reason", t("string")}, {"deadline_s", t("integer")}});
  s["NodeList"] = obj({{"nodes", arr(ref("Node"))}}, {"nodes"});
  Json quota = obj({{"gpu_type", nullable("string")}, {"max_gpus", nullable("integer")}, {"guaranteed_gpus", nullable("integer")},
                    {"borrow_limit", nullable("integer")}, {"max_running", nullable("integer")}, {"max_queued", nullable("integer")}});
  s["Tenant"] = obj({{"name", t("string")}, {"parent", nullable("string")}, {"kind", t("string")}, {"weight", t("integer")},
                     {"running_gpus", t("integer")}, {"running_jobs", t("integer")}, {"pending_jobs", t("integer")},
                     {"quotas", arr(quota)}},
                    {"name"});
  s["TenantList"] = obj({{"tenants", arr(ref("Tenant"))}}, {"tenants"});
  s["TenantAdd"] = obj({{"name", t("string")}, {"parent", t("string")}, {"weight", t("integer")}, {"kind", t("string")},
                        {"quotas", arr(quota)}},
                       {"name"});
  s["Balance"] = obj({{"tenant", t("string")}, {"credits_on", t("boolean")}, {"balance_micro", t("integer")},
                      {"spendable_micro", t("integer")}, {"held_micro", t("integer")}, {"consumed_micro", t("integer")},
                      {"burn_rate_micro_per_h", t("integer")}, {"runway_h", nullable("number")}},
                     {"tenant"});
  s["Statement"] = Json{{"description", "JSON by default; format=csv gives text/csv, format=text text/plain"}, {"type", "object"}};
  s["GrantAdd"] = obj({{"credits_micro", t("integer")}, {"starts_ms", t("integer")}, {"expires_ms", t("integer")},
                       {"id", t("string")}, {"programme", t("string")}},
                      {"credits_micro"});
  s["TopUpAdd"] = obj({{"credits_micro", t("integer")}, {"id", t("string")}, {"note", t("string")}}, {"credits_micro"});
  s["BudgetSet"] = obj({{"period_s", t("integer")}, {"limit_micro", t("integer")}, {"gpu_hours", t("integer")},
                        {"hard", t("boolean")}, {"alerts_pct", arr(t("integer"))}});
  s["PriceSet"] = obj({{"gpu_type", t("string")}, {"site", t("string")}, {"priority", t("integer")},
                       {"micro_per_gpu_hour", t("integer")}, {"preemptible_discount_bps", t("integer")}},
                      {"gpu_type", "site", "micro_per_gpu_hour"});
  s["Price"] = s["PriceSet"];
  s["ReservationAdd"] = obj({{"name", t("string")}, {"tenant", t("string")}, {"site", t("string")}, {"gpu_type", t("string")},
                             {"gpus", t("integer")}, {"slice", t("string")}, {"slices", t("integer")}, {"from_ms", t("integer")},
                             {"to_ms", t("integer")}},
                            {"name", "tenant", "site", "gpu_type", "from_ms", "to_ms"});
  s["Reservation"] = s["ReservationAdd"];
  s["ReservationList"] = obj({{"reservations", arr(ref("Reservation"))}}, {"reservations"});
  s["TokenCreate"] = obj({{"role", Json{{"enum", {"admin", "operator", "member", "agent"}}}}, {"tenant", t("string")},
                          {"node", t("string")}},
                         {"role"});
  s["Token"] = obj({{"id", t("string")}, {"role", t("string")}, {"tenant", nullable("string")}, {"node", nullable("string")},
                    {"created_ms", t("integer")}},
                   {"id", "role"});
  s["TokenCreated"] = s["Token"];
  s["TokenCreated"]["properties"]["token"] = t("string");
  s["TokenList"] = obj({{"tokens", arr(ref("Token"))}}, {"tokens"});
  s["WhoAmI"] = obj({{"role", t("string")}, {"tenant", nullable("string")}, {"node", nullable("string")},
                     {"token_id", t("string")}},
                    {"role"});
  Json ref_list = arr(obj({{"job", t("integer")}, {"segment", t("integer")}}, {"job", "segment"}));
  Json mig_list = arr(obj({{"gpu", t("integer")}, {"uuid", t("string")}, {"profile", t("string")}, {"start", t("integer")},
                           {"size", t("integer")}},
                          {"gpu", "uuid", "profile", "start", "size"}));
  s["AgentRegister"] = obj({{"node", t("string")}, {"gpus", t("integer")}, {"gpu_type", t("string")}, {"running", ref_list},
                            {"gpu_model", t("string")}, {"gpu_uuids", strings()}, {"mig", mig_list}, {"addr", t("string")}},
                           {"node", "gpus", "gpu_type"});
  s["AgentRegistered"] = obj({{"epoch", t("integer")}, {"heartbeat_s", t("integer")}, {"node_grace_ms", t("integer")},
                              {"fence_ms", t("integer")}},
                             {"epoch"});
  s["AgentOrders"] = obj({{"orders", arr(obj({{"kind", Json{{"enum", {"start", "stop"}}}}, {"job", t("integer")},
                                              {"segment", t("integer")}, {"restarts", t("integer")}, {"name", t("string")},
                                              {"tenant", t("string")}, {"command", strings()},
                                              {"env", Json{{"type", "object"}}}, {"gpus", arr(t("integer"))},
                                              {"rank", t("integer")}, {"nodes", strings()}, {"memory_mb", t("integer")},
                                              {"cpus", t("integer")}, {"master_addr", t("string")},
                                              {"master_port", t("integer")}, {"grace_ms", t("integer")},
                                              {"slice", obj({{"profile", t("string")}, {"slots", t("integer")},
                                                             {"uuid", t("string")}},
                                                            {"profile", "slots"})}},
                                             {"kind", "job", "segment"}))}},
                         {"orders"});
  s["AgentReport"] = obj({{"node", t("string")}, {"epoch", t("integer")},
                          {"exits", arr(obj({{"job", t("integer")}, {"segment", t("integer")}, {"exit_code", t("integer")},
                                             {"signal", t("integer")}},
                                            {"job", "segment"}))},
                          {"running", ref_list}, {"checkpoints", ref_list}, {"leaving", t("boolean")}},
                         {"node", "epoch"});
  s["Empty"] = obj({});
  s["AgentLogs"] = obj({{"node", t("string")}, {"epoch", t("integer")}, {"job", t("integer")}, {"segment", t("integer")},
                        {"rank", t("integer")}, {"stream", Json{{"enum", {"stdout", "stderr"}}}}, {"offset", t("integer")},
                        {"data_b64", t("string")}},
                       {"node", "epoch", "job", "segment", "stream", "offset"});
  s["LogSize"] = obj({{"size", t("integer")}}, {"size"});
  s["Overview"] = obj({{"now_ms", t("integer")}, {"sites", arr(t("object"))}, {"queue", arr(t("object"))},
                       {"fair_share", arr(t("object"))}, {"alerts", arr(t("object"))}, {"history", arr(t("object"))},
                       {"power", obj({{"kw", nullable("number")}, {"carbon_kg_per_h", nullable("number")},
                                      {"hour_utc", t("integer")}, {"note", t("string")}})}},
                      {"sites", "queue", "alerts", "history"});
  s["Credits"] = obj({{"tenant", t("string")}, {"credits_on", t("boolean")}, {"grants", arr(t("object"))},
                      {"budget", nullable("object")}},
                     {"tenant", "grants"});
  s["Digest"] = obj({{"digest", t("string")}, {"ledger_total_micro", t("integer")}}, {"digest", "ledger_total_micro"});
  s["OpenApi"] = Json{{"type", "object"}, {"description", "this document"}};
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Json operation(const Route& r) {
  Json op{{"summary", r.summary}, {"responses", Json::object()}};
  op["description"] = *r.roles ? std::string("Roles: ") + r.roles + "." : std::string("No token needed.");
  if (*r.roles) op["security"] = Json::array({Json{{"bearer", Json::array()}}});
  Json params = Json::array();
  std::string p = r.pattern;
  for (std::size_t at = p.find('{'); at != std::string::npos; at = p.find('{', at + 1))
    params.push_back({{"name", p.substr(at + 1, p.find('}', at) - at - 1)}, {"in", "path"}, {"required", true},
                      {"schema", t("string")}});
  if (!params.empty()) op["parameters"] = params;
  if (*r.request)
    op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", ref(r.request)}}}}}};
  Json ok{{"description", "success"}};
  ok["content"] = *r.response ? Json{{"application/json", {{"schema", ref(r.response)}}}}
                              : Json{{"text/plain", {{"schema", t("string")}}}};
  op["responses"][std::string(r.method) == "POST" && *r.request ? "201" : "200"] = ok;
  Json problem{{"description", "RFC 9457 problem"}, {"content", {{"application/problem+json", {{"schema", ref("Problem")}}}}}};
  for (const char* code : {"400", "401", "403", "404", "409", "413", "503"}) op["responses"][code] = problem;
  return op;
}

}  // namespace

std::string openapi_document() {
  Json doc{{"openapi", "3.1.0"},
           {"info", {{"title", "Hexagone API"}, {"version", "1"}, {"description", "The control plane of a multi-site GPU cloud: "
                                                                                  "jobs, nodes, tenants, credits, tokens, agents."}}},
           {"paths", Json::object()},
           {"components", {{"schemas", schemas()}, {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
  for (const Route& r : routes()) doc["paths"][r.pattern][lower(r.method)] = operation(r);
  return doc.dump();
}

}  // namespace hexa
