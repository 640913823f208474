// The jobs this agent runs, from their start order until their exit is handed over to be
// reported: their processes (agent/process.h), work dirs, output files, checkpoints, and the
// agent's records of them (agent/job_records.h), from which a restarted agent recovers them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/cgroup.h"
#include "agent/job_records.h"
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

// What the checkpoint file looked like when the agent last looked: a change is a checkpoint.
struct FileMark {
  bool exists = false;
  std::uint64_t inode = 0;
  std::int64_t size = 0, mtime_ns = 0;
  bool operator==(const FileMark&) const = default;
};
FileMark mark_of(const std::string& path);
// "exited with code 3", "killed by signal 9", "ended, its exit status lost".
std::string exit_text(int exit_code, int signal);

struct AgentJob {
  JobKey key;
  LogStream out, err;
  std::string checkpoint_file;  // HEXA_CHECKPOINT_FILE
  FileMark checkpoint_seen;
  std::string cgroup;           // its cgroup, or empty
  GpuHold hold;                 // its GPUs here
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
  // `o.work_dir` is absolute and exists.
  AgentJobs(const AgentOptions& o, AgentSay say);

  // At start, before registering: what a previous agent on this work dir left. A job still
  // running (its keeper alive, start time and all) is adopted; one that ended with an exit file
  // is taken as ended with that exit (to be reported); any other (no state, its keeper gone
  // without an exit) is killed if anything of it is left, and left out: the server counts it
  // lost. Returns how many jobs were taken over.
  int recover();
  // Starts the order's job in WORK_DIR/jobs/KEY/. Ignored when its key is running, or ended
  // since the last clear(). A job that cannot be started ends at once with exit code 127, the
  // reason in its stderr. A job whose GPUs a stopping job still holds (the server frees GPUs
  // when it stops a job; its processes have their grace) waits until that one's processes are
  // gone: reap() starts it then. Meanwhile it counts as running.
  void start(const StartOrder& o);
  // SIGTERM to the job's group now, SIGKILL at now + grace. Ignored unless it runs; a job that
  // waits for its GPUs is dropped (the server has moved on).
  // `request_id`: the X-Request-Id the stop order carries, for the log line ("" none).
  void stop(const JobKey& key, TimeMs now, DurationMs grace, const std::string& request_id = "");
  void stop_all(TimeMs now, DurationMs grace);
  // Sends the SIGKILLs due, marks the jobs that ended, starts those that waited for their GPUs.
  void reap(TimeMs now);
  // The running jobs whose checkpoint file changed since the last call.
  std::vector<JobKey> new_checkpoints();
  // The server answered a request sent at `sent` (agent_now_ms); its fence is `fence_ms` (0:
  // none). The keepers stop their jobs once the server has not heard the agent for the fence,
  // even with the agent gone (process.h, heard_path).
  void heard(TimeMs sent, DurationMs fence_ms);

  bool processes_left() const { return !sup_.keys().empty(); }
  bool empty() const { return jobs_.empty(); }
  std::map<JobKey, AgentJob>& jobs() { return jobs_; }
  // The jobs whose exit has not been handed over yet: the server counts them as running.
  std::vector<JobKey> running() const;
  // Hands an ended job's exit over (to be reported); the job leaves the table.
  JobExit take_exit(const JobKey& key);
  // The server has what it needs of this job (its exit acknowledged, or it counts it lost):
  // a later agent leaves it alone.
  void settle(const JobKey& key) { records_.mark_done(key); }
  // Forgets every job (the epoch is stale: the server has counted them lost), settling each.
  // Call once their processes are gone.
  void clear();
  // Forgets every job without stopping any: they run on for the next agent (an upgrade).
  void release();

 private:
  AgentJob make_job(const JobKey& key) const;
  Result<pid_t> launch(const StartOrder& o, AgentJob& j);
  void fail_start(AgentJob& j, const std::string& why);
  void end(AgentJob& j, int exit_code, int signal);
  bool recover_one(const JobKey& key);
  // A job with processes here that holds some of these GPUs, if any.
  const AgentJob* holder(const GpuHold& hold) const;

  std::string work_dir_, checkpoint_root_;
  std::optional<JobUser> user_;
  std::string node_;
  std::vector<MigDevice> mig_;
  AgentSay say_;
  JobRecords records_;
  JobCgroups cgroups_;
  bool limits_said_ = false;  // "no memory/CPU limits" said once
  bool heard_said_ = false;   // a heard file that cannot be written, said once
  bool fenced_ = false;       // recover(): the keepers are past the fence, stopping their jobs
  Supervisor sup_;
  std::map<JobKey, AgentJob> jobs_;
  std::set<JobKey> ended_;  // since the last clear(): a start order for them again is ignored
  std::map<JobKey, StartOrder> waiting_;  // start orders whose GPUs a stopping job still holds
};

}  // namespace hexa
