#include <algorithm>

#include "server/api.h"

namespace hexa {

HttpResponse json_response(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

namespace {

const char* title_of(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace

HttpResponse problem(int status, const std::string& detail, const std::string& field) {
  Json j{{"type", "about:blank"}, {"title", title_of(status)}, {"status", status}, {"detail", detail}};
  if (!field.empty()) j["field"] = field;
  HttpResponse r = json_response(status, j);
  r.content_type = "application/problem+json";
  if (status == 401) r.headers.push_back({"WWW-Authenticate", "Bearer"});
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

HttpResponse problem_of(const Status& st) {
  HttpResponse r = problem(http_code(st), st.message());
  if (st.code() == StatusCode::kUnavailable) r.headers.push_back({"Retry-After", "1"});
  return r;
}

Result<Body> Body::parse(const std::string& text, std::vector<std::string> allowed) {
  Body b;
  try {
    b.j_ = Json::parse(text.empty() ? std::string("{}") : text);
  } catch (const Json::exception& e) {
    return Status::Invalid(std::string("body: not valid JSON: ") + e.what());
  }
  if (!b.j_.is_object()) return Status::Invalid("body: must be a JSON object");
  for (const auto& [k, v] : b.j_.items())
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string known;
      for (const std::string& a : allowed) known += (known.empty() ? "" : ", ") + a;
      return Status::Invalid(k + ": unknown field (known: " + known + ")");
    }
  return b;
}

Status Body::get(const char* key, std::string* out) const {
  if (!has(key)) return Status::Ok();
  if (!j_[key].is_string()) return Status::Invalid(std::string(key) + ": must be a string");
  *out = j_[key].get<std::string>();
  return Status::Ok();
}

Status Body::get(const char* key, std::int64_t* out, std::int64_t min, std::int64_t max) const {
  if (!has(key)) return Status::Ok();
  const Json& v = j_[key];
  if (!v.is_number_integer())
    return Status::Invalid(std::string(key) + ": must be an integer");
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(max))
    return Status::Invalid(std::string(key) + ": must be at most " + std::to_string(max));
  std::int64_t x = v.get<std::int64_t>();
  if (x < min || x > max)
    return Status::Invalid(std::string(key) + ": must be between " + std::to_string(min) + " and " + std::to_string(max));
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

Status Body::get(const char* key, std::vector<std::string>* out) const {
  if (!has(key)) return Status::Ok();
  const Json& v = j_[key];
  if (!v.is_array()) return Status::Invalid(std::string(key) + ": must be an array of strings");
  if (v.size() > 4096) return Status::Invalid(std::string(key) + ": at most 4096 items");
  out->clear();
  for (const Json& s : v) {
    if (!s.is_string()) return Status::Invalid(std::string(key) + ": must be an array of strings");
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Status Body::get(const char* key, std::map<std::string, std::string>* out) const {
  if (!has(key)) return Status::Ok();
  const Json& v = j_[key];
  if (!v.is_object()) return Status::Invalid(std::string(key) + ": must be an object of strings");
  if (v.size() > 1024) return Status::Invalid(std::string(key) + ": at most 1024 entries");
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
  if (!who.is("member")) return std::nullopt;
  auto t = core.find_tenant(who.tenant);
  return t ? *t : kNoTenant;  // a member of a tenant that is gone sees nothing
}

bool may_see_tenant(const Core& core, const Principal& who, TenantId t) {
  if (who.is("admin") || who.is("operator")) return true;
  if (!who.is("member")) return false;
  auto scope = scope_of(core, who);
  return *scope != kNoTenant && in_subtree(core, t, *scope);
}

void submit_plan(Host& host, Call& call, Host::PlanFn plan, std::function<HttpResponse(const Outcome&)> on_done) {
  Reply reply = call.reply;
  host.enqueue(std::move(plan), [reply, on_done = std::move(on_done)](const Outcome& o) {
    if (!o.journal.ok()) return reply(problem_of(o.journal));
    for (const auto& r : o.results)
      if (!r.ok()) return reply(problem_of(r.status()));
    reply(on_done(o));
  });
}

}  // namespace hexa
