// ReplicaSet: N real `hexa serve` replicas sharing one PostgreSQL journal (docs/server.md,
// Replicas), with real `hexa agent`s given the list of every replica's URL, for the failover
// tests (issue 15). Each replica listens on a loopback port chosen here (its advertised URL must
// be known before it starts, and a restarted replica keeps its URL, as in the agents' list) and
// has a state directory of its own (its log, the first leader's admin.token). Every process is
// stopped by its pid when the set ends, and its directory removed.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "e2e/live_cloud.h"
#include "e2e/storm.h"

namespace hexa::testing {

class ReplicaSet {
 public:
  // Starts replica 0 (it takes the lease and makes the admin token), then the others; fails the
  // test (and returns nullptr) when one does not become ready within 30 s. `db`: a PostgreSQL
  // URL (PgCluster::new_database); `serve_args` go to every replica.
  static std::unique_ptr<ReplicaSet> start(const std::string& config_yaml, const std::string& db, int replicas,
                                           std::vector<std::string> serve_args = {});
  ~ReplicaSet();
  ReplicaSet(const ReplicaSet&) = delete;
  ReplicaSet& operator=(const ReplicaSet&) = delete;

  int size() const { return static_cast<int>(urls_.size()); }
  const std::string& url(int i) const { return urls_[static_cast<std::size_t>(i)]; }
  std::string url_list() const;  // "URL0,URL1,..." as agents and the CLI take it
  const std::string& dir() const { return dir_; }
  const std::string& admin() const { return admin_; }
  pid_t pid(int i) const { return pids_[static_cast<std::size_t>(i)]; }
  // Whether replica i's process runs still (one that ended is reaped: its pid is 0 after).
  bool running(int i);
  std::string log(int i) const;

  // One request to replica i alone (no redirect followed).
  Answer call_at(int i, const std::string& method, const std::string& target, const Json& body = nullptr,
                 const std::string& token = "", const std::vector<std::pair<std::string, std::string>>& headers = {});
  // One request through the list of URLs (LeaderClient, as the CLI and agents do: 307s followed,
  // a dead or refusing replica skipped), starting at the replica that last answered as leader.
  Answer call(const std::string& method, const std::string& target, const Json& body = nullptr,
              const std::string& token = "", const std::vector<std::pair<std::string, std::string>>& headers = {});
  Answer as_admin(const std::string& method, const std::string& target, const Json& body = nullptr) {
    return call(method, target, body, admin_);
  }
  Caller caller();  // call(), for Storm and check_acked
  std::string token(const std::string& role, const std::string& tenant_or_node = "");

  // "leader", "follower", or "" (no answer) from replica i's X-Hexa-Role.
  std::string role(int i);
  // The one replica answering as leader (each asked in turn, `skip` not asked), -1 at the limit.
  int wait_leader(std::chrono::milliseconds limit, int skip = -1);
  // Waits until replica i answers a GET at all (a follower may be catching up); false at the limit.
  bool wait_answers(int i, std::chrono::milliseconds limit);

  // Signals replica i. SIGKILL/SIGTERM: waits for it to end (its pid is 0 after). SIGSTOP/SIGCONT: returns at once.
  void signal(int i, int sig);
  // Starts one more replica (a new port, state directory and id: it replays the journal as a
  // fresh server would); its index, or -1 (and a test failure) when it does not become ready.
  int add_replica(std::chrono::milliseconds limit = std::chrono::seconds(60));
  // Starts replica i again (same port, same state directory); waits until it answers /readyz.
  bool restart(int i, std::chrono::milliseconds limit = std::chrono::seconds(30));

  // An agent for `node` with --server set to every replica's URL; its log in DIR/agent-NODE.log.
  pid_t start_agent(const std::string& node, int gpus, std::vector<std::string> extra = {});
  std::string agent_log(const std::string& node) const;
  bool wait_node_up(const std::string& node, std::chrono::milliseconds limit = std::chrono::seconds(30));
  // Polls GET /v1/jobs/{id} (through the list) until pred(job) holds or the limit passes; the last job.
  Json wait_job(std::int64_t id, const std::function<bool(const Json&)>& pred,
                std::chrono::milliseconds limit = std::chrono::seconds(30));

 private:
  ReplicaSet() = default;
  bool start_replica(int i, std::chrono::milliseconds limit);

  std::string dir_, config_, db_, admin_;
  std::vector<std::string> serve_args_, urls_;
  std::vector<int> ports_;
  std::vector<pid_t> pids_, agents_;
  std::atomic<int> preferred_{0};  // the replica that last answered as leader
};

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice).
int free_loopback_port();

}  // namespace hexa::testing
