#include "server/rate_limit.h"

#include <algorithm>
#include <chrono>

namespace hexa {

TokenBucket::TokenBucket(int per_s, std::int64_t now_ms) : level_(2 * std::int64_t{per_s} * kCost), at_ms_(now_ms) {}

std::int64_t TokenBucket::level_at(int per_s, std::int64_t now_ms) const {
  const std::int64_t cap = 2 * std::int64_t{per_s} * kCost;
  // N requests per second is N thousandths per ms. The elapsed time is capped before the
  // product (a caller idle for a year) and never negative (a clock that went back).
  const std::int64_t elapsed = std::clamp<std::int64_t>(now_ms - at_ms_, 0, cap / per_s + 1);
  return std::min(cap, level_ + elapsed * per_s);
}

std::int64_t TokenBucket::take(int per_s, std::int64_t now_ms) {
  level_ = level_at(per_s, now_ms);
  at_ms_ = std::max(at_ms_, now_ms);
  if (level_ >= kCost) {
    level_ -= kCost;
    return 0;
  }
  return (kCost - level_ + per_s - 1) / per_s;  // ms until one whole request has refilled
}

bool TokenBucket::full(int per_s, std::int64_t now_ms) const {
  return level_at(per_s, now_ms) == 2 * std::int64_t{per_s} * kCost;
}

RateLimiter::RateLimiter(int per_s, Clock clock) : per_s_(per_s), clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
}

int RateLimiter::admit(const std::string& key) {
  const std::int64_t now = clock_();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    forget_idle(now);
    it = buckets_.emplace(key, TokenBucket(per_s_, now)).first;
  }
  const std::int64_t wait_ms = it->second.take(per_s_, now);
  if (wait_ms == 0) return 0;
  return static_cast<int>(std::max<std::int64_t>(1, (wait_ms + 999) / 1000));
}

std::size_t RateLimiter::callers() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

// Many callers (peers without a token, each its own key): those whose bucket is full again are
// forgotten, at most once a second so that a request never pays a walk over every caller.
void RateLimiter::forget_idle(std::int64_t now) {
  if (buckets_.size() < kForgetAbove || now - last_forget_ < 1000) return;
  last_forget_ = now;
  std::erase_if(buckets_, [&](const auto& kv) { return kv.second.full(per_s_, now); });
}

std::string rate_key(const std::string& token_id, const std::string& peer) {
  if (!token_id.empty()) return "token:" + token_id;
  const std::size_t colon = peer.rfind(':');
  // "[::1]:53412" -> "[::1]"; "10.0.0.7:53412" -> "10.0.0.7"; anything else as it is.
  const bool has_port = colon != std::string::npos && colon > 0 && (peer[0] != '[' || peer[colon - 1] == ']');
  return "peer:" + (has_port ? peer.substr(0, colon) : peer);
}

}  // namespace hexa
