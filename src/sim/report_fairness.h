// Finish-time fairness achieved (Themis, NSDI'20), for every policy: each finished job's
//   rho = (end - submit) / (duration x max(1, gpus x N / C)),
// its completion time over its run alone on a fair share of the cloud: C the cloud's GPUs, N
// the tenants (as the trace names them, equal shares) with a job submitted and not ended at
// its submit, its own included. rho 1: as good as alone on its share; 3: three times slower.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/simulator.h"

namespace hexa {

struct RhoFigures {
  long jobs = 0;  // finished jobs measured
  double p50 = 0, p90 = 0, max = 0;
};

// Each finished job's rho, in trace order (-1 for the others).
std::vector<double> finish_time_rho(const SimResult& r);
// Nearest-rank p50, p90 and max of rho values (any order; the -1 are left out).
RhoFigures rho_figures(std::vector<double> rho);
nlohmann::ordered_json rho_json(const RhoFigures& f);  // {jobs, p50, p90, max}

struct Metrics;
enum class MetricsDetail;
// fairness_metrics (report.h) with each job's rho already worked out (finish_time_rho(r)), so
// that compute_metrics can work that out on a second thread.
void fairness_metrics_of(const SimResult& r, std::vector<double> rho, Metrics& m, MetricsDetail detail);

}  // namespace hexa
