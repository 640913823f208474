// Simulator: replays a trace through the core on a virtual clock. Discrete events ordered by
// (time, sequence): arrivals, completions and policy wake-ups. After all events of one instant
// it sends the core one Schedule, exactly as the live server will after a batch of commands.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "sim/trace.h"

namespace hexa {

struct SimOptions {
  SchedulerOptions sched;
  // A trace job without a time limit gets its true duration as limit (exact user estimates,
  // as in most backfill studies); false leaves it without one.
  bool limits_from_duration = true;
  // Tenants declared before the run, in order (parents first): the tree, weights and quotas.
  // A tenant named in the trace but not here is added as a root of weight 1.
  std::vector<AddTenant> tenants;
  // Commands applied at time 0, after the tenants: prices, grants, top-ups, overdrafts, budgets.
  std::vector<Command> setup;
  // Tenant classes for the report ("startup", "company", "training"): a tenant not named here
  // has its parent's class; a root not named here is "other".
  std::map<std::string, std::string> classes;
  // Node failures to inject, by time: every job on the node dies and goes back to the queue.
  struct NodeFailure {
    TimeMs at;
    std::string node;
  };
  std::vector<NodeFailure> failures;
  // A failed node is down this long, then back in service (NodeUp); a failure of a node that
  // is already down is not counted.
  DurationMs repair = 4 * kHour;
  // Every job saves its progress this often (useful run time); 0 = never.
  DurationMs checkpoint_every = 0;
  // Called after every scheduling pass (tests check invariants here).
  std::function<void(const Core&, TimeMs)> after_pass;
  // Called now and then with the fraction of arrivals replayed (a progress bar).
  std::function<void(double)> progress;
  // Called once at the end with the core and the time the run ended (statements, checks).
  std::function<void(const Core&, TimeMs)> at_end;
  // When set, the core is handed over here at the end instead of being freed: a command-line
  // run that is about to exit may skip tearing it down (4% of the France month).
  std::unique_ptr<Core>* keep_core = nullptr;
};

// What happened to one job.
struct JobRecord {
  std::string id;
  std::string tenant;
  int gpus = 0;
  TimeMs submit = 0;
  TimeMs first_start = -1;  // -1: never started
  TimeMs end = -1;          // -1: never ended
  DurationMs duration = 0;  // true run time, from the trace
  DurationMs useful_ms = 0; // useful run time served (restart overheads excluded)
  DurationMs run_ms = 0;    // run time held on GPUs, overheads included
  int preemptions = 0;      // segments closed by preemption or failure
  int failures = 0;
  DurationMs lost_ms = 0;   // useful work lost to failures
  bool waited_on_quota = false;
  TimeMs credit_wait = -1;  // when credits first held it back; -1: never
  std::string state;        // finished | timeout | rejected | pending | running
  std::string site;         // where it (last) ran
  std::string reason;       // rejected or still waiting: why
  std::string cls;          // its tenant's class (SimOptions::classes)
  DurationMs start_target = 0;  // an interactive session's target start delay; 0 = batch
};

struct SimResult {
  std::vector<JobRecord> jobs;  // in trace order
  std::vector<std::string> notes;
  long events = 0;
  long passes = 0;
  long preemptions = 0;
  long failures = 0;       // jobs killed by a node failure (counted once per kill)
  long failed_nodes = 0;   // node failures injected (of nodes that were up)
  GpuMs lost_gpu_ms = 0;   // useful work lost to them
  TimeMs first_submit = 0;
  TimeMs last_end = 0;
  long total_gpus = 0;
  struct SiteFigures {
    std::string name;
    long gpus = 0;
    GpuMs busy = 0;  // GPU-ms held by jobs, restart overheads included
    SiteProfile profile;               // PUE and carbon intensity for energy and carbon
    std::vector<GpuMs> busy_per_step;  // the same per step of the timeline
    // Power drawn by busy GPUs (type watts x ms, PUE not applied) by hour of the day (UTC; the
    // run starts at midnight): energy and carbon are these times PUE and the hour's intensity.
    std::array<std::int64_t, 24> watt_ms_by_hour{};
  };
  std::vector<SiteFigures> sites;
  // Money, when the run had prices (credits on).
  struct TenantCredits {
    std::string name;
    std::string cls;     // its class (SimOptions::classes)
    Micro consumed = 0;  // usage posted less refunds
    Micro left = 0;      // spendable at the end
  };
  bool credits_on = false;
  std::vector<TenantCredits> credits;
  std::vector<BudgetAlert> alerts;  // in the order they were raised
  // Advance reservations of tenants (workshops): what was set aside and what its tenant used.
  struct ReservationFigures {
    std::string name, tenant, site;
    long gpus = 0;
    std::string slice;   // a reservation of slices: the profile, and how many
    long slices = 0;
    TimeMs from = 0, to = 0;
    GpuMs reserved = 0;  // GPUs x window
    GpuMs used = 0;      // GPU-ms its tenant's jobs ran there inside the window (slices: sevenths)
  };
  std::vector<ReservationFigures> reservations;
  // Busy GPU-ms per step of the utilisation timeline.
  DurationMs timeline_step = 0;
  std::vector<GpuMs> busy_per_step;
  // Pending jobs per step: the most at any instant, and job-ms pending (average = / step).
  std::vector<long> queue_max_per_step;
  std::vector<std::int64_t> queue_ms_per_step;
  // Credits consumed per step, by tenant class (by name), when credits are on: each run segment's
  // usage less refunds, spread evenly over the segment.
  struct ClassBurn {
    std::string cls;
    std::vector<Micro> per_step;
  };
  std::vector<ClassBurn> burn_per_step;
  std::string policy;
  std::string placement;
  bool oracle = false;
};

// What the loader of a scenario built while it checked it: a core with the tenants (opt.tenants,
// then the roots only the trace names, in trace order) and the set-up commands (opt.setup)
// applied at time 0, made with opt.sched on the same topology. That is the state a run reaches
// before its first event, so simulate() may start from it rather than applying all of that
// again (a quarter of a second of the France month, 40,000 tenants and their grants).
struct PreparedCore {
  std::unique_ptr<Core> core;
  std::size_t tenants = 0;  // how many of opt.tenants it applied
  std::size_t setup = 0;    // and of opt.setup
  std::vector<TenantId> tenant_of;  // per trace job: its tenant's id there (the loader looked them up)
  // Whether it is still what `opt` asks for: a caller that changed the knobs, or the tenants or
  // set-up or the trace since (a command-line --policy, --no-credits), gets a fresh core
  // instead. A caller that replaces some of them but keeps their number must reset `core`.
  bool matches(const Topology& topo, const Trace& trace, const SimOptions& opt) const {
    return core && &core->topology() == &topo && core->scheduler().options() == opt.sched &&
           tenants == opt.tenants.size() && setup == opt.setup.size() && tenant_of.size() == trace.jobs.size();
  }
};

// `prepared`, when it matches `opt`, is the run's core (else a fresh one is made).
Result<SimResult> simulate(const Topology& topo, const Trace& trace, const SimOptions& opt,
                           PreparedCore prepared = {});

}  // namespace hexa
