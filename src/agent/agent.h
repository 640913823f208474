// `hexa agent`: the node agent (docs/server.md, "The agent"). It registers its node with the
// server, long-polls its orders, runs each start order as a process (agent/process.h), ships
// the jobs' output, reports their exits and sends a heartbeat.
//
// This is what hosts call: `hexa agent` (apps/hexa/agent_command.cc) and `hexa up`, which may
// run several agents in one process (one thread and one stop flag each).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

#include "agent/discovered_gpus.h"
#include "model/status.h"
#include "model/units.h"
#include "net/http.h"

namespace hexa {

// Makes a new client to the server. run_agent calls it twice: the long poll has a thread and a
// client of its own (a client is not thread-safe). The real one: [url] { return
// HttpClient::make(url); }; tests pass a fake.
using HttpClientFactory = std::function<Result<std::unique_ptr<HttpClient>>()>;

// Where the agent's messages go, one line each, without the "hexa agent: " prefix. Called from
// two threads, never at once (the agent serializes the calls).
using AgentSay = std::function<void(const std::string& line)>;

// Whom jobs run as, when not as the agent's own user.
struct JobUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct AgentOptions {
  std::string node;                 // this node's name in the cluster
  std::string token;                // the node's agent token itself (never printed)
  int gpus = 0;                     // declared at registration: 1 .. kMaxGpusPerNode
  std::string gpu_type;             // declared at registration: "H100", ...
  // What GPU discovery found (agent/nvml.h); empty when the GPUs are declared by hand. Its
  // model, UUIDs and MIG devices go with the registration; a slice job gets its MIG device.
  DiscoveredGpus discovered;
  std::string advertise_addr;       // declared at registration as "addr": where other nodes reach
                                    // this one (a gang's master); empty: the server uses the
                                    // address the registration came from
  std::string work_dir;             // jobs run in WORK_DIR/jobs/JOB-SEGMENT/; made if missing;
                                    // the agent's records of them in WORK_DIR/records/
  std::string checkpoint_dir;       // HEXA_CHECKPOINT_DIR = CHECKPOINT_DIR/JOB/, kept across
                                    // segments and restarts; empty: WORK_DIR/checkpoints
  std::optional<JobUser> job_user;  // run jobs as this user (choose_job_user); none: as the agent
  DurationMs grace_ms = 30 * kSecond;  // SIGTERM, then SIGKILL this much later: stop orders
                                       // without grace_ms, a stale epoch, the agent's own stop
  int poll_wait_ms = 25'000;           // the long poll's wait_ms (1 .. 30000)
  DurationMs log_every_ms = kSecond;   // running jobs' new output is shipped this often
  DurationMs final_report_ms = 3 * kSecond;  // on stop: how long to try reporting the last exits
  AgentSay say;                        // empty: stderr, each line prefixed "hexa agent: "
  // Set (SIGUSR1 in `hexa agent`): the agent returns at once and leaves its jobs running, for
  // the next agent on this work dir to adopt (an upgrade). Null: never.
  const std::atomic<bool>* leave_jobs = nullptr;
};

// At start, the agent takes over what a previous agent on this work dir left (job_table.h,
// recover). Runs the agent until `stop` becomes true, then stops every job (SIGTERM, grace, SIGKILL),
// reports their exits if the server answers within final_report_ms, and returns. Returns the
// process exit code: 0 stopped as asked; 2 refused (bad options, the work dir cannot be made,
// the server refuses the node or its token; one line says why); 1 an internal error. A stale
// epoch is not an end: the agent stops its jobs and registers again.
// The long poll's thread is joined if it ends within a second of the stop, else detached: it
// owns what it uses, and its request ends within wait_ms + 5 s.
int run_agent(const AgentOptions& o, const HttpClientFactory& connect, const std::atomic<bool>& stop);

// The token in `path`, trimmed of surrounding blanks. Errors (Invalid, naming the file): it
// cannot be read, it is empty, it holds blanks inside or bytes that are not printable ASCII
// (it goes in an HTTP header). The messages never hold the token.
Result<std::string> read_token_file(const std::string& path);

// Whom jobs run as. `run_as` (--run-as) given: that user; an agent not root may only name its
// own user, root only with `allow_root`. Else: not root: as the agent (no user); root: as
// `nobody`, or as root with `allow_root`. `note` is the line to print about it (empty when not
// root and no run_as). Errors (naming --run-as and the rule): no such user, another user while
// not root, root without allow_root; root without allow_root and no `nobody` user.
struct JobUserChoice {
  std::optional<JobUser> user;
  std::string note;
};
Result<JobUserChoice> choose_job_user(bool allow_root, const std::string& run_as = "");

}  // namespace hexa
