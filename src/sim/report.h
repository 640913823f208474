// Report: figures people compare across runs, computed from a SimResult.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/simulator.h"

namespace hexa {

struct Distribution {
  double avg = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;  // seconds
};

struct TenantFigures {
  std::string name;
  long jobs = 0, finished = 0;
  double gpu_hours = 0;
  Distribution jct, queue;
};

struct TenantMoney {
  std::string name;
  std::string cls;
  double consumed = 0;     // credits
  double left = 0;         // credits spendable at the end
  double ran_out_s = -1;   // when credits first held one of its jobs back; -1: never
  double runway_days = -1; // left / average daily burn over the run; -1: no burn
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
  // Node failures (when the run injected some).
  long failed_nodes = 0, failures = 0;
  double lost_gpu_hours = 0;
};

Metrics compute_metrics(const SimResult& r);

// The JSON report (--report-json). `wall_s` < 0 leaves it out, for byte-identical comparisons.
nlohmann::ordered_json report_json(const SimResult& r, const Metrics& m, double wall_s);

// A summary a newcomer understands, for the terminal.
std::string report_text(const SimResult& r, const Metrics& m, double wall_s);

// One line per job (--jobs-csv).
Status write_jobs_csv(const SimResult& r, const std::string& path);

}  // namespace hexa
