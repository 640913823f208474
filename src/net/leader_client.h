// An HttpClient over several replicas of one server (docs/server.md, Replicas): each request
// goes to the last one that answered as the leader (else the first), follows a 307 only to a
// URL of the list (a token is never sent to a server the user did not name), and moves on to
// the next URL after a failed connection or a 503, each URL at most twice per request, with a
// short pause between rounds: bounded, never a hang. The CLI (--server A,B,C) and the agent use it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/http.h"

namespace hexa {

// "URL[,URL...]": each http:// or https://, trailing '/' dropped, duplicates dropped. Errors
// name the rule and the URL (callers add their flag's name).
Result<std::vector<std::string>> parse_server_list(const std::string& text);

// The index of the list's URL that `location` (an absolute URL) is on, and the target after it
// ("/v1/jobs?x=1"); -1 when it is on none (scheme, host and port compared, without case).
int server_of_location(const std::vector<std::string>& urls, const std::string& location, std::string* target);

class LeaderClient final : public HttpClient {
 public:
  using Make = std::function<Result<std::unique_ptr<HttpClient>>(const std::string& base)>;
  using Sleep = std::function<void(int ms)>;
  // One client per URL, made now by `make` (errors name the URL). `sleep`: the pause between
  // rounds (tests pass one that records).
  static Result<std::unique_ptr<LeaderClient>> make(const std::vector<std::string>& urls, const Make& make,
                                                    Sleep sleep = {});

  // As HttpClient::request. A request that may have reached a server is sent again elsewhere
  // only when that is safe: GET, HEAD, or one with an Idempotency-Key (the server applies it
  // once); otherwise its error comes back and the next request starts at the next URL.
  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body = "",
                               const std::vector<std::pair<std::string, std::string>>& headers = {},
                               int timeout_ms = 30'000) override;

  const std::vector<std::string>& urls() const { return urls_; }
  int preferred() const { return preferred_.load(); }  // where the next request goes first

  static constexpr int kPauseMs = 200;  // between two rounds of the list

 private:
  LeaderClient(std::vector<std::string> urls, std::vector<std::unique_ptr<HttpClient>> clients, Sleep sleep);
  std::vector<std::string> urls_;
  std::vector<std::unique_ptr<HttpClient>> clients_;
  std::vector<std::unique_ptr<std::mutex>> mus_;  // one request at a time per client
  Sleep sleep_;
  std::atomic<int> preferred_{0};
};

}  // namespace hexa
