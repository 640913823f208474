// The jobs this agent runs, from their start order until their exit is handed over to be
// reported: their processes (agent/process.h), work dirs and output files.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/orders.h"
#include "agent/process.h"

namespace hexa {

// One output file of a job and how much of it the server holds.
struct LogStream {
  std::string name;       // "stdout" or "stderr"
  std::string path;
  std::int64_t sent = 0;  // bytes the server holds (it says so after each chunk)
  std::int64_t end = -1;  // once the job ended: the file's size then, all there is to send
                          // (a process that left the job's group may write on: not awaited)
  int stalls = 0;         // chunks in a row the server took without growing the log
  bool given_up = false;  // the server refuses it: not sent any more
};

struct AgentJob {
  JobKey key;
  LogStream out, err;
  bool ended = false;  // its process ended (or never started)
  int exit_code = 0;   // as ProcessExit
  int signal = 0;
};

struct JobExit {
  JobKey key;
  int exit_code = 0;
  int signal = 0;
};

class AgentJobs {
 public:
  // `mig`: this node's MIG devices (slice jobs get theirs in CUDA_VISIBLE_DEVICES).
  AgentJobs(std::string work_dir, std::optional<JobUser> user, std::string node, std::vector<MigDevice> mig,
            AgentSay say);

  // Starts the order's job in WORK_DIR/jobs/KEY/. Ignored when its key is running, or ended
  // since the last clear(). A job that cannot be started ends at once with exit code 127, the
  // reason in its stderr.
  void start(const StartOrder& o);
  // SIGTERM to the job's group now, SIGKILL at now + grace. Ignored unless it runs.
  void stop(const JobKey& key, TimeMs now, DurationMs grace);
  void stop_all(TimeMs now, DurationMs grace);
  // Sends the SIGKILLs due and marks the jobs that ended.
  void reap(TimeMs now);

  bool processes_left() const { return !sup_.keys().empty(); }
  bool empty() const { return jobs_.empty(); }
  std::map<JobKey, AgentJob>& jobs() { return jobs_; }
  // The jobs whose exit has not been handed over yet: the server counts them as running.
  std::vector<JobKey> running() const;
  // Hands an ended job's exit over (to be reported); the job leaves the table.
  JobExit take_exit(const JobKey& key);
  // Forgets every job (the epoch is stale: the server has counted them lost). Call once their
  // processes are gone.
  void clear();

 private:
  void fail_start(AgentJob& j, const std::string& why);
  void end(AgentJob& j, int exit_code, int signal);

  std::string work_dir_;
  std::optional<JobUser> user_;
  std::string node_;
  std::vector<MigDevice> mig_;
  AgentSay say_;
  Supervisor sup_;
  std::map<JobKey, AgentJob> jobs_;
  std::set<JobKey> ended_;  // since the last clear(): a start order for them again is ignored
};

}  // namespace hexa
