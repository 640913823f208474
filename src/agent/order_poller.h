// The long poll for orders (`GET /v1/agent/orders`), on a thread of its own with a client of
// its own, so that the main loop keeps ticking while a poll waits up to wait_ms. What it gets
// goes to the main loop through a mutex-protected queue.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "agent/orders.h"
#include "agent/server_link.h"

namespace hexa {

struct PollEvent {
  enum class Kind { kOrders, kStale, kDenied };
  Kind kind = Kind::kOrders;
  std::vector<Order> orders;
  std::string problem;  // kStale, kDenied: what the server said
};

class OrderPoller {
 public:
  OrderPoller(std::unique_ptr<HttpClient> client, const std::string& node, const std::string& token,
              int wait_ms, std::shared_ptr<OutageNotice> outage, AgentSay say);
  ~OrderPoller();  // stop()
  OrderPoller(const OrderPoller&) = delete;
  OrderPoller& operator=(const OrderPoller&) = delete;

  // Polls with this epoch from now on (after a registration). Drops what came for older ones.
  void poll_with(std::int64_t epoch);
  // No more polls until poll_with (the epoch is stale, the agent stops).
  void pause();
  // What came since the last take, waiting up to wait_ms for something.
  std::vector<PollEvent> take(DurationMs wait_ms);
  // Ends the thread: joined if it ends within `join_ms` (its request may be a long poll), else
  // detached (it owns what it uses, and says nothing more: the caller's `say` may be gone).
  // Idempotent.
  void stop(DurationMs join_ms = kSecond);

 private:
  struct Shared;
  static void run(std::shared_ptr<Shared> sh);

  std::shared_ptr<Shared> sh_;
  std::shared_ptr<OutageNotice> outage_;
  std::thread thread_;
};

}  // namespace hexa
