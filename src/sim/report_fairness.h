// Finish-time fairness achieved (Themis, NSDI'20), for every policy: each finished job's
//   rho = (end - submit) / (duration x max(1, gpus x N / C)),
// its completion time over its run alone on a fair share of the cloud: C the cloud's GPUs, N
// the tenants (as the trace names them, equal shares) with a job submitted and not ended at
// its submit, its own included. rho 1: as good as alone on its share; 3: three times slower.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/simulator.h"

namespace hexa {

struct RhoFigures {
  long jobs = 0;  // finished jobs measured
  double p50 = 0, p90 = 0, max = 0;
};

// Each job's tenant as a small number (first seen, first numbered), so that what is counted
// per tenant is counted in vectors rather than in maps keyed by name. compute_metrics numbers
// once for all its parts (the hashing of 500,000 names, three times, was a third of it).
inline constexpr std::uint32_t kNoNumber = 0xffffffffu;  // a tenant with no job
struct TenantNumbers {
  std::vector<std::uint32_t> of_job;   // per job
  std::vector<std::string_view> name;  // per number: views of r.jobs' names
};
TenantNumbers tenant_numbers(const SimResult& r);

// Each finished job's rho, in trace order (-1 for the others).
std::vector<double> finish_time_rho(const SimResult& r);
std::vector<double> finish_time_rho(const SimResult& r, const TenantNumbers& numbers);
// Nearest-rank p50, p90 and max of rho values (any order; the -1 are left out).
RhoFigures rho_figures(std::vector<double> rho);
nlohmann::ordered_json rho_json(const RhoFigures& f);  // {jobs, p50, p90, max}

struct Metrics;
enum class MetricsDetail;
// fairness_metrics (report.h) with each job's rho already worked out (finish_time_rho(r)), so
// that compute_metrics can work that out on a second thread.
// `per_tenant`: each tenant of m.tenants by number, in m.tenants' order.
void fairness_metrics_of(const TenantNumbers& numbers, const std::vector<std::uint32_t>& per_tenant,
                         std::vector<double> rho, Metrics& m, MetricsDetail detail);

}  // namespace hexa
