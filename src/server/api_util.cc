#include <algorithm>
#include <charconv>

#include "server/api.h"

namespace hexa {

HttpResponse json_response(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

HttpResponse text_response(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}


HttpResponse problem(int status, const std::string& detail, const std::string& field) {
  Json j{{"type", "about:blank"}, {"title", http_reason(status)}, {"status", status}, {"detail", detail}};
  if (!field.empty()) j["field"] = field;
  HttpResponse r = json_response(status, j);
  r.content_type = "application/problem+json";
  if (status == 401) r.headers.push_back({"WWW-Authenticate", "Bearer"});
  if (status == 503) r.headers.push_back({"Retry-After", "1"});
  return r;
}

int http_code(const Status& st) {
  switch (st.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalid: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kUnavailable: return 503;
  }
  return 500;
}

HttpResponse problem_of(const Status& st, const std::string& field) { return problem(http_code(st), st.message(), field); }

HttpResponse bad_body(const Status& st) {
  const std::string& m = st.message();
  std::size_t colon = m.find(':');
  std::string field = colon == std::string::npos ? "" : m.substr(0, colon);
  if (field.find(' ') != std::string::npos || field == "body") field.clear();
  return problem_of(st, field);
}

Result<Body> Body::parse(const std::string& text, const std::vector<std::string>& allowed) {
  Body b;
  b.j_ = Json::parse(text.empty() ? std::string("{}") : text, nullptr, false);
  if (b.j_.is_discarded()) return Status::Invalid("body: not valid JSON");
  if (!b.j_.is_object()) return Status::Invalid("body: must be a JSON object");
  for (const auto& [k, v] : b.j_.items())
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string known;
      for (const std::string& a : allowed) known += (known.empty() ? "" : ", ") + a;
      return Status::Invalid(k + ": unknown field (known: " + known + ")");
    }
  return b;
}

Status Body::require(const char* key) const {
  return has(key) ? Status::Ok() : Status::Invalid(std::string(key) + ": required");
}

Status Body::get(const char* key, std::string* out, std::size_t max_len) const {
  if (!has(key)) return Status::Ok();
  if (!j_[key].is_string()) return Status::Invalid(std::string(key) + ": must be a string");
  std::string v = j_[key].get<std::string>();
  if (v.size() > max_len) return Status::Invalid(std::string(key) + ": at most " + std::to_string(max_len) + " bytes");
  *out = std::move(v);
  return Status::Ok();
}

Status Body::get(const char* key, std::int64_t* out, std::int64_t min, std::int64_t max) const {
  if (!has(key)) return Status::Ok();
  const Json& v = j_[key];
  const std::string range = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (!v.is_number_integer()) return Status::Invalid(std::string(key) + ": must be " + range);
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    return Status::Invalid(std::string(key) + ": must be " + range);
  std::int64_t x = v.get<std::int64_t>();
  if (x < min || x > max) return Status::Invalid(std::string(key) + ": must be " + range);
  *out = x;
  return Status::Ok();
}

Status Body::get(const char* key, int* out, int min, int max) const {
  std::int64_t x = *out;
  if (Status st = get(key, &x, min, max); !st.ok()) return st;
  *out = static_cast<int>(x);
  return Status::Ok();
}

Status Body::get(const char* key, bool* out) const {
  if (!has(key)) return Status::Ok();
  if (!j_[key].is_boolean()) return Status::Invalid(std::string(key) + ": must be true or false");
  *out = j_[key].get<bool>();
  return Status::Ok();
}

Status Body::get(const char* key, std::vector<std::string>* out, std::size_t max_items) const {
  if (!has(key)) return Status::Ok();
  const Json& v = j_[key];
  const std::string rule = std::string(key) + ": must be an array of at most " + std::to_string(max_items) + " strings";
  if (!v.is_array() || v.size() > max_items) return Status::Invalid(rule);
  out->clear();
  for (const Json& s : v) {
    if (!s.is_string()) return Status::Invalid(rule);
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Status Body::get(const char* key, std::map<std::string, std::string>* out) const {
  if (!has(key)) return Status::Ok();
  const Json& v = j_[key];
  if (!v.is_object() || v.size() > 1024)
    return Status::Invalid(std::string(key) + ": must be an object of at most 1024 string values");
  for (const auto& [k, s] : v.items()) {
    if (!s.is_string()) return Status::Invalid(std::string(key) + "." + k + ": must be a string");
    (*out)[k] = s.get<std::string>();
  }
  return Status::Ok();
}

bool in_subtree(const Core& core, TenantId t, TenantId root) {
  for (; t != kNoTenant; t = core.state().tenants[t].parent)
    if (t == root) return true;
  return false;
}

std::optional<TenantId> scope_of(const Core& core, const Principal& who) {
  if (who.is("admin") || who.is("operator")) return std::nullopt;
  if (!who.is("member")) return kNoTenant;
  auto t = core.find_tenant(who.tenant);
  return t ? *t : kNoTenant;  // a member of a tenant that is gone sees nothing
}

bool may_see_tenant(const Core& core, const Principal& who, TenantId t) {
  auto scope = scope_of(core, who);
  if (!scope) return true;
  return *scope != kNoTenant && in_subtree(core, t, *scope);
}

bool may_see_path(const Core& core, const Principal& who, const std::string& path) {
  auto scope = scope_of(core, who);
  if (!scope) return true;
  if (*scope == kNoTenant) return false;
  return path.starts_with(tenant_path(core, *scope));
}

std::optional<std::int64_t> parse_int(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<JobId> parse_job_id(const std::string& s) {
  auto v = parse_int(s);
  if (!v || *v < 0 || *v > std::int64_t{UINT32_MAX}) return std::nullopt;
  return static_cast<JobId>(*v);
}

void submit_plan(Api& api, Call& call, Host::PlanFn plan,
                 std::function<HttpResponse(const Outcome&, const Core&)> on_done) {
  Reply reply = call.reply;
  Host::PlanFn tagged = [plan = std::move(plan), rid = call.request_id](const Core& core) {
    Plan p = plan(core);
    p.x_request_id = rid;  // journaled with its commands, passed in the orders they cause
    return p;
  };
  api.host.enqueue(std::move(tagged), [reply, on_done = std::move(on_done)](const Outcome& o, const Core& core) {
    if (!o.journal.ok()) return reply(problem_of(o.journal, o.field));
    for (const auto& r : o.results)
      if (!r.ok()) return reply(problem_of(r.status()));
    reply(on_done(o, core));
  });
}

}  // namespace hexa
