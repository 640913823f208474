// `hexa statement`: one tenant's statement (text, JSON or CSV; docs/ledger.md). With --scenario:
// run the scenario with credits and take it from the ledger at the end of the run. Without: ask
// the live server (docs/server.md) for the period --from/--to (dates).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/session.h"

namespace hexa {

struct StatementArgs {
  std::string scenario;
  std::string tenant;
  std::optional<long> from_day, to_day;  // days since time 0; default: the whole run
  std::string format = "text";
  std::string out;  // empty: stdout
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  // The live statement (no --scenario).
  std::string from, to;             // YYYY-MM-DD[THH:MM[:SS]][Z]; "" : the server's default
  std::string server, token_file;   // as the client verbs (cli/session.h)
  std::string ca_cert;              // as the client verbs' --ca-cert
};

void add_statement_command(CLI::App& app, StatementArgs& a);
// Returns the process exit code: 0 done, 2 bad input (nothing written). The live statement
// reaches the server with a client from `make_client` (the binary: HttpClient::make); without
// one it fails.
int run_statement(const StatementArgs& a, const cli::HttpClientFactory& make_client = {});

}  // namespace hexa
