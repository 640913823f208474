// AgentBook: the server's side of the agents (docs/server.md, Agents): each node's current
// epoch, when its agent was last heard, the orders waiting for it and its long poll.
//
// An epoch is the journal position of the node's last registration (its NodeUp row), so a
// restarted server knows every node's epoch from its journal: agents keep running their jobs
// and polling across a restart of the server. A lost node's epoch is void: its agent is told
// 409, stops everything and registers again.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/ids.h"
#include "model/status.h"
#include "model/units.h"

namespace hexa {

// An order for an agent.
struct Order {
  bool start = true;  // else stop
  JobId job = 0;
  int segment = 0;
  int restarts = 0;
  std::string name, tenant;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::vector<int> gpus;
  int rank = 0;
  std::vector<std::string> nodes;
  // A slice job: its profile, the memory slots it holds on its GPU, and the node's MIG device
  // there when its agent registered one ("" else).
  std::string slice_profile;
  int slice_slots = 0;  // 0: whole GPUs
  std::string slice_uuid;
  std::int64_t memory_mb = 0, cpus = 0;  // start: limits, 0 none (left out of the order)
  std::string master_addr;  // rank 0's node: HEXA_MASTER_ADDR / HEXA_MASTER_PORT
  int master_port = 0;
  DurationMs grace_ms = 0;  // stop: SIGTERM .. SIGKILL
  std::string request_id = {};  // the X-Request-Id of the request that caused it ("" none: left out)
};

// A MIG device a node's agent registered: its GPU, the memory slots it holds, its UUID.
struct RegisteredMig {
  int gpu = 0;
  int slots = 0;
  std::string uuid;
};
std::string orders_json(const std::vector<Order>& orders);

class AgentBook {
 public:
  using PollFn = std::function<void(Result<std::vector<Order>>)>;

  // The node's agent registered at journal row `epoch` (live or replayed); `heard` is when.
  // A newer registration voids the older one's long poll (409).
  void registered(const std::string& node, std::int64_t epoch, TimeMs heard);
  // The node was lost: its epoch is void; its long poll is answered 409.
  void lost(const std::string& node);
  // Whether `epoch` is the node's current one; if so, the agent was heard now. Conflict else.
  Status heard(const std::string& node, std::int64_t epoch, TimeMs now);
  std::int64_t epoch(const std::string& node) const;  // 0: none
  // Long poll: answers at once when orders wait (or wait <= 0), else when some come, or empty
  // at the deadline (flush). Conflict when the epoch is not current.
  void poll(const std::string& node, std::int64_t epoch, DurationMs wait, TimeMs now, PollFn reply);
  // Queues an order for the node's agent (dropped when the node has no epoch: nothing runs there).
  void send(const std::string& node, Order o);
  // Whether a start order for (job, segment) waits undelivered for the node.
  bool start_waits(const std::string& node, JobId job, int segment) const;
  // Answers the long polls that have orders, or whose deadline came.
  void flush(TimeMs now);
  // Every node whose agent was not heard for `grace`: lost by the caller (FailNode).
  std::vector<std::string> silent(TimeMs now, DurationMs grace) const;
  // Restarted server: every node with an epoch counts as heard now (its agent has grace).
  void heard_all(TimeMs now);
  // Answers every long poll with `why` (shutdown).
  void close_all(const Status& why);

  // The node's MIG devices, as its agent registered them: kept apart from the session (not
  // journaled; each registration sends them again). Replaces what was there.
  void set_mig(const std::string& node, std::vector<RegisteredMig> devices);
  // The UUID of the node's MIG device on `gpu` that holds exactly `slots`; "" when none.
  std::string mig_uuid(const std::string& node, int gpu, int slots) const;

  struct View {
    std::int64_t epoch = 0;
    TimeMs heard = 0;
    bool polling = false;
  };
  View view(const std::string& node) const;

 private:
  struct Session {
    std::int64_t epoch = 0;
    TimeMs heard = 0;
    std::deque<Order> orders;
    std::optional<PollFn> waiting;
    TimeMs wait_until = 0;
  };
  static Status stale(const std::string& node, std::int64_t epoch);

  mutable std::mutex mu_;
  std::map<std::string, Session> nodes_;
  std::map<std::string, std::vector<RegisteredMig>> mig_;
};

}  // namespace hexa
