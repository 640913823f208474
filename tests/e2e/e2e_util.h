// Small helpers shared by the gang and drain end-to-end tests.
#pragma once

#include <signal.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "e2e/live_cloud.h"

namespace hexa::testing {

inline bool state_is(const Json& j, const char* s) { return j.is_object() && j.value("state", "") == s; }
inline bool ended_state(const Json& j) {
  return j.is_object() && j.contains("state") && !state_is(j, "pending") && !state_is(j, "running");
}

// `--gang-ports LO-HI`: 2,000 ports from a random one below the kernel's ephemeral range, so
// that tests running at once on this machine (whose first jobs have the same ids, so the same
// offset in the range) rarely meet on one.
inline std::vector<std::string> gang_ports_flag() {
  std::random_device rd;
  const int lo = 10000 + static_cast<int>(rd() % 18000);
  return {"--gang-ports", std::to_string(lo) + "-" + std::to_string(lo + 1999)};
}

// Line `line` (0: the first) of a rank's stdout as a pid, once it is a whole line (the jobs
// below print their pid first, once per run segment); 0 when none came within the limit.
inline pid_t logged_pid(LiveCloud& cloud, std::int64_t job, int rank, const std::string& token, int line = 0,
                        std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    std::string log = cloud.call("GET", "/v1/jobs/" + std::to_string(job) + "/logs?rank=" + std::to_string(rank), nullptr, token).body;
    std::size_t at = 0;
    for (int i = 0; i < line && at != std::string::npos; ++i) {
      at = log.find('\n', at);
      if (at != std::string::npos) ++at;
    }
    const std::size_t nl = at == std::string::npos ? at : log.find('\n', at);
    if (nl != std::string::npos && nl > at && log.find_first_not_of("0123456789", at) == nl)
      return std::stoi(log.substr(at, nl - at));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// Whether the process went away within the limit.
inline bool gone(pid_t pid, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (::kill(pid, 0) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace hexa::testing
