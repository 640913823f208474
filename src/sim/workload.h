// The seeded start-up workload generator: many tenants, a heavy-tailed job mix (1 to 1,024
// GPUs, minutes to days), arrivals on a daily rhythm, sized to a target offered load.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace hexa {

struct StartupWorkload {
  int tenants = 2500;
  DurationMs span = 30 * kDay;
  double load = 0.8;       // offered GPU time / (cluster GPUs x span)
  long cluster_gpus = 0;   // REQUIRES: > 0
  std::string gpu_type;    // empty: any type
  // Gang size -> relative weight.
  std::map<int, double> gang_weights = {{1, 38},  {2, 10},  {4, 12},   {8, 22},    {16, 8},   {32, 5},
                                        {64, 2.5}, {128, 1.3}, {256, 0.7}, {512, 0.35}, {1024, 0.15}};
  double median_minutes = 60;  // run times are log-normal around this median
  double sigma = 1.7;
  double min_minutes = 2;
  double max_hours = 120;
  double zipf = 1.0;           // tenant activity skew: tenant k gets weight 1 / k^zipf
  // Users ask for more time than they need: time limit = run time x U[1.2, limit_factor],
  // rounded up to 15 minutes.
  double limit_factor = 3.0;
  // Where the jobs may and would rather go: every job prefers these sites (others are overflow),
  // and this share of the start-ups keeps its jobs on these providers' sites (data residency).
  std::vector<std::string> prefer_sites;
  double resident_share = 0;
  std::vector<std::string> resident_providers;
  std::uint64_t seed = 1;
};

// Checks the fields; the message names the field and the rule.
Status check_workload(const StartupWorkload& w);

// REQUIRES: check_workload(w).ok()
Trace generate_startups(const StartupWorkload& w);

}  // namespace hexa
