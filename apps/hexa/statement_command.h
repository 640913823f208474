// `hexa statement`: run a scenario with credits and print one tenant's statement from the
// ledger at the end of the run (text, JSON or CSV; docs/ledger.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace hexa {

struct StatementArgs {
  std::string scenario;
  std::string tenant;
  std::optional<long> from_day, to_day;  // days since time 0; default: the whole run
  std::string format = "text";
  std::string out;  // empty: stdout
  std::optional<std::uint64_t> seed;
  bool quiet = false;
};

void add_statement_command(CLI::App& app, StatementArgs& a);
// Returns the process exit code: 0 done, 2 bad input (nothing written).
int run_statement(const StatementArgs& a);

}  // namespace hexa
