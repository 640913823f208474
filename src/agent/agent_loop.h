// The agent's main loop (docs/server.md, "The agent"): take over what a previous agent left,
// register, then every tick (50 ms) carry out the orders the poll thread brought, reap the
// jobs' processes, ship their output, report their exits (after all their output) and their
// new checkpoints (at once), and send a heartbeat when one is due.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/job_table.h"
#include "agent/log_shipper.h"
#include "agent/order_poller.h"
#include "agent/server_link.h"

namespace hexa {

class AgentLoop {
 public:
  // `o.work_dir` exists and is absolute; `say` is serialized.
  AgentLoop(const AgentOptions& o, AgentSay say, std::unique_ptr<HttpClient> client,
            std::unique_ptr<HttpClient> poll_client, const std::atomic<bool>& stop);
  // Returns the exit code (agent.h, run_agent).
  int run();

 private:
  enum class Outcome { kRegistered, kStopAsked, kStale, kDenied, kFenced, kLeaveJobs };

  // agent_register.cc
  Outcome register_node();
  bool accept_registration(const Json& answer);
  void nap(DurationMs d) const;

  // agent_loop.cc
  Outcome serve();
  void carry_out(std::vector<Order>& orders);
  Answer turn(bool heartbeat, bool* busy);
  Answer ship_output(TimeMs now, bool* busy);
  Answer report(TimeMs now, bool heartbeat);
  void tell_keepers();
  Json running_list() const;
  bool leave_jobs_asked() const { return o_.leave_jobs != nullptr && o_.leave_jobs->load(); }

  // agent_stop.cc
  void drop_stale_epoch();
  void fence_jobs();
  void stop_jobs_and_wait(DurationMs grace);
  void shut_down();
  void leave_jobs();

  // agent_fence.cc
  bool past_fence(TimeMs now) const;
  int request_timeout(TimeMs now) const;

  const AgentOptions& o_;
  AgentSay say_;
  const std::atomic<bool>& stop_;
  std::unique_ptr<HttpClient> client_;  // register, report, logs: this thread only
  std::shared_ptr<OutageNotice> outage_;
  ServerLink link_;
  OrderPoller poller_;
  AgentJobs jobs_;
  LogShipper shipper_;

  std::int64_t epoch_ = 0;
  bool registered_ = false;                 // epoch_ is current (as far as we know)
  bool leaving_ = false;                    // shutting down: reports say so (the node goes away)
  bool left_told_ = false;                  // ... and the server has taken one that said so
  DurationMs heartbeat_ms_ = 5 * kSecond;   // the server's heartbeat_s
  DurationMs fence_ms_ = 10 * kSecond;      // the server's fence_ms: jobs stop after this long unheard
  DurationMs node_grace_ms_ = 15 * kSecond; // the server's node_grace_ms: it counts the node lost then
  TimeMs keepers_heard_ = -1;               // what the heard file says
  TimeMs next_heartbeat_ = 0;
  TimeMs next_logs_ = 0;                    // running jobs' output is shipped then
  int timeout_ms_ = 5000;                   // short requests (shorter while stopping)
  int timeout_now_ = 5000;                  // ... this turn's: none may outlast the fence
  std::vector<JobExit> exits_;              // handed over, not yet acknowledged by a 200
  std::vector<JobKey> checkpoints_;         // seen, not yet acknowledged by a 200
  bool send_checkpoints_ = true;            // false once the server refused the field
  std::string last_refusal_;                // a refused report, said once
  std::string denial_;                      // why the server refuses our token
  std::string stale_;                       // what the server said of our stale epoch
};

}  // namespace hexa
