// Runs jobs' processes on a node: each in its own process group, its output in files, stopped
// with SIGTERM to the group, a grace period, then SIGKILL. POSIX only; no threads inside.
//
// Between the agent and each job stands a keeper: the agent's child, in a session of its own
// (so it outlives the agent), that forks the job, waits for it, SIGKILLs whatever is left of
// the job's group (a job's background children die with it; a process that leaves the group,
// by setsid or setpgid, escapes this, unless the job has a cgroup), writes the job's exit status
// to the spec's exit file (temp file + rename) and exits with the job's status. The job's
// program runs only once the agent has recorded both (ProcessSpec::record) and said go: a job
// that the agent's crash left unrecorded would run on where no later agent can find it, stop
// it or see its fence. The keeper only makes async-signal-safe calls (the agent has threads),
// and closes every descriptor it inherited. An agent that restarts adopts the keepers its
// predecessor left (adopt()).
// The supervisor reaps its children by pid only (never waitpid(-1)); the agent must not set
// SIGCHLD to SIG_IGN, or the exits are lost (reported with exit_code -1, unless the exit file
// has them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "model/status.h"
#include "model/units.h"

namespace hexa {

// The processes of one job: its keeper and the job (leader of its process group), each with its
// start time (field 22 of /proc/PID/stat), so that a reused pid is not taken for them.
struct ProcessIds {
  pid_t keeper = 0;
  std::uint64_t keeper_start = 0;
  pid_t job = 0;
  std::uint64_t job_start = 0;
};

struct ProcessSpec {
  std::vector<std::string> argv;              // argv[0] looked up in PATH (the job's PATH: env's,
                                              // else the agent's, else /bin:/usr/bin), as execvp
  std::map<std::string, std::string> env;     // added to (or replacing in) the agent's environment
  std::string workdir;                        // created if missing (mkdir -p, 0755); the job runs
                                              // there. Empty: the agent's own directory
  std::string stdout_path, stderr_path;       // created (truncated, 0640) by the supervisor; the
                                              // same path for both: one file. Empty: /dev/null
  // Run as this user instead of the agent's own (the agent runs as root without --allow-root:
  // jobs then run as an unprivileged user). The workdir and output files are given to it.
  // The child drops the supplementary groups (when root), sets the gid, then the uid, and checks
  // that it cannot get root back. A uid without a gid takes that user's primary group.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  // Where the keeper writes the job's exit status ("CODE SIGNAL\n", as ProcessExit; PATH.tmp,
  // then renamed) when it ends. Empty: not written (the keeper's own status still tells).
  std::string exit_path;
  // A cgroup v2 directory (made by the caller) that the job joins before exec; killed through
  // its cgroup.kill with the group's SIGKILLs. Empty: none.
  std::string cgroup;
  // The agent's heard file (write_heard_file): when the server last heard the agent and its
  // fence. The keeper stops the job itself once the server has not heard the agent for the
  // fence (SIGTERM, SIGKILL 2 s later), as a live agent cut off from its server does: a job
  // whose agent died must not run on once the server may run it elsewhere. Its exit is then
  // recorded as fenced. Empty, or a file without a fence: no fence.
  std::string heard_path;
  // Called once the keeper and the job's process exist, before the job's program may run: the
  // caller records their ids, so that an agent started after a crash finds them. The program
  // runs only once this returned Ok; an error ends the job before it ran and is start()'s
  // error. An agent that dies before it returns (or its keeper, at the fence by the heard file
  // when the go comes) leaves a job that never runs: its keeper records it as fenced. Without
  // it, the job is cleared at once.
  std::function<Status(const ProcessIds&)> record;
};

struct ProcessExit {
  std::string key;
  int exit_code = 0;  // the exit status, or 128 + signal when killed; 127: exec failed;
                      // -1: the status was lost (reaped by someone else)
  int signal = 0;     // the signal that ended it, 0 = it exited
  bool fenced = false;  // its keeper stopped it at the fence: the server counts it lost
};

class Supervisor {
 public:
  Supervisor() = default;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor();  // kills (SIGKILL) and reaps every group still running

  // Starts argv under `key` (a job and its segment, say), through a keeper, and returns the
  // job's pid, which is also its process group id. Returns once the program has been exec'd (a
  // close-on-exec pipe tells), or once its keeper ended it before exec (spec.record, above).
  // Errors: empty argv (Invalid), a key already running (Conflict), an output file or workdir
  // that cannot be made or given to the user, a failure to set the child up before exec (its
  // group, redirections, workdir, dropping privileges), spec.record's error (Unavailable; the
  // child and its keeper are reaped).
  // Exec failing (no such program, not executable) is NOT an error of start(): start() returns
  // the pid, "hexa agent: cannot run 'ARGV0': REASON" is in stderr_path already, and the next
  // tick() reports the exit with code 127, as a shell would.
  Result<pid_t> start(const std::string& key, const ProcessSpec& spec);
  // Takes over a job that a previous agent started (its keeper alive, start time and all): it
  // is stopped and reported as if started here; its exit is read from `exit_path` once its
  // keeper has written it. Errors: a key already running (Conflict), a keeper that is not
  // alive with that start time (NotFound).
  Status adopt(const std::string& key, const ProcessIds& ids, const std::string& exit_path,
               const std::string& cgroup);
  // The processes of a running key.
  std::optional<ProcessIds> ids(const std::string& key) const;
  // Forgets every job without signalling any: they run on for the next agent (an upgrade).
  void release() { children_.clear(); }
  // SIGTERM to the group now, SIGKILL to it at `now_ms + grace_ms` (see tick). Unknown key: ok.
  void stop(const std::string& key, TimeMs now_ms, DurationMs grace_ms);
  // Sends the SIGKILLs that are due and reaps what ended, without blocking. A key stays
  // running() until the tick that reports its exit.
  std::vector<ProcessExit> tick(TimeMs now_ms);
  bool running(const std::string& key) const;
  std::vector<std::string> keys() const;

 private:
  struct Child {
    ProcessIds ids;
    bool adopted = false;   // not our child: its end is seen in its exit file
    std::string exit_path, cgroup;
    TimeMs kill_at = kNever;
  };
  void kill_group(const Child& c, int sig) const;
  std::optional<ProcessExit> ended(const std::string& key, const Child& c) const;
  std::map<std::string, Child> children_;
};

// The start time of a process (field 22 of /proc/PID/stat, clock ticks since boot); none when
// there is no such process or it is a zombie (it has ended).
std::optional<std::uint64_t> process_start_time(pid_t pid);
// Whether `pid` is alive and is the process that started at `start`.
bool same_process(pid_t pid, std::uint64_t start);
// An exit file's status ("CODE SIGNAL"); none when it is missing or not well formed.
std::optional<ProcessExit> read_exit_file(const std::string& path);
// Writes it as the keeper does (temp file, fsync, rename).
Status write_exit_file(const std::string& path, int exit_code, int signal);
// The heard file: "HEARD_MS FENCE_MS\n", HEARD_MS on the monotonic clock (agent_now_ms, the
// same for every process of the machine): when a request the server answered was sent.
Status write_heard_file(const std::string& path, TimeMs heard_ms, DurationMs fence_ms);
// Whether, by the heard file at `path`, the server has not heard the agent for its fence at
// `now` (agent_now_ms): the keepers are stopping their jobs. False when there is no such file.
bool past_fence_now(const std::string& path, TimeMs now);

// The uid/gid of a user name from the password database (getpwnam_r), or NotFound.
Result<std::pair<uid_t, gid_t>> lookup_user(const std::string& name);

}  // namespace hexa
