// Runs jobs' processes on a node: each in its own process group, its output in files, stopped
// with SIGTERM to the group, a grace period, then SIGKILL. POSIX only; no threads inside.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "model/status.h"
#include "model/units.h"

namespace hexa {

struct ProcessSpec {
  std::vector<std::string> argv;              // argv[0] looked up in PATH
  std::map<std::string, std::string> env;     // added to (or replacing in) the agent's environment
  std::string workdir;                        // created if missing; the job runs there
  std::string stdout_path, stderr_path;       // created (truncated) by the supervisor
  // Run as this user instead of the agent's own (the agent runs as root without --allow-root:
  // jobs then run as an unprivileged user). The workdir and output files are given to it.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

struct ProcessExit {
  std::string key;
  int exit_code = 0;  // the exit status, or 128 + signal when killed
  int signal = 0;     // the signal that ended it, 0 = it exited
};

class Supervisor {
 public:
  Supervisor() = default;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor();  // kills (SIGKILL) and reaps every group still running

  // Starts argv under `key` (a job and its segment, say). Errors: empty argv, a key already
  // running, an output file or workdir that cannot be made, exec failing (the exit then
  // reports code 127 and the reason is written to stderr_path).
  Result<pid_t> start(const std::string& key, const ProcessSpec& spec);
  // SIGTERM to the group now, SIGKILL to it at `now_ms + grace_ms` (see tick). Unknown key: ok.
  void stop(const std::string& key, TimeMs now_ms, DurationMs grace_ms);
  // Sends the SIGKILLs that are due and reaps what ended, without blocking.
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
