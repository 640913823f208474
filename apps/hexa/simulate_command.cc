#include "simulate_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "huge_heap.h"
#include "model/sanitizer.h"
#include "progress.h"
#include "sim/cluster_config.h"
#include "sim/compare.h"
#include "sim/compare_run.h"
#include "sim/heap_prefault.h"
#include "sim/report.h"
#include "sim/report_dump.h"
#include "sim/report_html.h"
#include "sim/scenario.h"
#include "sim/scenario_override.h"

namespace hexa {

void add_simulate_command(CLI::App& app, SimulateArgs& a) {
  CLI::App* s = app.add_subcommand("simulate", "Replay a workload through the scheduler on a virtual clock");
  s->add_option("scenario", a.scenario, "Scenario YAML (cluster, scheduler, workload); see scenarios/")
      ->check(CLI::ExistingFile);
  s->add_option("--trace", a.trace, "Trace file to replay")->check(CLI::ExistingFile);
  s->add_option("--format", a.format, "Trace format")->check(CLI::IsMember({"itp", "alibaba", "hexa"}));
  s->add_option("--cluster", a.cluster, "NODESxGPUS (e.g. 80x8), a cluster YAML, or an Alibaba node list CSV");
  s->add_option("--policy", a.policy,
                 "Queue policy; srtf is an oracle (true durations), ftf orders by finish-time fairness (docs/simulator.md)")
      ->check(CLI::IsMember({"fifo", "backfill", "las", "srtf", "fair", "ftf"}));
  s->add_option("--placement", a.placement, "Placement")->check(CLI::IsMember({"topology", "count"}));
  s->add_option("--site-choice", a.site_choice, "Where a job goes when several sites can start it: earliest (best fit), cheapest (with money on, the "
                "ledger's price for the job; else the price factor), greenest")
      ->check(CLI::IsMember({"earliest", "cheapest", "greenest"}));
  s->add_option("--slice-placement", a.slice_placement, "Where a slice job goes: frag (keeps fragmentation low) or bestfit")
      ->check(CLI::IsMember({"frag", "bestfit"}));
  s->add_option("--restart-overhead-s", a.restart_overhead_s, "Seconds a preempted job pays when it resumes")
      ->check(CLI::Range(0L, 86400L));
  s->add_option("--las-promote-knob", a.las_promote_knob, "las: promote a starving job after knob x its last run; 0 = off")
      ->check(CLI::Range(0, 1000));
  s->add_option("--report-json", a.report_json, "Write the report as JSON to this file");
  s->add_flag("--report-summary", a.report_summary,
              "With --report-json: the summary only (headline figures, sites, classes, CDFs, credits per class, "
              "energy), without per-tenant lists and time series; a few kB instead of megabytes");
  s->add_option("--report-html", a.report_html, "Write the report as one self-contained HTML page with charts");
  s->add_option("--jobs-csv", a.jobs_csv, "Write one line per job to this CSV file");
  s->add_option("--seed", a.seed, "Seed of generated workloads (overrides the scenario's)");
  s->add_option("--set", a.set, "Scenario override PATH=VALUE, e.g. scheduler.policy=las or "
                                "cluster.sites.paris.price_factor=1.2 (repeatable)");
  s->add_option("--compare", a.compare, "Run one variant per value and compare them side by side: KNOB=a,b[,c...], "
                                        "e.g. policy=las,fair or site_choice=earliest,greenest; then says where "
                                        "each variant parts from the first (tenant classes, the tenants that gain "
                                        "or lose most) and why (credits, capacity, prices, budgets, quotas, ...)");
  s->add_option("--jobs", a.jobs, "With --compare: variants run at once, one thread each (default: one per core; "
                                  "1 = one after the other). Each holds its own run in memory")
      ->check(CLI::Range(1u, 1024u));
  s->add_flag("--no-credits", a.no_credits, "Run with money off: no prices, grants, budgets or refunds");
  s->add_flag("--quiet,-q", a.quiet, "Print no progress bar");
  s->callback([&a]() {
    if (!a.scenario.empty() && !a.trace.empty()) throw CLI::ValidationError("give a scenario or --trace, not both");
    if (a.scenario.empty() && (!a.set.empty() || !a.compare.empty()))
      throw CLI::ValidationError(std::string(a.set.empty() ? "--compare" : "--set") +
                                 ": needs a scenario file (it changes the scenario's YAML)");
    if (!a.compare.empty() && !a.jobs_csv.empty())
      throw CLI::ValidationError("--jobs-csv: not with --compare (one run per variant); use --set for one variant");
    if (a.jobs && a.compare.empty())
      throw CLI::ValidationError("--jobs: only with --compare (it runs the variants on that many threads)");
    if (a.report_summary && a.report_json.empty())
      throw CLI::ValidationError("--report-summary: needs --report-json (it shortens the JSON report)");
    if (!a.scenario.empty()) return;
    if (a.trace.empty()) throw CLI::ValidationError("give a scenario file, or --trace with --format and --cluster");
    if (a.format.empty()) throw CLI::ValidationError("--format: required with --trace (itp, alibaba or hexa)");
    if (a.cluster.empty())
      throw CLI::ValidationError("--cluster: required with --trace (NODESxGPUS such as 80x8, or a cluster file)");
  });
}

namespace {

// ASan's leak checker would report what a run leaves behind on purpose: under ASan everything
// is torn down as usual, which also checks that teardown.
constexpr bool kSkipTeardown = !kUnderSanitizer;

// A run's core, trace and results are freed by the process's exit in one go; freeing them
// piece by piece (millions of strings, maps and vectors) cost 4-8% of a France month and 3% of
// a trace replay. Only this command does it, right before it returns to exit.
template <class T>
void leave_to_exit(T& v) {
  if (kSkipTeardown) new T(std::move(v));  // deliberately never freed; v is left empty
}

int fail(const Status& st) {
  std::cerr << "hexa simulate: " << st.message() << "\n";
  return 2;
}

// The scenario or trace, with the overrides applied and the command-line knobs on top.
Result<Scenario> load(const SimulateArgs& a, const std::vector<Override>& overrides) {
  Scenario sc;
  if (!a.scenario.empty()) {
    auto loaded = load_scenario(a.scenario, a.seed, overrides);
    if (!loaded.ok()) return loaded.status();
    sc = std::move(loaded).value();
  } else {
    auto topo = load_cluster(a.cluster);
    if (!topo.ok()) return topo.status();
    sc.topology = std::make_unique<Topology>(std::move(topo).value());
    auto trace = load_trace(a.trace, a.format);
    if (!trace.ok()) return trace.status();
    sc.trace = std::move(trace).value();
  }
  SimOptions& opt = sc.options;
  if (a.policy) opt.sched.policy = *a.policy;
  if (a.placement) opt.sched.placement = *a.placement;
  if (a.site_choice) opt.sched.site_choice = *a.site_choice;
  if (a.slice_placement) opt.sched.slice_placement = *a.slice_placement;
  if (a.restart_overhead_s) opt.sched.restart_overhead = *a.restart_overhead_s * kSecond;
  if (a.las_promote_knob) opt.sched.las_promote_knob = *a.las_promote_knob;
  opt.progress = progress_bar(a.quiet);
  if (a.no_credits) opt.setup.clear();  // all set-up commands are money
  return sc;
}

std::string title_of(const Scenario& sc, const SimulateArgs& a) {
  if (!sc.name.empty()) return sc.name + (sc.description.empty() ? "" : ": " + sc.description);
  return a.trace.empty() ? a.scenario : a.trace;
}

// By reference: a copy of the month's report (a ternary between it and its summary made one)
// was millions of nodes to copy and free.
Status write_json(const nlohmann::ordered_json& j, const std::string& path) {
  std::ofstream f(path);
  dump_report_to(j, [&f](std::string_view text) { f.write(text.data(), static_cast<std::streamsize>(text.size())); });
  f << "\n";
  if (!f) return Status::Invalid("--report-json: cannot write '" + path + "'");
  return Status::Ok();
}

Result<std::vector<Override>> parse_sets(const SimulateArgs& a) {
  std::vector<Override> out;
  for (const std::string& s : a.set) {
    auto o = parse_override("--set", s);
    if (!o.ok()) return o.status();
    out.push_back(std::move(o).value());
  }
  return out;
}

// A command-line flag and an override of the same knob: which one wins would be a guess.
Status check_conflicts(const SimulateArgs& a, const std::vector<Override>& overrides) {
  for (const Override& o : overrides) {
    const char* flag = o.path == "scheduler.policy"        ? (a.policy ? "--policy" : nullptr)
                       : o.path == "scheduler.placement"   ? (a.placement ? "--placement" : nullptr)
                       : o.path == "scheduler.site_choice" ? (a.site_choice ? "--site-choice" : nullptr)
                       : o.path == "scheduler.slice_placement" ? (a.slice_placement ? "--slice-placement" : nullptr)
                       : o.path == "seed"                  ? (a.seed ? "--seed" : nullptr)
                                                           : nullptr;
    if (flag) return Status::Invalid(std::string(flag) + " and " + o.text() + " set the same knob: give one");
  }
  return Status::Ok();
}

int run_one(const SimulateArgs& a, const std::vector<Override>& sets) {
  auto loaded = load(a, sets);
  if (!loaded.ok()) return fail(loaded.status());
  Scenario& sc = *loaded;
  if (!sc.name.empty()) std::cout << "Scenario " << sc.name << ": " << sc.description << "\n";
  std::unique_ptr<Core> core;
  if (kSkipTeardown) sc.options.keep_core = &core;
  auto t0 = std::chrono::steady_clock::now();
  auto result = simulate(*sc.topology, sc.trace, sc.options, std::move(sc.prepared));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result.ok()) return fail(result.status());
  const bool reports = !a.report_json.empty() || !a.report_html.empty();
  Metrics m = compute_metrics(*result, reports ? MetricsDetail::kFull : MetricsDetail::kText);
  std::cout << report_text(*result, m, wall);
  if (!a.report_json.empty() || !a.report_html.empty()) {
    auto j = report_json(*result, m, wall);
    if (!a.report_json.empty())
      if (Status st = a.report_summary ? write_json(report_summary(j), a.report_json) : write_json(j, a.report_json);
          !st.ok())
        return fail(st);
    if (!a.report_html.empty())
      if (Status st = write_report_html(j, title_of(sc, a), a.report_html); !st.ok()) return fail(st);
    leave_to_exit(j);  // the month's report is millions of nodes: 0.12 s of frees
  }
  if (!a.jobs_csv.empty())
    if (Status st = write_jobs_csv(*result, a.jobs_csv); !st.ok()) return fail(st);
  leave_to_exit(core);
  leave_to_exit(sc);  // the topology the core points into goes with it
  leave_to_exit(*result);
  leave_to_exit(m);
  return 0;
}

// --report-summary with --compare: each variant's report as its summary.
nlohmann::ordered_json summary_of_compare(nlohmann::ordered_json j) {
  for (auto& v : j["variants"]) v["report"] = report_summary(std::move(v["report"]));
  return j;
}

// Every variant is loaded (and so checked) before the first one runs: a bad value runs nothing.
int run_compare(const SimulateArgs& a, const std::vector<Override>& sets) {
  auto variants = parse_compare("--compare", a.compare);
  if (!variants.ok()) return fail(variants.status());
  if (Status st = check_conflicts(a, *variants); !st.ok()) return fail(st);
  std::vector<CompareVariant> scenarios;
  for (const Override& v : *variants) {
    std::vector<Override> all = sets;
    all.push_back(v);
    auto loaded = load(a, all);
    if (!loaded.ok()) return fail(loaded.status());
    scenarios.push_back({v.label(), std::move(loaded).value()});
  }
  const Scenario& first = scenarios.front().scenario;
  if (!first.name.empty()) std::cout << "Scenario " << first.name << ": " << first.description << "\n";
  CompareRunOptions opt;
  opt.jobs = a.jobs.value_or(0);
  opt.progress = progress_bar(a.quiet);
  if (!a.quiet) {
    std::cerr << "variants on " << compare_threads(opt.jobs, scenarios.size()) << " thread(s)\n";
    opt.started = [bar = bool(opt.progress)](const std::string& label) {
      std::cerr << (bar ? "\r" + std::string(60, ' ') + "\r" : std::string()) << "variant " << label << "\n";
    };
  }
  auto runs = run_variants(scenarios, opt);
  if (!runs.ok()) return fail(runs.status());
  const std::string knob = (*variants).front().knob;
  std::cout << compare_text(knob, *runs);
  if (!a.report_json.empty() || !a.report_html.empty()) {
    const auto j = compare_json(knob, *runs);
    if (!a.report_json.empty())
      if (Status st = a.report_summary ? write_json(summary_of_compare(j), a.report_json) : write_json(j, a.report_json);
          !st.ok())
        return fail(st);
    if (!a.report_html.empty())
      if (Status st = write_report_html(j, title_of(first, a), a.report_html); !st.ok()) return fail(st);
  }
  return 0;
}

}  // namespace

int run_simulate(const SimulateArgs& a) {
  prefer_huge_pages_for_heap(std::size_t{64} << 20);
  // Beyond the first 128 MB (all that cluster04 needs), a second core faults the heap in,
  // 256 MB ahead of the run.
  HeapPrefault prefault(std::size_t{128} << 20, std::size_t{256} << 20);
  auto sets = parse_sets(a);
  if (!sets.ok()) return fail(sets.status());
  if (Status st = check_conflicts(a, *sets); !st.ok()) return fail(st);
  return a.compare.empty() ? run_one(a, *sets) : run_compare(a, *sets);
}

}  // namespace hexa
