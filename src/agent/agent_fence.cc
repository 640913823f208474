// The fence (docs/server.md, Fencing): an agent the server has not heard for fence_ms stops its
// jobs itself. The server counts the node lost after node_grace_ms (longer) and runs the jobs
// elsewhere; by then they are gone here, so that in a partition no job runs twice at once.
#include <algorithm>

#include "agent/agent_loop.h"
#include "agent/clock.h"

namespace hexa {

namespace {

constexpr DurationMs kFenceKillMs = 2 * kSecond;  // SIGTERM .. SIGKILL at the fence, at most
constexpr DurationMs kMarginMs = kSecond;         // jobs gone this long before the server's grace ends
constexpr int kMinTimeoutMs = 100;

}  // namespace

bool AgentLoop::past_fence(TimeMs now) const {
  return registered_ && jobs_.processes_left() && now - outage_->last_heard() >= fence_ms_;
}

// A request must not outlast the fence: a partition that swallows packets would hold the loop
// past it.
int AgentLoop::request_timeout(TimeMs now) const {
  if (!jobs_.processes_left()) return timeout_ms_;
  const TimeMs left = outage_->last_heard() + fence_ms_ - now;
  return static_cast<int>(std::clamp<TimeMs>(left, kMinTimeoutMs, timeout_ms_));
}

// Past the fence: the jobs get SIGTERM and, while the server's grace allows, a short time to end
// (a job may save its progress); SIGKILL at once when the grace is already over (a frozen agent
// that wakes: its jobs may be running elsewhere now). Then the agent registers again: the server
// counts those jobs lost (requeued from their last checkpoint) if it has not already.
void AgentLoop::fence_jobs() {
  const TimeMs now = agent_now_ms();
  const TimeMs unheard = now - outage_->last_heard();
  const DurationMs grace = std::clamp<DurationMs>(node_grace_ms_ - kMarginMs - unheard, 0, kFenceKillMs);
  say_("the server has not heard this node for " + std::to_string(unheard) + " ms (fence " +
       std::to_string(fence_ms_) + " ms): stopping every job (SIGKILL after " + std::to_string(grace) +
       " ms), then registering again");
  registered_ = false;
  poller_.pause();
  stop_jobs_and_wait(grace);
  for (const JobExit& e : exits_) jobs_.settle(e.key);  // the server counts them lost
  jobs_.clear();
  exits_.clear();
  checkpoints_.clear();
}

}  // namespace hexa
