// The agent's requests to the server: the token on each, the answer sorted into what the agent
// does about it, a backoff after failures, and one line per outage rather than one per try.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "agent/backoff.h"
#include "net/http.h"

namespace hexa {

using Json = nlohmann::json;

// What an answer means to the agent.
enum class Answer {
  kOk,       // 2xx
  kRetry,    // no answer, 5xx, 408, 429, 307: try again after the backoff
  kStale,    // 409: our epoch is stale; stop every job and register again
  kDenied,   // 401, 403: the server refuses this token
  kRefused,  // any other status: the request itself is refused (400, 404, ...)
};
Answer classify(int status);

struct ServerReply {
  Answer answer = Answer::kRetry;
  int status = 0;       // 0: no answer
  Json body;            // a 2xx answer's JSON (null when it is not JSON)
  std::string problem;  // not 2xx: "HTTP 400: DETAIL", or why there was no answer
};

// "HTTP 400: DETAIL" from a problem+json answer (its detail, else title, else the body's start).
std::string problem_text(const HttpResponse& r);
std::string url_encode(const std::string& s);
// The body to send: invalid UTF-8 is replaced rather than thrown about.
std::string json_text(const Json& j);

// Shared by both threads' links: trouble with the server (no answer, 5xx) is said once, when
// the first link meets it, and its end once, when the last link in trouble gets an answer. So an
// outage is two lines, whichever threads see it.
//
// It also keeps when the server last heard us: the sending time of the latest request it
// answered 2xx (it counts us alive from when it reads a request, so no later than that). The
// fence (docs/server.md, Fencing) counts from there.
class OutageNotice {
 public:
  explicit OutageNotice(AgentSay say);
  // `mine`: the calling link's own flag (guarded by this notice).
  void trouble(bool& mine, const std::string& why);
  void answered(bool& mine);
  void mute();  // says nothing from now on (the agent has returned)
  // A request sent at `sent` (agent_now_ms) was answered 2xx.
  void heard_at(TimeMs sent);
  // agent_now_ms of the last request answered 2xx (its sending); at first, the notice's making.
  TimeMs last_heard() const { return last_heard_.load(); }

 private:
  std::atomic<TimeMs> last_heard_;
  std::mutex mu_;
  int links_in_trouble_ = 0;
  bool muted_ = false;
  AgentSay say_;
};

class ServerLink {
 public:
  ServerLink(HttpClient& client, const std::string& token, std::shared_ptr<OutageNotice> outage);
  ServerReply post(const std::string& target, const Json& body, int timeout_ms);
  ServerReply get(const std::string& target, int timeout_ms);

  // After a kRetry the link waits: nothing should be sent before then (the loop checks).
  bool ready(TimeMs now) const { return now >= retry_at_; }
  // Waits before the next request as after a failure (a refused report is tried again later).
  void back_off();
  // What the last request that was not answered 2xx came to ("HTTP 409: ...").
  const std::string& last_problem() const { return last_problem_; }

 private:
  ServerReply send(const std::string& method, const std::string& target, const std::string& body,
             int timeout_ms);

  HttpClient& client_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::shared_ptr<OutageNotice> outage_;
  bool in_trouble_ = false;  // guarded by outage_
  Backoff backoff_;
  TimeMs retry_at_ = 0;
  std::string last_problem_;
};

}  // namespace hexa
