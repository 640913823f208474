// `hexa up`: the embedded default for one machine: a server on SQLite plus local agents,
// each its own process; Ctrl-C stops it all (docs/server.md). With --postgres URL: --replicas
// servers sharing that PostgreSQL database (one leads), the agents given all their URLs
// (docs/operations.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace hexa {

struct UpArgs {
  std::string config;
  std::string state_dir = "hexa-state";
  std::string listen = "127.0.0.1:8642";
  int agents = 2;
  int gpus_per_agent = 4;
  double node_grace_s = 15, stop_grace_s = 30, history_every_s = 60;
  bool allow_root = false;
  bool discover_gpus = false;  // agents run with --gpus auto (NVML) instead of the config's GPUs
  std::string run_as;  // the agents run jobs as this user
  std::string postgres;  // a PostgreSQL URL: replicas on it instead of one server on SQLite
  int replicas = 3;      // with postgres
};

void add_up_command(CLI::App& app, UpArgs& a);
int run_up(const UpArgs& a);

}  // namespace hexa
