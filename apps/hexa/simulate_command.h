// `hexa simulate`: replay a trace or a scenario through the scheduling core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace hexa {

struct SimulateArgs {
  std::string scenario;
  std::string trace, format, cluster;
  std::optional<std::string> policy, placement, site_choice, slice_placement;
  std::optional<long> restart_overhead_s;
  std::optional<int> las_promote_knob;
  std::string report_json, report_html, jobs_csv;
  bool report_summary = false;  // --report-summary: report_summary() of the JSON
  std::vector<std::string> set;  // scenario overrides PATH=VALUE
  std::string compare;           // KNOB=a,b[,c...]
  std::optional<unsigned> jobs;  // --jobs: variants run at once (default: one per core)
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  bool no_credits = false;
};

void add_simulate_command(CLI::App& app, SimulateArgs& a);
// Returns the process exit code: 0 done, 2 bad input.
int run_simulate(const SimulateArgs& a);

}  // namespace hexa
