// `hexa serve`: the live control plane's server (docs/server.md).
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "server/server.h"

namespace hexa {

struct ServeArgs {
  ServeOptions opt;
  double node_grace_s = 15, stop_grace_s = 30, default_time_limit_h = 1;
  int heartbeat_s = 5;
  std::optional<double> fence_s;  // none: 2/3 of the grace
  std::string gang_ports = "29500-29999";
  std::string log_format = "text";  // text | json (net/log.h)
  int lease_s = 5;                  // replicas: the leader lease (docs/server.md, Replicas)
  std::string db;  // --db: the journal in PostgreSQL; "": SQLite in the state directory
};

void add_serve_command(CLI::App& app, ServeArgs& a);
int run_serve(ServeArgs& a);

}  // namespace hexa
