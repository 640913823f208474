// A fake server for the client verbs: an HttpClient that records each request and answers the
// next canned response (or connection failure), and a ClientIo whose streams, environment,
// clock and sleeps the test sees.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cli/commands.h"
#include "cli/io.h"
#include "net/http.h"
#include "test_files.h"

namespace hexa::testing {

struct Sent {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;
  int timeout_ms = 0;
  // The value of header `name` (exact case), "" when absent.
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return "";
  }
};

inline HttpResponse answer(int status, std::string body, std::string content_type = "application/json") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

// The server's problem+json.
inline HttpResponse problem(int status, const std::string& detail, const std::string& field = "") {
  std::string body = R"({"type":"about:blank","title":"Error","status":)" + std::to_string(status) +
                     R"(,"detail":")" + detail + "\"" + (field.empty() ? "" : R"(,"field":")" + field + "\"") + "}";
  return answer(status, body, "application/problem+json");
}

class FakeServer {
 public:
  std::vector<Sent> sent;
  std::vector<std::string> bases;  // the address of each client made
  std::vector<std::string> ca_files;  // and its CA file: "ORIGIN FILE" ("--ca-cert " for none)
  std::deque<Result<HttpResponse>> answers;

  void reply(HttpResponse r) { answers.emplace_back(std::move(r)); }
  void reply(int status, std::string body) { reply(answer(status, std::move(body))); }
  void refuse(const std::string& why = "connection refused") {
    answers.emplace_back(Status::Unavailable("http://127.0.0.1:8642: " + why));
  }

  cli::HttpClientFactory factory() {
    return [this](const std::string& base, const HttpClientOptions& opt) -> Result<std::unique_ptr<HttpClient>> {
      bases.push_back(base);
      ca_files.push_back(opt.ca_origin + " " + opt.ca_file);
      return std::unique_ptr<HttpClient>(new Client(*this));
    };
  }

 private:
  class Client : public HttpClient {
   public:
    explicit Client(FakeServer& s) : s_(s) {}
    Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 int timeout_ms) override {
      s_.sent.push_back({method, target, body, headers, timeout_ms});
      if (s_.answers.empty()) {
        ADD_FAILURE() << "no canned answer for " << method << " " << target;
        return Status::Unavailable("test: no canned answer");
      }
      Result<HttpResponse> r = s_.answers.front();
      s_.answers.pop_front();
      return r;
    }

   private:
    FakeServer& s_;
  };
};

struct TestIo {
  std::ostringstream out, err;
  std::map<std::string, std::string> env;
  std::int64_t now = 1'750'000'000'000;  // 2025-06-15 15:06:40 UTC
  std::vector<int> sleeps;
  int width = 0;
  int keys = 0;

  cli::ClientIo io() {
    cli::ClientIo io;
    io.out = &out;
    io.err = &err;
    io.getenv = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env.find(k);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    io.now_ms = [this] { return now; };
    io.sleep_ms = [this](int ms) { sleeps.push_back(ms); };
    io.random_hex128 = [this] { return "key" + std::to_string(++keys); };
    io.terminal_width = width;
    return io;
  }
};

// Runs `hexa ARGS...` with only the client verbs, against `server`.
inline int run(FakeServer& server, TestIo& t, const std::vector<std::string>& args) {
  return run_client_main(args, server.factory(), t.io());
}

}  // namespace hexa::testing
