// Host: the live server's owner of the Core (docs/server.md, Architecture). One core thread
// takes every queued request as one batch, journals the batch and a Schedule in one
// transaction, applies them with the batch's `now`, then answers and hands orders to agents.
// Reads take a shared lock and never wait for the journal.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/core.h"
#include "server/metrics.h"
#include "sim/scenario.h"
#include "store/journal.h"

namespace hexa {

struct HostOptions {
  DurationMs node_grace = 15 * kSecond;  // an agent silent this long has lost its node
  int heartbeat_s = 5;                   // what agents are told to keep to
  std::function<TimeMs()> wall_ms;       // the clock (ms since the Unix epoch); default: the system's
};

// What the server keeps of a job beyond the core: how to run it.
struct JobRun {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string request_id;
};

// An order for an agent (docs/server.md, Agents).
struct Order {
  bool start = true;  // else stop
  JobId job = 0;
  int segment = 0;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::vector<int> gpus;
  int rank = 0;
  std::vector<std::string> nodes;
};

struct AgentExit {
  JobId job = 0;
  int segment = 0;
  int exit_code = 0;
  int signal = 0;
};

// What a request asks the core thread to do, decided against the state at batch time.
struct Plan {
  std::vector<Command> commands;
  JobRun run;                      // for a submit
  std::optional<JobId> existing;   // an idempotent retry: the job it made before; nothing journaled
};
struct Outcome {
  Status journal = Status::Ok();            // not ok: nothing applied (503)
  std::vector<Result<Effects>> results;     // one per planned command
  std::optional<JobId> existing;
};

class Host {
 public:
  using PlanFn = std::function<Plan(const Core&)>;
  using DoneFn = std::function<void(const Outcome&)>;
  using PollFn = std::function<void(Result<std::vector<Order>>)>;

  // Opens DIR/hexa.db; replays it, or on a first start journals the configuration's tenants
  // and money as the first batch. `cloud` must outlive the host.
  static Result<std::unique_ptr<Host>> open(const Scenario& cloud, const std::string& dir, HostOptions opt);
  ~Host();

  void start();  // the core thread
  void stop();   // answers what is queued with 503, joins

  // Queues a request; `done` runs on the core thread once its batch is durable and applied.
  void enqueue(PlanFn plan, DoneFn done);

  // Reads under the shared lock: f(core, host) with the state between two batches.
  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(*core_);
  }
  // REQUIRES: read lock held (inside read()).
  const JobRun* run_of(JobId id) const { return id < runs_.size() ? &runs_[id] : nullptr; }
  std::optional<JobId> job_for_request(const std::string& request_id) const;  // REQUIRES: read lock

  TimeMs origin_ms() const { return origin_; }  // wall-clock ms of core time 0
  TimeMs core_now() const;                      // the clock, in core time
  const Topology& topology() const { return cloud_.topology ? *cloud_.topology : *topo_; }
  Metrics& metrics() { return metrics_; }
  Journal& journal() { return *journal_; }
  std::uint64_t digest() const;
  std::int64_t replayed() const { return replayed_; }
  const HostOptions& options() const { return opt_; }
  std::string log_dir() const { return dir_ + "/logs"; }

  // --- agents (docs/server.md, Agents); any thread
  // Registers node's agent: validates what it declares, then (core thread) brings the node up.
  void register_agent(const std::string& node, int gpus, const std::string& gpu_type,
                      std::vector<std::pair<JobId, int>> running, std::function<void(Result<std::int64_t>)> done);
  // Long poll: answers with orders at once or when some come, or empty at the deadline.
  // Conflict when `epoch` is not the node's current one.
  void poll(const std::string& node, std::int64_t epoch, DurationMs wait, PollFn reply);
  // Exits and heartbeat. Conflict when the epoch is stale.
  Status report(const std::string& node, std::int64_t epoch, std::vector<AgentExit> exits);
  Status check_epoch(const std::string& node, std::int64_t epoch);  // and counts as a heartbeat
  struct AgentView {
    bool connected = false;
    TimeMs heard = 0;
  };
  AgentView agent(const std::string& node) const;

 private:
  Host(const Scenario& cloud, std::string dir, HostOptions opt, std::unique_ptr<Journal> journal,
       std::unique_ptr<Core> core);
  Status replay();
  Status first_start();
  void loop();
  void run_batch(std::vector<std::pair<PlanFn, DoneFn>>& items, TimeMs now);
  void housekeeping(TimeMs now);
  // Applies one journaled command (live or replayed) and keeps the server's own state in step.
  Result<Effects> apply_one(const Command& c, const JobRun& run, TimeMs now);
  void on_effects(const Effects& fx, bool live);
  void send(const std::string& node, Order o);  // REQUIRES: agents_mu_ held
  void flush_polls(TimeMs now, bool all);       // REQUIRES: agents_mu_ held
  std::string envelope(const Command& c, const JobRun& run) const;

  const Scenario& cloud_;
  const Topology* topo_ = nullptr;
  std::string dir_;
  HostOptions opt_;
  std::unique_ptr<Journal> journal_;
  mutable std::shared_mutex mu_;  // the core and runs_: written by the core thread only
  std::unique_ptr<Core> core_;
  std::vector<JobRun> runs_;
  std::map<std::string, JobId> requests_;            // request id -> job
  std::map<JobId, Allocation> running_alloc_;        // what each running job holds, for stops
  std::map<JobId, std::map<int, int>> rank_exits_;   // running gangs: rank -> exit code so far
  TimeMs origin_ = 0;
  TimeMs last_now_ = 0;
  TimeMs wake_at_ = kNever;
  std::int64_t replayed_ = 0;
  Metrics metrics_;

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::vector<std::pair<PlanFn, DoneFn>> queue_;
  bool stopping_ = false;
  std::thread thread_;

  struct Session {
    std::int64_t epoch = 0;
    TimeMs heard = 0;  // wall ms
    std::deque<Order> orders;
    std::optional<PollFn> waiting;
    TimeMs wait_until = 0;
  };
  mutable std::mutex agents_mu_;
  std::map<std::string, Session> agents_;
  std::map<std::string, std::int64_t> last_epoch_;
};

}  // namespace hexa
