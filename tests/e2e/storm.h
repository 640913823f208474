// A submit storm against a live server and the checks that follow a crash: every acknowledged
// submit is there exactly once, and the state equals a fresh replay of the journal. Shared by the
// kill -9 test (restart_test.cc) and the crash points (crash_point_test.cc).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2e/live_cloud.h"

namespace hexa::testing {

// One request to the server, with a token ("" = none): LiveCloud::call, or a replica set's
// call through its list of URLs (replicas.h).
using Caller = std::function<Answer(const std::string& method, const std::string& target, const Json& body,
                                    const std::string& token,
                                    const std::vector<std::pair<std::string, std::string>>& headers)>;
Caller caller_of(LiveCloud& c);

std::string digest(LiveCloud& c);
std::string digest(const Caller& call, const std::string& admin);

// Clients submit with Idempotency-Keys and retry a key until it is answered: what the server
// answered 201 or 200 is acknowledged; the key says which job it is.
class Storm {
 public:
  Storm(LiveCloud& c, std::string token, int clients) : Storm(caller_of(c), std::move(token), clients) {}
  Storm(Caller call, std::string token, int clients) : call_(std::move(call)), token_(std::move(token)) {
    for (int i = 0; i < clients; ++i) threads_.emplace_back([this, i] { run(i); });
  }
  ~Storm() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::map<std::string, std::int64_t> acked() {
    std::lock_guard lock(mu_);
    return acked_;
  }
  std::size_t retries() const { return retries_; }
  // How many answers of each status the clients got (0: none, the connection failed).
  std::map<int, std::size_t> statuses() {
    std::lock_guard lock(mu_);
    return statuses_;
  }

 private:
  void run(int client);
  Caller call_;
  std::string token_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> retries_{0};
  std::mutex mu_;
  std::map<std::string, std::int64_t> acked_;
  std::map<int, std::size_t> statuses_;
  std::vector<std::thread> threads_;
};

// Every acknowledged job is there, under its own id; ids are never shared by two keys; the
// server has at most one job more per client than were acknowledged (one in flight each).
void check_acked(LiveCloud& cloud, const std::map<std::string, std::int64_t>& acked, std::size_t clients);
void check_acked(const Caller& call, const std::string& admin, const std::map<std::string, std::int64_t>& acked,
                 std::size_t clients);
// The server's state now equals a replay of its journal from the first row, and snapshot + replay.
void check_fresh_replay(LiveCloud& cloud);

}  // namespace hexa::testing
