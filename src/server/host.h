// Host: the live server's owner of the Core (docs/server.md, Architecture). One core thread
// takes everything queued as one batch, journals the batch and a Schedule in one transaction
// (group commit), applies them with the batch's `now`, then answers the batch's requests and
// hands start and stop orders to the agents. Reads take a shared lock and never wait for the
// journal. Restart = newest valid snapshot + replay of the journal after it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/json_writer.h"
#include "core/core.h"
#include "core/job_request.h"
#include "server/agents.h"
#include "server/job_timeline.h"
#include "server/job_view.h"
#include "server/log_store.h"
#include "server/metrics.h"
#include "server/replica.h"
#include "sim/scenario.h"
#include "store/journal.h"
#include "store/snapshot_file.h"

namespace hexa {

struct HostOptions {
  DurationMs node_grace = 15 * kSecond;   // an agent silent this long has lost its node
  int heartbeat_s = 5;                    // what agents are told to keep to
  // Agents unheard this long stop their jobs themselves (docs/server.md, Fencing): shorter than
  // node_grace, so that a lost node's jobs are gone before they run elsewhere. 0: 2/3 of it.
  DurationMs fence = 0;
  DurationMs fence_ms() const { return fence > 0 ? fence : node_grace * 2 / 3; }
  DurationMs stop_grace = 30 * kSecond;   // SIGTERM .. SIGKILL, in stop orders
  std::int64_t snapshot_every = 20000;    // journal rows between snapshots ...
  DurationMs snapshot_interval = 5 * kMinute;  // ... or this long, whichever first (0: never by time)
  JobDefaults defaults;                   // time limit and checkpoints of jobs that give none
  int gang_port_lo = 29500;               // HEXA_MASTER_PORT of each run segment: in [lo, hi],
  int gang_port_hi = 29999;               // the same for every rank without a round trip (gang_port)
  std::function<TimeMs()> clock;          // wall clock, ms since the Unix epoch; default: the system's
  std::function<std::string()> request_ids;  // ids of requests that bring none; default: random (request_id.h)
  // Where the journal and the snapshots live (the deterministic simulation, tests/dst/, keeps
  // them in memory). Defaults: Journal::open(dir); the files of DIR/snapshots.
  std::function<Result<std::unique_ptr<Journal>>(const std::string& dir)> open_journal;
  std::function<Status(std::int64_t seq, const std::string& bytes)> save_snapshot;
  std::function<SnapshotLoad(const SnapshotAccept& accept)> load_snapshot;
  // Replicas (docs/server.md, Replicas): used only where the journal is shared().
  std::string replica_id;       // this server's name in the lease; "": host name + pid
  std::string advertise_url;    // where followers send this server's clients
  DurationMs lease = 5 * kSecond;  // the lease's length; the leader renews it every third of it
  std::function<TimeMs()> monotonic;  // ms that never go back (the lease's own clock); default: steady_clock
};

// A request's work for the core thread, decided against the state at batch time.
struct Plan {
  std::vector<Command> commands;   // journaled, then applied, in this order
  JobRun run;                      // a submit's command line
  std::string request_id;          // a submit's Idempotency-Key, scoped by tenant
  std::vector<std::string> notes;  // host records journaled with the batch (gang rank exits)
  std::optional<JobId> existing;   // an idempotent retry: the job it made before; nothing journaled
  Status refused = Status::Ok();   // answer this; nothing journaled
  std::string field;               // the request's field that `refused` is about
  // The API request's X-Request-Id: journaled with its commands (last, with a default, so that
  // plans written field by field need not name it).
  std::string x_request_id = {};
};
struct Outcome {
  Status journal = Status::Ok();         // not ok: nothing applied (503)
  std::vector<Result<Effects>> results;  // one per planned command
  std::optional<JobId> existing;
  std::int64_t first_seq = 0;            // journal position of the plan's first command
  std::string field;                     // a refusal's field (Plan::field)
};

class Host {
 public:
  using PlanFn = std::function<Plan(const Core&)>;
  // Called on the core thread once the batch is durable and applied, with the core readable.
  using DoneFn = std::function<void(const Outcome&, const Core&)>;

  // Opens DIR/hexa.db; restores the newest snapshot and replays the journal after it, or on a
  // first start journals the configuration's tenants and money as the first batch. `cloud`
  // must outlive the host. `notes` gets what a person should know (a snapshot skipped).
  static Result<std::unique_ptr<Host>> open(const Scenario& cloud, const std::string& dir, HostOptions opt,
                                            std::vector<std::string>* notes = nullptr);
  ~Host();

  void start();  // the core thread
  // Manual mode (the deterministic simulation): one turn of the core thread's loop on the
  // caller's thread, without waiting; a snapshot due is written before it returns, so that
  // nothing runs on another thread. REQUIRES: start() not called.
  void step();
  void stop();   // answers what is queued with 503; joins

  // Queues a request; `done` runs on the core thread once its batch is durable and applied.
  void enqueue(PlanFn plan, DoneFn done);

  // Reads under the shared lock: f(core) between two batches.
  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(*core_);
  }
  // REQUIRES: inside read() or on the core thread.
  const JobRun* run_of(JobId id) const;
  // A live job's run segments with times and nodes (JobTimelines::json). REQUIRES: as run_of.
  nlohmann::json segments_of(JobId id) const { return timelines_.json(id, topology(), origin_); }
  std::optional<ArchivedJob> ended_job(JobId id) const;  // REQUIRES: as run_of (pending rows)
  // The job an Idempotency-Key made within the last day. REQUIRES: core thread.
  std::optional<JobId> job_for_request(const std::string& request_id) const;
  // Ended jobs not yet in the archive table (they join it with the next batch). REQUIRES: as run_of.
  std::vector<ArchivedJob> unwritten() const;

  const Topology& topology() const { return *cloud_.topology; }
  const Scenario& cloud() const { return cloud_; }
  const HostOptions& options() const { return opt_; }
  ServerMetrics& metrics() { return metrics_; }
  Journal& journal() { return *journal_; }  // thread-safe: writes and queries have their own connections
  Journal& reader() { return *journal_; }
  AgentBook& agents() { return agents_; }
  LogStore& logs() { return logs_; }
  std::int64_t replayed() const { return replayed_; }
  // Core time 0 as wall-clock ms: midnight UTC of the day the cloud was made. Core times are
  // ms since then (a configuration's "day 3 14:00" is a calendar day of the cloud); the API
  // speaks wall-clock ms (origin + core time).
  TimeMs origin_ms() const { return origin_; }
  std::uint64_t digest() const;
  TimeMs now() const;  // the clock, never going back from what the core has seen

  // Ranks of a running gang that ended well so far. REQUIRES: core thread.
  int ranks_exited(JobId id) const;
  // Sends the start orders of running jobs again (their agent lost them). Any thread.
  void resend_starts(const std::vector<JobId>& ids);

  // Replicas (host_replica.cc). Where the journal is not shared there is no Replica and this
  // server always leads.
  bool leading() const { return !replica_ || replica_->leading(); }
  ReplicaView replica_view() const;  // any thread; replicated = false without a shared journal
  // Runs on the core thread each time this server starts leading after following (a failover),
  // once it has read the journal to its end: the server reloads what it keeps beside the core
  // (tokens). REQUIRES: before start().
  void on_lead(std::function<void()> f) { on_lead_ = std::move(f); }

  // Writes a snapshot now (the core thread does it between batches). For tests and shutdown.
  // REQUIRES: start() called (it waits for the core thread).
  Status snapshot_now();

  // Nodes (host_nodes.cc). REQUIRES: inside read() or on the core thread.
  // The address ranks reach the node at: what its agent declared (--advertise-addr) or the
  // address its registration came from; the node's name when none is known.
  std::string node_addr(const std::string& node) const;
  struct Drain {
    std::string reason;
    TimeMs deadline = kNever;  // core time: jobs still running on the node then are requeued
  };
  const Drain* drain_of(const std::string& node) const;  // null: not drained through the API
  // The master port of a run segment: deterministic in [gang_port_lo, gang_port_hi].
  int gang_port(JobId job, int segment) const;

 private:
  Host(const Scenario& cloud, std::string dir, HostOptions opt);
  Status first_start();
  Status recover(std::vector<std::string>* notes);
  // A snapshot's bytes (host state, then core) in place of the state; REQUIRES: mu_ held.
  Status restore_snapshot(std::int64_t seq, std::string_view bytes);
  // A follower whose next rows were compacted away: the newest snapshot, from the journal.
  Status reload_snapshot();
  Status replay_entry(const JournalEntry& e);
  void loop();
  struct Item {
    PlanFn plan;
    DoneFn done;
  };
  // host_replica.cc
  TimeMs mono() const;
  Status open_replica(bool* lead);           // the lease at open: lead or follow
  void start_leading(bool failover);         // as a restarted server: agents' grace, start orders
  bool replica_turn(std::vector<Item>& items);  // false: this server follows; items refused
  void renew(TimeMs t);
  void try_lease(TimeMs t);
  Status tail(bool wait, bool to_end);       // a follower applies the journal's new rows
  void step_down(const std::string& why);
  void refuse(std::vector<Item>& items, const Status& why);
  void turn(std::vector<Item>& items);  // one turn of the loop: housekeeping, batch, snapshot, polls
  void run_batch(std::vector<Item>& items, TimeMs now);
  void housekeeping(TimeMs now);
  // Applies one journaled command (live or replayed) and keeps the host's own state in step.
  Result<Effects> apply_one(const Command& c, const Plan* plan, std::int64_t seq, TimeMs now, bool live);
  void on_effects(const Effects& fx, bool live);
  void archive(JobId id);
  void send_start(JobId id, const Allocation& alloc);
  void send_stop(JobId id, int segment, const Allocation& alloc);
  std::map<JobId, Allocation> running_alloc_;        // what each running job holds, for stops
  std::string cause_;  // while a request's command applies live: its X-Request-Id, for its stop orders
  void apply_note(const nlohmann::json& note);
  void apply_node_note(const nlohmann::json& note);  // host_nodes.cc
  void drain_deadlines(TimeMs now);                   // housekeeping: requeues what runs past one
  void finish_gangs();                                // housekeeping: gangs whose ranks all ended well (host_gangs.cc)
  void write_nodes(JsonWriter& w) const;              // host state: addresses and drains
  void read_nodes(const nlohmann::json& state);
  std::string envelope(const Command& c, const Plan* plan) const;
  Status maybe_snapshot(TimeMs now, bool force);
  std::string host_state() const;
  Status load_host_state(std::string_view json);

  const Scenario& cloud_;
  std::string dir_;
  HostOptions opt_;
  std::unique_ptr<Journal> journal_;
  mutable std::shared_mutex mu_;  // the core and what follows: written by the core thread only
  std::unique_ptr<Core> core_;
  std::map<JobId, JobRun> runs_;                     // jobs in the core
  struct Request {
    JobId job = 0;
    TimeMs at = 0;  // core time of the submit
  };
  std::map<std::string, Request> requests_;          // request id -> job, for a day (kRequestTtl)
  std::map<JobId, ArchivedJob> unwritten_;           // ended jobs not yet in the archive table
  std::map<JobId, std::map<int, int>> rank_exits_;   // running gangs: rank -> exit code so far
  std::map<std::string, std::string> node_addrs_;    // node -> address, from its registration
  std::map<std::string, Drain> drains_;              // nodes drained through the API, until resumed
  TimeMs origin_ = 0;
  std::atomic<TimeMs> last_now_{0};                  // core time of the last batch (now() reads it anywhere)
  std::int64_t seq_ = 0;                             // last journal row applied
  std::int64_t snapshot_seq_ = 0;
  TimeMs snapshot_at_ = 0;
  std::int64_t replayed_ = 0;
  bool journal_failing_ = false;                     // the last batch's append failed (said in the log)
  ServerMetrics metrics_;
  AgentBook agents_;
  LogStore logs_;
  JobTimelines timelines_;                           // run segments with times, for the job page

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::vector<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::thread snap_thread_;              // writes the last snapshot's file
  std::atomic<bool> snap_busy_{false};
  std::unique_ptr<Replica> replica_;     // null: the journal is not shared
  bool tail_failed_ = false;             // core thread: a follower's last tail failed (the database away?)
  std::function<void()> on_lead_;
};

}  // namespace hexa
