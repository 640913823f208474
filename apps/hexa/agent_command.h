// `hexa agent`: run this node's agent (src/agent/agent.h) until SIGINT or SIGTERM.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace hexa {

struct AgentArgs {
  std::string server;      // http://HOST:PORT or https://HOST:PORT
  std::string ca_cert;     // https: the CA file the server's certificate must chain to (default: the system's)
  std::string node;
  std::string token_file;
  std::string gpus = "auto";  // "auto": discovered through NVML; else a count (with gpu_type)
  std::string gpu_type;       // with auto: overrides the type the GPUs' model names
  bool list_gpus = false;     // print what discovery finds and exit
  std::string work_dir;    // default ./hexa-agent-NODE
  bool allow_root = false;
  std::string run_as;          // jobs run as this user (the agent must be root for another)
  std::string checkpoint_dir;  // default WORK_DIR/checkpoints
  std::string advertise_addr;  // where other nodes reach this one; default: what the server sees
  std::string log_format = "text";  // text | json (net/log.h)
};

void add_agent_command(CLI::App& app, AgentArgs& a);
// Returns the process exit code: 0 stopped by SIGINT/SIGTERM (its jobs stopped), by SIGUSR1 (its
// jobs left running for the next agent) or GPUs listed; 2 bad input, no GPU discovered with
// --gpus auto, or refused by the server (one line says why); 1 an internal error.
int run_agent_command(const AgentArgs& a);

}  // namespace hexa
