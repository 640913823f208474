// A whole request into the API (server/api.h, serve_request): routing, tokens and roles, the
// handler, the core thread's batch and its journal, the answer. A Host of the fuzz cloud is
// opened once in a scratch directory and kept (its state grows with what the requests do) and
// made afresh every kRunsPerHost inputs. The input picks the route (from routes(), or any
// method and path), the caller's role, the path's parameters, the query, an Idempotency-Key
// and the body. A finding: no answer within kAnswerMs, a status outside 200..599, a 5xx other
// than 503, a JSON answer that is not JSON.
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <mutex>

#include "fuzz_cloud.h"
#include "fuzz_util.h"
#include "server/api.h"

namespace hexa::fuzz {
namespace {

constexpr int kRunsPerHost = 2000;
constexpr int kAnswerMs = 20'000;

struct Caller {
  const char* id;
  const char* role;
  const char* tenant;
  int node;  // the fuzz cloud's node index, agents only; -1 none
};
constexpr Caller kCallers[] = {
    {"tok-admin", "admin", "", -1},     {"tok-op", "operator", "", -1}, {"tok-acme", "member", "acme", -1},
    {"tok-team", "member", "team", -1}, {"tok-n0", "agent", "", 0},     {"tok-n1", "agent", "", 1},
};
constexpr std::size_t kCallerCount = sizeof kCallers / sizeof kCallers[0];

// Secrets of the fixed tokens: "hexa_" and 64 hex digits, the last two the caller's index.
std::string secret(std::size_t i) {
  std::string s = "hexa_" + std::string(62, 'a');
  s += static_cast<char>('0' + i / 10);
  s += static_cast<char>('0' + i % 10);
  return s;
}

class LiveApi {
 public:
  Api& api() {
    if (!host_ || runs_++ >= kRunsPerHost) reopen();
    for (std::size_t i = 0; i < kCallerCount; ++i) tokens_.add(records_[i]);  // a request may delete one
    return *api_;
  }
  ~LiveApi() { close(); }
  Host* host() { return host_.get(); }

 private:
  void close() {
    api_.reset();
    if (host_) host_->stop();
    host_.reset();
  }
  void reopen() {
    close();
    runs_ = 1;
    const std::string dir = scratch_dir() + "/api";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    HostOptions opt;
    opt.snapshot_every = 500;  // snapshots are written while the fuzzer runs
    auto host = Host::open(fuzz_cloud(), dir, opt);
    if (!host.ok()) fail("the fuzz cloud's host does not open: " + host.status().message());
    host_ = std::move(host).value();
    records_.clear();
    for (std::size_t i = 0; i < kCallerCount; ++i) {
      const Caller& c = kCallers[i];
      TokenRecord t{c.id, sha256_hex(secret(i)), c.role, c.tenant, "", 0};
      if (c.node >= 0) t.node = fuzz_cloud().topology->node(static_cast<NodeId>(c.node)).name;
      if (Status st = host_->journal().put_token(t); !st.ok()) fail("cannot store a token: " + st.message());
      records_.push_back(t);
    }
    tokens_.load(*host_->journal().tokens());
    host_->start();
    api_.reset(new Api{*host_, tokens_});
    api_->ready = true;
  }

  std::unique_ptr<Host> host_;
  TokenBook tokens_;
  std::vector<TokenRecord> records_;
  std::unique_ptr<Api> api_;
  int runs_ = 0;
};

LiveApi& live() {
  fuzz_cloud();  // made before the host, so that it is destroyed after it
  static LiveApi l;
  return l;
}

}  // namespace

Host* api_request_host() { return live().host(); }

namespace {

std::string without(std::string_view s, std::string_view drop) {
  std::string out;
  for (char c : s)
    if (drop.find(c) == std::string_view::npos) out += c;
  return out;
}

// The route's pattern with each {parameter} replaced by a line of the input.
std::string path_of(const char* pattern, FuzzInput& in) {
  std::string out;
  for (const char* p = pattern; *p; ++p) {
    if (*p != '{') {
      out += *p;
      continue;
    }
    while (*p && *p != '}') ++p;
    out += without(in.line(), "?#");
    if (!*p) break;
  }
  return out;
}

HttpRequest request_of(FuzzInput& in) {
  const auto& table = routes();
  const std::size_t pick = in.pick(table.size() + 1);
  const std::size_t who = in.pick(kCallerCount + 2);
  const std::uint8_t flags = in.byte();
  HttpRequest req;
  req.peer = "127.0.0.1:40000";
  bool orders = false;
  if (pick < table.size()) {
    req.method = table[pick].method;
    req.target = path_of(table[pick].pattern, in);
    orders = std::string_view(table[pick].pattern) == "/v1/agent/orders";
  } else {  // any method and path: 404s, 405s and the router's matching
    req.method = std::string(in.line());
    req.target = without(in.line(), "?#");
  }
  const std::string query = without(in.line(), "#");
  // A long poll waits for orders up to 30 s: the fuzzer asks for an answer at once (the last
  // value of a repeated key wins).
  if (!query.empty() || orders) req.target += "?" + query + (orders ? "&wait_ms=0" : "");
  if (who < kCallerCount) {
    req.headers["authorization"] = "Bearer " + secret(who);
  } else if (who == kCallerCount) {
    req.headers["authorization"] = std::string(in.line());
  }
  if (flags & 1) req.headers["idempotency-key"] = std::string(in.line());
  if (flags & 2) req.headers["content-type"] = "application/json";
  req.body = std::string(in.rest());
  return req;
}

struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<HttpResponse> response;
};

void check_answer(const HttpRequest& req, const HttpResponse& r) {
  const std::string what = req.method + " " + req.target + " answered " + std::to_string(r.status);
  static const bool verbose = std::getenv("HEXA_FUZZ_VERBOSE") != nullptr;  // to see what seeds reach
  if (verbose) std::cerr << what << ": " << r.body.substr(0, 300) << "\n";
  check(r.status >= 200 && r.status <= 599, what + ": not a valid status");
  check(r.status < 500 || r.status == 503, what + ": " + r.body);
  if (r.content_type.starts_with("application/json") || r.content_type.starts_with("application/problem+json"))
    check(nlohmann::json::accept(r.body), what + ": a JSON answer that is not JSON: " + r.body.substr(0, 200));
}

}  // namespace
}  // namespace hexa::fuzz

HEXA_FUZZ_TARGET(api_request) {
  using namespace hexa;
  fuzz::FuzzInput in(data, size);
  HttpRequest req = fuzz::request_of(in);
  Api& api = fuzz::live().api();
  auto answer = std::make_shared<fuzz::Answer>();
  serve_request(api, req, [answer](HttpResponse r) {
    std::lock_guard lock(answer->mu);
    if (!answer->response) answer->response = std::move(r);
    answer->cv.notify_all();
  });
  std::unique_lock lock(answer->mu);
  const bool answered = answer->cv.wait_for(lock, std::chrono::milliseconds(fuzz::kAnswerMs),
                                            [&] { return answer->response.has_value(); });
  fuzz::check(answered, req.method + " " + req.target + ": no answer within " + std::to_string(fuzz::kAnswerMs) + " ms");
  fuzz::check_answer(req, *answer->response);
  return 0;
}
