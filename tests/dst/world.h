// The deterministic simulation of the live system (docs/testing.md, "Deterministic simulation"):
// the real server (Host, the API's handlers, the core) on a simulated clock, with a simulated
// network (loss, delay, duplication, reordering, partitions) and disk (MemJournal: failing
// fsyncs, torn last writes), model agents speaking the real agent protocol and model clients.
// One seed decides everything; the same seed replays the same run, event for event.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "dst/mem_journal.h"
#include "net/http.h"
#include "sim/rng.h"
#include "sim/scenario.h"

namespace hexa {
class Host;
class TokenBook;
struct Api;
}  // namespace hexa

namespace hexa::dst {

constexpr TimeMs kWallEpoch = 1'700'000'000'000;  // the simulated wall clock at t = 0

// What every seed shares: the cloud (parsed once) and where the hosts may put their logs.
struct Setup {
  const Scenario* cloud = nullptr;
  std::string dir;
  int nodes = 3, gpus_per_node = 2;
  std::vector<std::string> tenants;  // members' tenants (they have grants)
};
// The cloud every seed runs on: written to `dir`/cloud.yaml and parsed. Fails the test on error.
Result<Scenario> load_dst_cloud(const std::string& dir, int nodes, int gpus_per_node);

// The rates of each fault, drawn per seed (some seeds calm, some stormy).
struct Faults {
  double loss = 0, dup = 0;          // per message
  TimeMs delay_lo = 1, delay_hi = 20;  // one-way delay, ms (reordering: messages overtake)
  double partition = 0, agent_crash = 0, node_reboot = 0, server_crash = 0;  // per second of chaos
  double fsync = 0, torn = 0;        // per journal append
  std::string text() const;
};

// The last lines of a run, for a failing seed's report (all of them with `keep_all`).
class RunLog {
 public:
  explicit RunLog(bool keep_all) : keep_all_(keep_all) {}
  void add(TimeMs t, const std::string& line);
  std::string text() const;
  static constexpr std::size_t kKept = 300;

 private:
  bool keep_all_;
  std::deque<std::string> lines_;
  std::size_t dropped_ = 0;
};

struct ProcKey {
  JobId job = 0;
  int segment = 0;
  auto operator<=>(const ProcKey&) const = default;
};

// A job's processes on a node: they outlive the agent (the keepers), not a reboot.
struct SimProc {
  ProcKey key;
  int rank = 0;
  std::vector<int> gpus;
  TimeMs ends_at = 0;        // ends by itself then, with exit_code
  int exit_code = 0;
  TimeMs dies_at = kNever;   // SIGTERM'd: dies then (SIGKILL at the latest)
  bool stopping = false;
  int kill_signal = 15;      // SIGTERM if it ends within the grace, else SIGKILL
  bool fenced = false;       // stopped at the fence: never reported (the server counts it lost)
  bool dead = false;
  int code = 0, signal = 0;  // how it ended
  bool settled = false;      // its exit was acknowledged (or is never to be told)
  bool live() const { return !dead; }
};

struct SimNode {
  std::string name;
  std::vector<SimProc> procs;
  TimeMs heard = -1;         // the keepers' heard file: when the server last answered the agent
  DurationMs fence = 0;      // ... and its fence (0: none)
};

struct StartOrderMsg {
  ProcKey key;
  int rank = 0;
  std::vector<int> gpus;
  TimeMs duration = 0;
  int exit_code = 0;
};

// A node's agent: what it has in memory (lost when it crashes).
struct ModelAgent {
  bool up = false;
  TimeMs back_at = 0;        // crashed: restarts then
  std::int64_t epoch = 0;
  bool registered = false;
  bool quiescing = false;    // fenced or stale: waiting for its jobs to die before registering
  TimeMs last_heard = 0;     // in memory: the latest request answered 2xx (its sending time)
  DurationMs fence = 2000, grace = 3000, heartbeat = 1000;
  std::set<ProcKey> known;   // started or adopted by this agent (a start order for one is ignored)
  std::set<ProcKey> table;   // its jobs table: running, or ended with the exit not yet taken
  std::vector<StartOrderMsg> waiting;  // start orders whose GPUs a stopping job still holds
  std::vector<ProcKey> exits;          // ended, not yet acknowledged
  std::uint64_t reg_req = 0, poll_req = 0, report_req = 0;  // in flight (0: none)
  std::vector<ProcKey> reporting;      // the exits the report in flight carries
  TimeMs next_heartbeat = 0, retry_at = 0;
  DurationMs backoff = 100;
};

struct ClientJob {
  std::string key;           // Idempotency-Key
  std::string tenant;
  std::string body;
  JobId id = 0;              // acknowledged: the id the server gave
  bool acked = false, cancel_acked = false;
  int tries = 0;
  std::uint64_t req = 0;     // in flight
};

class World {
 public:
  World(const Setup& setup, std::uint64_t seed, bool keep_all);
  ~World();
  // Runs the seed to its end; the first invariant broken, in words ("" when none).
  std::string run();
  std::string report() const;  // the seed, its faults and the run's last lines
  // What happened, for the figures: events, requests, faults injected.
  struct Counts {
    long events = 0, requests = 0, steps = 0, lost = 0, dups = 0, partitions = 0, agent_crashes = 0,
         reboots = 0, server_crashes = 0, fsync_failures = 0, torn_writes = 0, acked = 0, starts = 0;
  };
  const Counts& counts() const { return counts_; }

 private:
  // events (world.cc)
  void at(TimeMs t, std::function<void()> fn);
  void say(const std::string& line);
  void fail(const std::string& what);
  TimeMs wall() const;
  // network (world_net.cc)
  using OnReply = std::function<void(std::optional<HttpResponse>)>;
  std::uint64_t call(const std::string& from, HttpRequest req, TimeMs timeout, OnReply on_reply);
  void deliver_request(const std::string& from, std::uint64_t id, const HttpRequest& req);
  void deliver_reply(const std::string& to, std::uint64_t id, const HttpResponse& r);
  bool cut(const std::string& endpoint) const;
  TimeMs delay();
  // server (world_server.cc)
  void open_server();
  void crash_server(bool clean);
  void restart_server();
  void schedule_step(TimeMs t);
  void step_server();
  void check_restart();
  std::optional<std::uint64_t> digest_at_crash_;  // a crash between two steps: the state to find again
  // agents (world_agent.cc)
  void agent_tick(int n);
  void keeper_tick(int n);
  void agent_register(int n);
  void agent_poll(int n);
  void agent_report(int n);
  void on_orders(int n, const HttpResponse& r);
  void start_order(int n, const StartOrderMsg& o);
  void stop_proc(SimProc& p, DurationMs grace, bool fenced);
  void quiesce(int n, DurationMs grace, const std::string& why);
  void agent_failed(int n);
  void agent_heard(int n, TimeMs sent);
  HttpRequest agent_request(int n, const char* method, const std::string& target, const std::string& body) const;
  std::string running_list(int n) const;
  void crash_agent(int n, bool reboot);
  // clients (world_client.cc)
  void new_job();
  void send_submit(std::size_t j);
  void send_cancel(std::size_t j);
  void chaos_tick();
  // invariants (world_check.cc)
  void check_server();
  void check_proc_start(int n, const SimProc& p);
  void check_final();

  const Setup& setup_;
  std::uint64_t seed_;
  Rng rng_;
  Faults faults_;
  RunLog log_;
  Counts counts_;
  std::string failure_;
  TimeMs now_ = 0;
  struct Event {
    TimeMs at;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::uint64_t next_seq_ = 0;
  TimeMs chaos_until_ = 0, end_at_ = 0;
  bool calm_ = false;

  // the network
  std::uint64_t next_req_ = 0;
  struct Pending {
    OnReply on_reply;
    std::string from;
  };
  std::map<std::uint64_t, Pending> pending_;
  std::map<std::string, TimeMs> cut_until_;  // node -> end of its partition from the server

  // the server
  SimDisk disk_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<TokenBook> tokens_;
  std::unique_ptr<Api> api_;
  int incarnation_ = 0;
  std::int64_t request_ids_ = 0;  // the ids the server gives requests that bring none
  bool server_up_ = false;
  TimeMs server_back_at_ = 0;
  TimeMs step_at_ = kNever;  // the next step scheduled
  std::map<std::string, std::string> secrets_;  // principal -> bearer secret

  // agents and clients
  std::vector<SimNode> nodes_;
  std::vector<ModelAgent> agents_;
  std::vector<ClientJob> jobs_;

  // what the checks remember
  struct Seen {
    std::string state;
    TimeMs ended_ms = 0;
  };
  std::map<JobId, Seen> ended_;                        // jobs seen ended: never again otherwise
  std::map<JobId, std::pair<int, std::vector<int>>> running_;  // job -> (segment, node ids), last step
  // Segments ended by their node's loss (FailNode, or RequeueJob at a registration), by node:
  // their processes there must be gone before any later segment of the job starts.
  std::set<std::pair<ProcKey, std::string>> lost_segments_;
  std::map<std::string, std::int64_t> epochs_;         // node -> epoch, last step
  std::size_t rows_scanned_ = 0;                       // journal rows scan_lost_rows() has read
  struct LostRows {
    std::set<std::string> nodes;                       // FailNode
    std::set<std::pair<JobId, int>> segments;          // RequeueJob: (job, segment)
  };
  LostRows scan_lost_rows();
};

}  // namespace hexa::dst
