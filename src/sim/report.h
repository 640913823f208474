// Report: figures people compare across runs, computed from a SimResult.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/report_fairness.h"
#include "sim/simulator.h"

namespace hexa {

struct Distribution {
  double avg = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;  // seconds
};

// Nearest-rank percentiles over integer ms, reported in seconds.
Distribution distribution(std::vector<DurationMs> v);
// The same values at each of kCdfPercentiles (seconds): the points of a CDF curve.
std::vector<double> cdf_points(std::vector<DurationMs> v);
inline constexpr double kCdfPercentiles[] = {0,  1,  2,  5,  10, 15, 20, 25, 30, 35, 40, 45, 50,
                                             55, 60, 65, 70, 75, 80, 85, 90, 95, 97, 98, 99, 100};
// Rounded to 3 decimals, as every figure of the JSON report (stable across platforms).
double round3(double x);
nlohmann::ordered_json dist_json(const Distribution& d);  // {avg, p50, p95, p99, max}

struct TenantFigures {
  std::string name;
  long jobs = 0, finished = 0;
  double gpu_hours = 0;
  Distribution jct, queue;
  std::string cls;  // its class ("other" when none), as in ClassFigures
  RhoFigures rho;   // finish-time fairness of its finished jobs (report_fairness.h)
};

struct TenantMoney {
  std::string name;
  std::string cls;
  double consumed = 0;     // credits
  double left = 0;         // credits spendable at the end
  double ran_out_s = -1;   // when credits first held one of its jobs back; -1: never
  double runway_days = -1; // left / average daily burn over the run; -1: no burn
};

// Per tenant class: service figures and their CDFs.
struct ClassFigures {
  std::string cls;
  long jobs = 0, finished = 0;
  Distribution jct, queue;
  std::vector<double> jct_cdf, queue_cdf;  // at kCdfPercentiles
};

// Interactive sessions (jobs with a start target): submit to first start.
struct SessionFigures {
  long jobs = 0, started = 0, within_target = 0;  // within: started no later than its target
  Distribution delay;
  std::vector<double> delay_cdf;
};

struct SiteEnergy {
  std::string name, provider, region;
  double pue = 1;
  double kwh = 0;        // GPU power x busy time x PUE
  double carbon_kg = 0;  // each hour's energy x that hour's grid intensity
};

struct Metrics {
  long jobs = 0, finished = 0, timeouts = 0, rejected = 0, unfinished = 0;
  long waited_on_quota = 0;
  Distribution jct, queue;
  double makespan_s = 0;
  double utilization = 0;     // busy GPU time / (GPUs x makespan)
  double gpu_hours = 0;       // busy GPU time, restart overheads included
  std::vector<double> utilization_timeline;
  double timeline_step_s = 0;
  std::vector<TenantFigures> tenants;  // by name
  RhoFigures rho;                      // finish-time fairness, all finished jobs
  std::string rho_worst;               // the tenant with the largest rho ("" when none)
  double rho_worst_max = 0;
  std::vector<std::pair<std::string, double>> site_utilization;  // in topology order
  // Money (when the run had prices).
  double credits_consumed = 0;
  long waited_on_credits = 0, tenants_ran_out = 0;
  std::vector<TenantMoney> money;  // in tenant order
  struct ClassMoney {
    std::string cls;
    long tenants = 0, ran_out = 0;
    double consumed = 0, left = 0;
  };
  std::vector<ClassMoney> classes;  // by class name
  // Series for charts (report_series.cc).
  std::vector<ClassFigures> class_figures;  // by class name
  std::vector<double> jct_cdf, queue_cdf;   // all jobs, at kCdfPercentiles
  SessionFigures sessions;
  std::vector<std::vector<double>> site_timeline;  // per site, per step: busy share of its GPUs
  std::vector<double> queue_avg;                   // pending jobs per step: time average
  std::vector<long> queue_max;                     //   and the most at any instant
  std::vector<std::pair<std::string, std::vector<double>>> burn;  // credits per step, by class
  bool energy_known = false;  // some GPU type has a power draw
  double energy_kwh = 0, carbon_kg = 0;
  std::vector<SiteEnergy> energy;  // in topology order
  // Node failures (when the run injected some).
  long failed_nodes = 0, failures = 0;
  double lost_gpu_hours = 0;
};

// kFull: everything report_json and the HTML report show. kText: only what report_text
// prints (the simulate command without --report-json or --report-html): no series, CDFs or
// per-class figures, and per tenant only jobs, finished, GPU-hours, the average wait and the
// largest rho; the rest is left empty or zero. The text it gives is the same.
enum class MetricsDetail { kFull, kText };
Metrics compute_metrics(const SimResult& r, MetricsDetail detail = MetricsDetail::kFull);
// Fills m.rho, m.rho_worst and each of m.tenants' rho (report_fairness.cc; REQUIRES: m.tenants
// filled).
// kText: each tenant's rho has only its max (what the worst tenant needs).
void fairness_metrics(const SimResult& r, Metrics& m, MetricsDetail detail = MetricsDetail::kFull);

// The JSON report (--report-json). `wall_s` < 0 leaves it out, for byte-identical comparisons.
nlohmann::ordered_json report_json(const SimResult& r, const Metrics& m, double wall_s);

// The summary of a report_json (`--report-summary`): the headline figures, sites, classes,
// CDFs, sessions, credits per class, energy, failures and notes, without what grows with the
// run (per-tenant lists, time series, budget alerts, rejections, reservations: each replaced
// by its count). The France month's report is 23.7 MB; its summary a few kB.
nlohmann::ordered_json report_summary(nlohmann::ordered_json full);

// A summary a newcomer understands, for the terminal.
std::string report_text(const SimResult& r, const Metrics& m, double wall_s);

// One line per job (--jobs-csv).
Status write_jobs_csv(const SimResult& r, const std::string& path);

}  // namespace hexa
