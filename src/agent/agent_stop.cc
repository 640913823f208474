// Stopping every job: when the epoch is stale, when the token is refused, when the agent stops.
#include <chrono>
#include <thread>

#include "agent/agent_loop.h"
#include "agent/clock.h"

namespace hexa {

namespace {

constexpr DurationMs kReapMs = 2 * kSecond;  // after the SIGKILL, for the kernel to end them
constexpr int kStoppingTimeoutMs = 1000;     // requests while stopping: a stop must not hang
constexpr DurationMs kStepMs = 20;

}  // namespace

// The server has moved on (it found the node lost): it counts our jobs lost and may run them
// elsewhere already, so they end now (SIGKILL: no grace), and their exits are no news to it.
void AgentLoop::drop_stale_epoch() {
  say_("epoch " + std::to_string(epoch_) + " is stale (" + stale_ +
       "): killing every job, then registering again");
  registered_ = false;
  poller_.pause();
  stop_jobs_and_wait(0);
  for (const JobExit& e : exits_) jobs_.settle(e.key);
  jobs_.clear();
  exits_.clear();
  checkpoints_.clear();
}

// Asked to go for an upgrade (SIGUSR1): nothing is stopped, nothing reported; the next agent on
// this work dir adopts the jobs (job_table.h, recover) and reports what this one had not.
void AgentLoop::leave_jobs() {
  say_("exiting now and leaving " + std::to_string(jobs_.running().size() + exits_.size()) +
       " job(s) for the next agent on " + o_.work_dir + " (it must start within the server's node grace)");
  poller_.pause();
  jobs_.release();
  poller_.stop();
}

// SIGTERM to every job, SIGKILL after `grace`; waits until their processes are gone (at most
// the grace and 2 s), without reporting anything.
void AgentLoop::stop_jobs_and_wait(DurationMs grace) {
  const TimeMs now = agent_now_ms();
  const TimeMs until = now + grace + kReapMs;
  jobs_.stop_all(now, grace);
  while (true) {
    jobs_.reap(agent_now_ms());
    if (!jobs_.processes_left()) return;
    if (agent_now_ms() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(kStepMs));
  }
  say_("some jobs' processes did not end after SIGKILL: leaving them");
}

// Asked to stop: every job gets SIGTERM, SIGKILL after the grace; their output and exits go to
// the server while they end, and for final_report_ms more once they all have. The reports say
// the agent is leaving: the node is going away, so its jobs are requeued (from their last
// checkpoint) rather than ended by a SIGTERM that is not theirs.
void AgentLoop::shut_down() {
  poller_.pause();
  leaving_ = true;
  timeout_ms_ = kStoppingTimeoutMs;
  TimeMs now = agent_now_ms();
  if (jobs_.processes_left())
    say_("stopping: SIGTERM to every job, SIGKILL after " + std::to_string(o_.grace_ms) + " ms");
  jobs_.stop_all(now, o_.grace_ms);
  const TimeMs kill_by = now + o_.grace_ms + kReapMs;
  TimeMs report_by = kNever;
  bool reachable = registered_;
  while (true) {
    bool busy = false;
    if (reachable) {
      Answer a = turn(/*heartbeat=*/false, &busy);
      reachable = a != Answer::kStale && a != Answer::kDenied;
    } else {
      jobs_.reap(agent_now_ms());
    }
    now = agent_now_ms();
    if (jobs_.processes_left()) {
      if (now >= kill_by) {
        say_("some jobs' processes did not end after SIGKILL: leaving them");
        break;
      }
    } else {
      if (!reachable || (jobs_.empty() && exits_.empty() && left_told_)) break;
      if (report_by == kNever) report_by = now + o_.final_report_ms;
      if (now >= report_by) {
        say_("stopping without reporting " + std::to_string(exits_.size() + jobs_.running().size()) +
             " exit(s): the server does not take them");
        break;
      }
    }
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(kStepMs));
  }
}

}  // namespace hexa
