// `hexa serve`: loads the cloud's configuration, opens (or creates) the state directory,
// replays it, serves the API until SIGINT or SIGTERM (docs/server.md).
#pragma once

#include <functional>
#include <string>

#include "server/host.h"

namespace hexa {

struct ServeOptions {
  std::string config;                     // CLOUD.yaml (load_cloud)
  std::string state_dir;                  // DIR: hexa.db, snapshots/, logs/, admin.token
  std::string listen = "127.0.0.1:8642";  // HOST:PORT; port 0: a free one (written to DIR/server.url)
  int http_threads = 2;
  // Requests per second per token (bursts of twice as many); callers without a valid token are
  // counted by address. 0: no limit. 100 is 20x what an agent or a busy CLI sends.
  int rate_limit = 100;
  std::string tls_cert, tls_key;  // PEM files: both (HTTPS, TLS 1.2+) or neither (plain HTTP)
  double header_timeout_s = 10;   // a request's header must arrive whole this soon (slowloris)
  std::size_t max_connections = 10'000;  // beyond: closed at accept (and at most the fd limit allows)
  double history_every_s = 60;   // the console's utilisation history: one sample this often (a day of minutes kept)
  HostOptions host;
};

// Runs the server; returns the exit code: 0 after a clean stop, 2 for bad input (config, flags,
// a state directory it cannot use), 1 when it cannot serve (the address is taken).
int run_server(const ServeOptions& opt);

// "HOST:PORT" to its parts. Errors name the rule.
Status parse_listen(const std::string& listen, std::string* host, int* port);

}  // namespace hexa
