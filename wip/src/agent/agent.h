// `hexa agent`: the node agent (docs/server.md, "The agent"). It registers its node with the
// server, long-polls its orders, runs each start order as a process (agent/process.h), ships
// the jobs' output and reports their exits, and sends a heartbeat.
#pragma once

#include <atomic>
#include <string>

#include <CLI/CLI.hpp>

namespace hexa {

struct AgentOptions {
  std::string server = "http://127.0.0.1:8642";
  std::string node;
  std::string token_file;
  int gpus = -1;           // -1: not given (discovery is not available yet: an error)
  std::string gpu_type;
  std::string work_dir;    // default: ./hexa-agent-NODE
  bool allow_root = false;
  int grace_s = 10;        // SIGTERM, then SIGKILL this long after (stop orders, shutdown)
  int poll_wait_ms = 25000;  // the long poll's wait_ms
};

// The `agent` sub-command and its flags.
void add_agent_command(CLI::App& app, AgentOptions& o);

// Runs until *stop becomes true (or SIGINT/SIGTERM when stop is null: installs handlers for
// them while it runs). Returns the process exit code: 0 stopped cleanly, 2 bad input (one clear
// line on stderr), 1 lost for good (the server refuses our token).
int run_agent(const AgentOptions& o, std::atomic<bool>* stop = nullptr);

}  // namespace hexa
