#include "net/leader_client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <thread>

namespace hexa {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// "HTTP://Host:8642/x" -> "http://host:8642": what two URLs must share to be one server.
std::string origin_of(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  std::string o = url.substr(0, url.find_first_of("/?#", scheme + 3));
  std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return o;
}

bool safe_to_resend(const std::string& method, const std::vector<std::pair<std::string, std::string>>& headers) {
  if (method == "GET" || method == "HEAD") return true;
  for (const auto& [k, v] : headers) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key == "idempotency-key" && !v.empty()) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<std::string>> parse_server_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t comma = text.find(',', at);
    std::string url = trim(text.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    while (url.size() > 1 && url.back() == '/') url.pop_back();
    if (url.empty()) return Status::Invalid("an empty URL in the list '" + text + "' (URLs are separated by commas)");
    if (!url.starts_with("http://") && !url.starts_with("https://"))
      return Status::Invalid("'" + url + "': must begin with http:// or https://");
    if (std::find(out.begin(), out.end(), url) == out.end()) out.push_back(url);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

int server_of_location(const std::vector<std::string>& urls, const std::string& location, std::string* target) {
  const std::string origin = origin_of(location);
  if (origin.empty()) return -1;
  for (std::size_t i = 0; i < urls.size(); ++i)
    if (origin_of(urls[i]) == origin) {
      *target = location.substr(origin.size());
      if (target->empty() || (*target)[0] != '/') *target = "/" + *target;
      return static_cast<int>(i);
    }
  return -1;
}

Result<std::unique_ptr<LeaderClient>> LeaderClient::make(const std::vector<std::string>& urls, const Make& make,
                                                         Sleep sleep) {
  if (urls.empty()) return Status::Invalid("no server URL given");
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (const std::string& u : urls) {
    auto c = make(u);
    if (!c.ok()) {  // named by the URL, unless it is the CA file's (its message names its flag)
      if (urls.size() == 1 || c.status().code() != StatusCode::kInvalid) return c.status();
      return Status::Invalid(u + ": " + c.status().message());
    }
    clients.push_back(std::move(c).value());
  }
  if (!sleep) sleep = [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  return std::unique_ptr<LeaderClient>(new LeaderClient(urls, std::move(clients), std::move(sleep)));
}

LeaderClient::LeaderClient(std::vector<std::string> urls, std::vector<std::unique_ptr<HttpClient>> clients, Sleep sleep)
    : urls_(std::move(urls)), clients_(std::move(clients)), sleep_(std::move(sleep)) {
  for (std::size_t i = 0; i < clients_.size(); ++i) mus_.push_back(std::make_unique<std::mutex>());
}

Result<HttpResponse> LeaderClient::request(const std::string& method, const std::string& target,
                                           const std::string& body,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           int timeout_ms) {
  const int n = static_cast<int>(urls_.size());
  const bool resend = safe_to_resend(method, headers);
  std::vector<int> tries(urls_.size(), 0);
  const int start = preferred_.load();
  int at = start;
  std::string path = target;
  std::optional<Result<HttpResponse>> last;
  for (int attempt = 0; attempt < 2 * n; ++attempt) {
    if (tries[static_cast<std::size_t>(at)] >= 2) break;  // a redirect back to one tried twice
    ++tries[static_cast<std::size_t>(at)];
    Result<HttpResponse> r = [&] {
      std::lock_guard lock(*mus_[static_cast<std::size_t>(at)]);
      return clients_[static_cast<std::size_t>(at)]->request(method, path, body, headers, timeout_ms);
    }();
    const int next = (at + 1) % n;
    if (r.ok() && r->status == 307) {
      std::string moved;
      const std::string location = r->header("Location");
      const int to = server_of_location(urls_, location, &moved);
      if (to < 0)
        return Status::Invalid(urls_[static_cast<std::size_t>(at)] + " sent this request to " +
                               (location.empty() ? std::string("nowhere") : location) +
                               ", which is not among the servers given: name it in the list to follow it (a token is "
                               "never sent to a server you did not name)");
      at = to, path = moved;
      continue;
    }
    if (r.ok() && r->status != 503) {
      if (r->header("X-Hexa-Role") == "leader" || r->header("X-Hexa-Role").empty()) preferred_ = at;
      return r;
    }
    last = std::move(r);
    if (!last->ok() && !resend) {  // it may have been applied: the caller decides; its next try goes on
      preferred_ = next;
      return *last;
    }
    if (next == start) sleep_(kPauseMs);  // a whole round failed: a short pause
    at = next, path = target;
  }
  preferred_ = (at + 1) % n;
  if (last) return *last;
  return Status::Unavailable("the servers sent this request to one another (307) " + std::to_string(2 * n) +
                             " times without answering it");
}

}  // namespace hexa
