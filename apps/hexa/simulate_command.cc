#include "simulate_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "sim/cluster_config.h"
#include "sim/report.h"
#include "progress.h"
#include "sim/scenario.h"

namespace hexa {

void add_simulate_command(CLI::App& app, SimulateArgs& a) {
  CLI::App* s = app.add_subcommand("simulate", "Replay a workload through the scheduler on a virtual clock");
  s->add_option("scenario", a.scenario, "Scenario YAML (cluster, scheduler, workload); see scenarios/")
      ->check(CLI::ExistingFile);
  s->add_option("--trace", a.trace, "Trace file to replay")->check(CLI::ExistingFile);
  s->add_option("--format", a.format, "Trace format")->check(CLI::IsMember({"itp", "alibaba", "hexa"}));
  s->add_option("--cluster", a.cluster, "NODESxGPUS (e.g. 80x8), a cluster YAML, or an Alibaba node list CSV");
  s->add_option("--policy", a.policy, "Queue policy")->check(CLI::IsMember({"fifo", "backfill", "las", "srtf", "fair"}));
  s->add_option("--placement", a.placement, "Placement")->check(CLI::IsMember({"topology", "count"}));
  s->add_option("--site-choice", a.site_choice, "Where a job goes when several sites can start it")
      ->check(CLI::IsMember({"earliest", "cheapest", "greenest"}));
  s->add_option("--restart-overhead-s", a.restart_overhead_s, "Seconds a preempted job pays when it resumes")
      ->check(CLI::Range(0L, 86400L));
  s->add_option("--las-promote-knob", a.las_promote_knob, "las: promote a starving job after knob x its last run; 0 = off")
      ->check(CLI::Range(0, 1000));
  s->add_option("--report-json", a.report_json, "Write the report as JSON to this file");
  s->add_option("--jobs-csv", a.jobs_csv, "Write one line per job to this CSV file");
  s->add_option("--seed", a.seed, "Seed of generated workloads (overrides the scenario's)");
  s->add_flag("--no-credits", a.no_credits, "Run with money off: no prices, grants, budgets or refunds");
  s->add_flag("--quiet,-q", a.quiet, "Print no progress bar");
  s->callback([&a]() {
    if (!a.scenario.empty() && !a.trace.empty()) throw CLI::ValidationError("give a scenario or --trace, not both");
    if (!a.scenario.empty()) return;
    if (a.trace.empty()) throw CLI::ValidationError("give a scenario file, or --trace with --format and --cluster");
    if (a.format.empty()) throw CLI::ValidationError("--format: required with --trace (itp, alibaba or hexa)");
    if (a.cluster.empty())
      throw CLI::ValidationError("--cluster: required with --trace (NODESxGPUS such as 80x8, or a cluster file)");
  });
}

namespace {

int fail(const Status& st) {
  std::cerr << "hexa simulate: " << st.message() << "\n";
  return 2;
}

}  // namespace

int run_simulate(const SimulateArgs& a) {
  Scenario sc;
  if (!a.scenario.empty()) {
    auto loaded = load_scenario(a.scenario, a.seed);
    if (!loaded.ok()) return fail(loaded.status());
    sc = std::move(loaded).value();
  } else {
    auto topo = load_cluster(a.cluster);
    if (!topo.ok()) return fail(topo.status());
    sc.topology = std::make_unique<Topology>(std::move(topo).value());
    auto trace = load_trace(a.trace, a.format);
    if (!trace.ok()) return fail(trace.status());
    sc.trace = std::move(trace).value();
  }
  SimOptions& opt = sc.options;
  if (a.policy) opt.sched.policy = *a.policy;
  if (a.placement) opt.sched.placement = *a.placement;
  if (a.site_choice) opt.sched.site_choice = *a.site_choice;
  if (a.restart_overhead_s) opt.sched.restart_overhead = *a.restart_overhead_s * kSecond;
  if (a.las_promote_knob) opt.sched.las_promote_knob = *a.las_promote_knob;
  opt.progress = progress_bar(a.quiet);
  if (a.no_credits) opt.setup.clear();  // all set-up commands are money

  if (!sc.name.empty()) std::cout << "Scenario " << sc.name << ": " << sc.description << "\n";
  auto t0 = std::chrono::steady_clock::now();
  auto result = simulate(*sc.topology, sc.trace, opt);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result.ok()) return fail(result.status());
  Metrics m = compute_metrics(*result);
  std::cout << report_text(*result, m, wall);
  if (!a.report_json.empty()) {
    std::ofstream f(a.report_json);
    f << report_json(*result, m, wall).dump(2) << "\n";
    if (!f) return fail(Status::Invalid("--report-json: cannot write '" + a.report_json + "'"));
  }
  if (!a.jobs_csv.empty())
    if (Status st = write_jobs_csv(*result, a.jobs_csv); !st.ok()) return fail(st);
  return 0;
}

}  // namespace hexa
