#include "server/route_matrix.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

// A token straight into the book and the journal (before the core thread starts).
std::string add_token(Host& host, TokenBook& book, const std::string& id, const std::string& role, const std::string& tenant,
                      const std::string& node) {
  TokenRecord t;
  const std::string secret = new_token_secret();
  t.id = id, t.role = role, t.tenant = tenant, t.node = node, t.hash = sha256_hex(secret), t.created = 0;
  if (!host.journal().put_token(t).ok()) return "";
  book.add(t);
  return secret;
}

}  // namespace

std::unique_ptr<MatrixCloud> MatrixCloud::open() {
  std::unique_ptr<MatrixCloud> c(new MatrixCloud());
  char tmpl[] = "/tmp/hexa-matrix-XXXXXX";
  if (!::mkdtemp(tmpl)) return ADD_FAILURE() << "mkdtemp", nullptr;
  c->dir_ = tmpl;
  std::ofstream(c->dir_ + "/cloud.yaml") << small_cloud(2, 2);
  auto cloud = load_cloud(c->dir_ + "/cloud.yaml");
  if (!cloud.ok()) return ADD_FAILURE() << cloud.status().message(), nullptr;
  c->cloud_ = std::move(cloud).value();
  HostOptions opt;
  opt.node_grace = 600 * kSecond;  // n1 is registered by hand and never beats: never lost here
  opt.defaults.time_limit = 3600 * kSecond;  // as hexa serve: credits need one
  auto host = Host::open(c->cloud_, c->dir_ + "/state", opt);
  if (!host.ok()) return ADD_FAILURE() << host.status().message(), nullptr;
  c->host_ = std::move(host).value();
  const std::vector<std::vector<std::string>> tokens = {{"admin", "admin", "", ""},       {"operator", "operator", "", ""},
                                                        {"alpha", "member", "alpha", ""}, {"beta", "member", "beta", ""},
                                                        {"agent-n0", "agent", "", "n0"},  {"agent-n1", "agent", "", "n1"}};
  for (const auto& t : tokens) {
    c->secrets_[t[0]] = add_token(*c->host_, c->tokens_, "tok-" + t[0], t[1], t[2], t[3]);
    if (c->secrets_[t[0]].empty()) return ADD_FAILURE() << "token " << t[0], nullptr;
  }
  c->api_.reset(new Api{*c->host_, c->tokens_});
  c->host_->start();
  c->api_->ready = true;
  if (!c->setup()) return nullptr;
  return c;
}

MatrixCloud::~MatrixCloud() {
  if (host_) host_->stop();
  host_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

MatrixAnswer MatrixCloud::call(const MatrixRequest& req, const std::string& role) {
  HttpRequest r;
  r.method = req.method, r.target = req.target, r.peer = "127.0.0.1:40000";
  if (!req.body.is_null()) r.body = req.body.dump(), r.headers["content-type"] = "application/json";
  if (role == "forged") r.headers["authorization"] = "Bearer " + new_token_secret();
  else if (role != "none") r.headers["authorization"] = "Bearer " + secrets_.at(role);
  auto done = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> answer = done->get_future();
  serve_request(*api_, std::move(r), [done](HttpResponse resp) { done->set_value(std::move(resp)); });
  MatrixAnswer a;
  if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return ADD_FAILURE() << "no answer", a;
  HttpResponse resp = answer.get();
  a.status = resp.status, a.body = resp.body, a.content_type = resp.content_type, a.headers = resp.headers;
  a.json = Json::parse(a.body, nullptr, false);
  if (a.json.is_discarded()) a.json = nullptr;
  return a;
}

void MatrixCloud::admin_first(const std::string& method, const std::string& target) {
  (void)call({method, target, nullptr}, "admin");
}

bool MatrixCloud::setup() {
  auto must = [this](const MatrixRequest& req, const std::string& role, int want) {
    MatrixAnswer a = call(req, role);
    if (a.status != want) ADD_FAILURE() << "setup: " << role << " " << req.method << " " << req.target << ": " << a.status << " " << a.body;
    return a;
  };
  must({"POST", "/v1/tenants", {{"name", "alpha"}}}, "admin", 201);
  must({"POST", "/v1/tenants", {{"name", "alpha-x"}, {"parent", "alpha"}}}, "admin", 201);
  must({"POST", "/v1/tenants", {{"name", "beta"}}}, "admin", 201);
  for (const char* t : {"alpha", "beta"})
    must({"POST", std::string("/v1/tenants/") + t + "/grants", {{"credits_micro", 1'000'000'000}}}, "admin", 201);
  if (must({"POST", "/v1/agent/register", {{"node", "n1"}, {"gpus", 2}, {"gpu_type", "gpu"}}}, "admin", 200).status != 200) return false;
  const Json secret_job = {{"tenant", "alpha"}, {"name", "alpha-secret-job"}, {"gpus", 1},
                           {"command", {"echo", "alpha-argv-marker"}}, {"env", {{"ALPHA_KEY", "alpha-env-marker"}}}};
  MatrixAnswer run = must({"POST", "/v1/jobs", secret_job}, "alpha", 201);
  if (run.status != 201) return false;
  running_ = std::to_string(run.json["id"].get<std::int64_t>());
  for (int i = 0; i < 200; ++i) {  // started by the next scheduling pass
    MatrixAnswer j = call({"GET", "/v1/jobs/" + running_, nullptr}, "admin");
    if (j.json.is_object() && j.json["state"] == "running") {
      segment_ = j.json["segment"].get<int>();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (segment_ == 0) return ADD_FAILURE() << "alpha's job never ran on n1", false;
  ended_ = fresh_job();
  must({"DELETE", "/v1/jobs/" + ended_, nullptr}, "alpha", 200);
  MatrixAnswer sub = must({"POST", "/v1/jobs", {{"tenant", "alpha-x"}, {"gpus", 2}, {"command", {"true"}}}}, "alpha", 201);
  MatrixAnswer beta = must({"POST", "/v1/jobs", {{"gpus", 2}, {"command", {"true"}}}}, "beta", 201);
  if (sub.status != 201 || beta.status != 201) return false;
  sub_ = std::to_string(sub.json["id"].get<std::int64_t>());
  beta_ = std::to_string(beta.json["id"].get<std::int64_t>());
  must({"POST", "/v1/reservations", reservation_body("alpha-res")}, "admin", 201);
  return !::testing::Test::HasFailure();
}

std::string MatrixCloud::fresh_job() {
  MatrixAnswer a = call({"POST", "/v1/jobs", {{"tenant", "alpha"}, {"gpus", 2}, {"command", {"true"}}}}, "alpha");
  if (a.status != 201) return ADD_FAILURE() << "submit: " << a.body, "0";
  return std::to_string(a.json["id"].get<std::int64_t>());
}

std::string MatrixCloud::spare_token() {
  MatrixAnswer a = call({"POST", "/v1/tokens", {{"role", "member"}, {"tenant", "alpha"}}}, "admin");
  if (a.status != 201) return ADD_FAILURE() << "token: " << a.body, "tok-none";
  return a.json["id"];
}

std::string MatrixCloud::unique(const std::string& prefix) { return prefix + "-" + std::to_string(++counter_); }

std::vector<std::string> MatrixCloud::alpha_markers() const {
  return {"\"alpha\"", "alpha-x", "alpha-res", "alpha-secret-job", "alpha-argv-marker", "alpha-env-marker", "ALPHA_KEY"};
}

Json MatrixCloud::running_refs() const { return Json::array({{{"job", std::stoll(running_)}, {"segment", segment_}}}); }

Json MatrixCloud::register_body() const {
  return {{"node", "n1"}, {"gpus", 2}, {"gpu_type", "gpu"}, {"running", running_refs()}};
}

std::int64_t MatrixCloud::epoch() {
  MatrixAnswer a = call({"POST", "/v1/agent/register", register_body()}, "admin");
  if (a.status != 200) return ADD_FAILURE() << "register: " << a.body, 0;
  return a.json["epoch"].get<std::int64_t>();
}

Json MatrixCloud::report_body() { return {{"node", "n1"}, {"epoch", epoch()}, {"running", running_refs()}}; }

Json MatrixCloud::log_body() {
  return {{"node", "n1"}, {"epoch", epoch()}, {"job", std::stoll(running_)}, {"segment", segment_},
          {"stream", "stdout"}, {"offset", 0}, {"data_b64", ""}};
}

Json MatrixCloud::reservation_body(const std::string& name) const {
  return {{"name", name}, {"tenant", "alpha"}, {"site", "site0"}, {"gpu_type", "gpu"}, {"gpus", 1},
          {"from_ms", 4102444800000}, {"to_ms", 4102448400000}};
}

}  // namespace hexa::testing
