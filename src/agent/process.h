// Runs jobs' processes on a node: each in its own process group, its output in files, stopped
// with SIGTERM to the group, a grace period, then SIGKILL. POSIX only; no threads inside.
// When a group's leader ends, whatever is left of its group is SIGKILLed: a job's background
// children die with it (a process that leaves the group, by setsid or setpgid, escapes this).
// The supervisor reaps its children by pid only (never waitpid(-1)); the agent must not set
// SIGCHLD to SIG_IGN, or the exits are lost (reported with exit_code -1).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "model/status.h"
#include "model/units.h"

namespace hexa {

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
};

struct ProcessExit {
  std::string key;
  int exit_code = 0;  // the exit status, or 128 + signal when killed; 127: exec failed;
                      // -1: the status was lost (reaped by someone else)
  int signal = 0;     // the signal that ended it, 0 = it exited
};

class Supervisor {
 public:
  Supervisor() = default;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor();  // kills (SIGKILL) and reaps every group still running

  // Starts argv under `key` (a job and its segment, say) and returns its pid, which is also
  // its process group id. Returns once the program has been exec'd (a close-on-exec pipe tells).
  // Errors: empty argv (Invalid), a key already running (Conflict), an output file or workdir
  // that cannot be made or given to the user, a failure to set the child up before exec (its
  // group, redirections, workdir, dropping privileges) (Unavailable; the child is reaped).
  // Exec failing (no such program, not executable) is NOT an error of start(): start() returns
  // the pid, "hexa agent: cannot run 'ARGV0': REASON" is in stderr_path already, and the next
  // tick() reports the exit with code 127, as a shell would.
  Result<pid_t> start(const std::string& key, const ProcessSpec& spec);
  // SIGTERM to the group now, SIGKILL to it at `now_ms + grace_ms` (see tick). Unknown key: ok.
  void stop(const std::string& key, TimeMs now_ms, DurationMs grace_ms);
  // Sends the SIGKILLs that are due and reaps what ended, without blocking. A key stays
  // running() until the tick that reports its exit.
  std::vector<ProcessExit> tick(TimeMs now_ms);
  bool running(const std::string& key) const;
  std::vector<std::string> keys() const;

 private:
  struct Child {
    pid_t pid = 0;
    TimeMs kill_at = kNever;
  };
  std::map<std::string, Child> children_;
};

// The uid/gid of a user name from the password database (getpwnam_r), or NotFound.
Result<std::pair<uid_t, gid_t>> lookup_user(const std::string& name);

}  // namespace hexa
