#include "agent/server_link.h"

#include <algorithm>

#include "agent/clock.h"

namespace hexa {

Answer classify(int status) {
  if (status >= 200 && status < 300) return Answer::kOk;
  if (status == 409) return Answer::kStale;
  if (status == 401 || status == 403) return Answer::kDenied;
  // 307: a follower replica sending us to a leader this agent was not told of (hexa agent
  // --server takes every replica's URL): wait for one it knows to lead, as for a 503.
  if (status >= 500 || status == 408 || status == 429 || status == 307) return Answer::kRetry;
  return Answer::kRefused;
}

std::string problem_text(const HttpResponse& r) {
  std::string text;
  Json j = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    for (const char* key : {"detail", "title"}) {
      auto it = j.find(key);
      if (it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
        text = it->get<std::string>();
        break;
      }
    }
  }
  if (text.empty()) text = r.body.substr(0, 200);
  // One line: what the server says is printed inside the agent's own line.
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return "HTTP " + std::to_string(r.status) + (text.empty() ? "" : ": " + text);
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string json_text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

OutageNotice::OutageNotice(AgentSay say) : last_heard_(agent_now_ms()), say_(std::move(say)) {}

void OutageNotice::heard_at(TimeMs sent) {
  TimeMs last = last_heard_.load();
  while (sent > last && !last_heard_.compare_exchange_weak(last, sent)) {
  }
}

void OutageNotice::trouble(bool& mine, const std::string& why) {
  std::lock_guard lock(mu_);
  if (mine) return;
  mine = true;
  if (links_in_trouble_++ == 0 && !muted_) say_(why + " (retrying, every 2 s at most)");
}

void OutageNotice::answered(bool& mine) {
  std::lock_guard lock(mu_);
  if (!mine) return;
  mine = false;
  if (--links_in_trouble_ == 0 && !muted_) say_("the server answers again");
}

void OutageNotice::mute() {
  std::lock_guard lock(mu_);
  muted_ = true;
}

ServerLink::ServerLink(HttpClient& client, const std::string& token, std::shared_ptr<OutageNotice> outage)
    : client_(client),
      headers_{{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
      outage_(std::move(outage)) {}

ServerReply ServerLink::post(const std::string& target, const Json& body, int timeout_ms) {
  return send("POST", target, json_text(body), timeout_ms);
}

ServerReply ServerLink::get(const std::string& target, int timeout_ms) { return send("GET", target, "", timeout_ms); }

void ServerLink::back_off() { retry_at_ = agent_now_ms() + backoff_.next(); }

ServerReply ServerLink::send(const std::string& method, const std::string& target, const std::string& body,
                       int timeout_ms) {
  ServerReply reply;
  const TimeMs sent = agent_now_ms();
  Result<HttpResponse> r = client_.request(method, target, body, headers_, timeout_ms);
  if (!r.ok()) {
    reply.problem = r.status().message();
    // A request the client will not send (a malformed header, say) fails the same way each try.
    if (r.status().code() == StatusCode::kInvalid) reply.answer = Answer::kRefused;
  } else {
    reply.status = r->status;
    reply.answer = classify(r->status);
    if (reply.answer == Answer::kOk) {
      reply.body = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
      outage_->heard_at(sent);
    }
    else
      reply.problem = problem_text(*r);
  }
  if (reply.answer != Answer::kOk) last_problem_ = reply.problem;
  if (reply.answer == Answer::kRetry) {
    std::string path = target.substr(0, target.find('?'));
    outage_->trouble(in_trouble_, reply.status == 0 ? "cannot reach the server: " + reply.problem
                                       : path + ": " + reply.problem);
    back_off();
  } else {
    outage_->answered(in_trouble_);
    backoff_.reset();
    retry_at_ = 0;
  }
  return reply;
}

}  // namespace hexa
