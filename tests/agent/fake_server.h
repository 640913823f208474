// An in-memory stand-in for `hexa serve`'s agent routes, and an HttpClient that talks to it:
// the agent's tests drive the real loop against it, without a network. It records every
// request, answers as the server would (epochs, long polls, logs by offset, exits), and can be
// scripted to answer otherwise (503, 400, no answer at all).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/base64.h"
#include "net/http.h"

namespace hexa::testing {

using Json = nlohmann::json;

struct SeenRequest {
  std::size_t seq = 0;        // in the order they were answered
  std::string method, path, target;
  std::map<std::string, std::string> query;
  Json body;                  // null for a GET
  std::string authorization;
  int status = 0;             // what it was answered; 0: no answer
};

// What the tests look at, always read under the server's lock (FakeServer::wait_until, state).
struct FakeState {
  std::vector<SeenRequest> requests;
  std::map<std::string, std::string> logs;  // "JOB-SEGMENT-STREAM" -> bytes
  std::vector<Json> exits;                  // acknowledged (answered 200), in order
  int registrations = 0;

  std::vector<SeenRequest> of(const std::string& path) const {
    std::vector<SeenRequest> out;
    for (const SeenRequest& r : requests)
      if (r.path == path) out.push_back(r);
    return out;
  }
  const Json* exit_of(std::int64_t job, std::int64_t segment) const {
    for (const Json& e : exits)
      if (e["job"] == job && e["segment"] == segment) return &e;
    return nullptr;
  }
  std::string log(std::int64_t job, std::int64_t segment, const std::string& stream) const {
    auto it = logs.find(std::to_string(job) + "-" + std::to_string(segment) + "-" + stream);
    return it == logs.end() ? "" : it->second;
  }
};

class FakeServer {
 public:
  std::string token = "hexa_test_secret_4242";
  int heartbeat_s = 5;
  std::int64_t fence_ms = 0;  // > 0: the register answer gives it (as hexa serve does)

  // The next answer(s) to `path` ("/v1/agent/report"): status 0 is no answer (a connection
  // error). Taken before the usual behaviour, which they replace (nothing is stored).
  void script(const std::string& path, int status, std::string body = "{}") {
    std::lock_guard lock(mu_);
    scripted_[path].push_back({status, std::move(body)});
  }
  // An order for the node; the waiting long poll (or the next one) gets it.
  void order(Json o) {
    std::lock_guard lock(mu_);
    orders_.push_back(std::move(o));
    cv_.notify_all();
  }
  // The node's epoch becomes stale, as after a restart of the server: requests with it get 409.
  void make_stale() {
    std::lock_guard lock(mu_);
    ++epoch_;
    cv_.notify_all();
  }
  // The node's token is revoked: every request gets 401 from now on.
  void revoke() {
    std::lock_guard lock(mu_);
    token = "revoked";
    cv_.notify_all();
  }

  // Waits until pred(state) holds (checked under the lock at each request), at most `within`.
  bool wait_until(const std::function<bool(const FakeState&)>& pred, int within_ms = 5000) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(within_ms), [&] { return pred(state_); });
  }
  FakeState state() {
    std::lock_guard lock(mu_);
    return state_;
  }

  Result<HttpResponse> handle(const std::string& method, const std::string& target, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers, int timeout_ms) {
    std::unique_lock lock(mu_);
    SeenRequest req;
    req.method = method;
    req.target = target;
    req.path = target.substr(0, target.find('?'));
    req.query = query_of(target);
    if (!body.empty()) req.body = Json::parse(body, nullptr, false);
    for (const auto& [k, v] : headers)
      if (k == "Authorization") req.authorization = v;
    HttpResponse res = answer(lock, req, timeout_ms);
    req.status = res.status;
    req.seq = state_.requests.size();  // in the order they were answered
    state_.requests.push_back(req);
    cv_.notify_all();
    if (res.status == 0) return Status::Unavailable("fake server: no answer to " + req.path);
    return res;
  }

 private:
  struct Scripted {
    int status;
    std::string body;
  };

  static std::map<std::string, std::string> query_of(const std::string& target) {
    std::map<std::string, std::string> q;
    std::size_t at = target.find('?');
    while (at != std::string::npos) {
      std::size_t next = target.find('&', at + 1);
      std::string kv = target.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
      std::size_t eq = kv.find('=');
      q[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      at = next;
    }
    return q;
  }

  static HttpResponse reply(int status, Json body) {
    HttpResponse r;
    r.status = status;
    r.body = body.dump();
    if (status >= 400) r.content_type = "application/problem+json";
    return r;
  }

  bool epoch_ok(const Json& e) const { return e.is_number_integer() && e.get<std::int64_t>() == epoch_; }

  HttpResponse answer(std::unique_lock<std::mutex>& lock, SeenRequest& req, int timeout_ms) {
    if (auto it = scripted_.find(req.path); it != scripted_.end() && !it->second.empty()) {
      Scripted s = it->second.front();
      it->second.pop_front();
      HttpResponse r;
      r.status = s.status;
      r.body = s.body;
      return r;
    }
    if (req.authorization != "Bearer " + token) return reply(401, {{"detail", "bad token"}});
    if (req.path == "/v1/agent/register") return on_register();
    if (req.path == "/v1/agent/orders") return on_orders(lock, req, timeout_ms);
    if (req.path == "/v1/agent/report") return on_report(req);
    if (req.path == "/v1/agent/logs") return on_logs(req);
    return reply(404, {{"detail", "no route"}});
  }

  HttpResponse on_register() {
    ++epoch_;
    ++state_.registrations;
    Json answer = {{"epoch", epoch_}, {"heartbeat_s", heartbeat_s}};
    if (fence_ms > 0) answer["fence_ms"] = fence_ms;
    return reply(200, answer);
  }

  HttpResponse on_orders(std::unique_lock<std::mutex>& lock, const SeenRequest& req, int timeout_ms) {
    const std::string epoch = std::to_string(epoch_);
    const std::string tok = token;
    if (req.query.count("epoch") == 0 || req.query.at("epoch") != epoch) return reply(409, {{"detail", "stale epoch"}});
    int wait_ms = std::min(std::stoi(req.query.at("wait_ms")), timeout_ms);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                 [&] { return !orders_.empty() || std::to_string(epoch_) != epoch || token != tok; });
    if (std::to_string(epoch_) != epoch) return reply(409, {{"detail", "stale epoch"}});
    if (req.authorization != "Bearer " + token) return reply(401, {{"detail", "bad token"}});
    Json list = Json::array();
    for (Json& o : orders_) list.push_back(std::move(o));
    orders_.clear();
    return reply(200, {{"orders", list}});
  }

  HttpResponse on_report(const SeenRequest& req) {
    if (!epoch_ok(req.body["epoch"])) return reply(409, {{"detail", "stale epoch"}});
    for (const Json& e : req.body["exits"]) state_.exits.push_back(e);
    return reply(200, Json::object());
  }

  // Appends when the offset is the log's size; otherwise takes nothing. Answers the size.
  HttpResponse on_logs(const SeenRequest& req) {
    const Json& b = req.body;
    if (!epoch_ok(b["epoch"])) return reply(409, {{"detail", "stale epoch"}});
    std::string key = std::to_string(b["job"].get<std::int64_t>()) + "-" +
                      std::to_string(b["segment"].get<std::int64_t>()) + "-" + b["stream"].get<std::string>();
    std::string& log = state_.logs[key];
    auto data = base64_decode(b["data_b64"].get<std::string>());
    if (!data) return reply(400, {{"detail", "data_b64 is not base64"}});
    if (b["offset"].get<std::int64_t>() == static_cast<std::int64_t>(log.size())) log += *data;
    return reply(200, {{"size", log.size()}});
  }

  std::mutex mu_;
  std::condition_variable cv_;
  FakeState state_;
  std::int64_t epoch_ = 0;
  std::deque<Json> orders_;
  std::map<std::string, std::deque<Scripted>> scripted_;
};

// The agent's HttpClient, answered by a FakeServer (shared: a detached poll thread keeps it).
class FakeClient : public HttpClient {
 public:
  explicit FakeClient(std::shared_ptr<FakeServer> server) : server_(std::move(server)) {}
  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               int timeout_ms) override {
    return server_->handle(method, target, body, headers, timeout_ms);
  }

 private:
  std::shared_ptr<FakeServer> server_;
};

}  // namespace hexa::testing
