// Per-token request rate limits (docs/server.md, "Rate limits"; docs/SECURITY.md, API4): one
// token bucket per caller, N requests per second with bursts of 2N. A caller is its token's id,
// or, without a valid token, its peer address (agents' tokens are not limited: router.cc). The
// clock is injected so that tests are exact.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace hexa {

// A bucket of 2N requests refilled at N per second, counted in thousandths of a request so that
// the arithmetic stays in integers (DESIGN.md: no double in state).
class TokenBucket {
 public:
  static constexpr std::int64_t kCost = 1000;  // one request, in thousandths
  TokenBucket(int per_s, std::int64_t now_ms);  // full
  // Takes one request if there is one: 0. Else nothing is taken, and the answer is how many ms
  // until there is one (>= 1).
  std::int64_t take(int per_s, std::int64_t now_ms);
  // Whether it has refilled completely by now (an idle caller: forgetting it changes nothing).
  bool full(int per_s, std::int64_t now_ms) const;

 private:
  std::int64_t level_at(int per_s, std::int64_t now_ms) const;
  std::int64_t level_;   // thousandths of a request
  std::int64_t at_ms_;   // when level_ was true
};

class RateLimiter {
 public:
  using Clock = std::function<std::int64_t()>;  // ms on a clock that never goes back
  static constexpr std::size_t kForgetAbove = 100'000;  // callers kept before idle ones are forgotten

  // per_s > 0. The default clock is std::chrono::steady_clock.
  explicit RateLimiter(int per_s, Clock clock = {});
  int per_s() const { return per_s_; }
  int burst() const { return 2 * per_s_; }
  // One request of `key`: 0 when it may go on, else the seconds to wait (Retry-After, >= 1).
  // Thread-safe; it never blocks beyond a short lock.
  int admit(const std::string& key);
  std::size_t callers() const;

 private:
  void forget_idle(std::int64_t now);  // REQUIRES: mu_ held

  const int per_s_;
  Clock clock_;
  mutable std::mutex mu_;
  std::map<std::string, TokenBucket> buckets_;
  std::int64_t last_forget_ = 0;
};

// The caller a request counts against: "token:ID" for a valid token, else "peer:ADDRESS" (the
// peer "10.0.0.7:53412" or "[::1]:53412" without its port).
std::string rate_key(const std::string& token_id, const std::string& peer);

}  // namespace hexa
