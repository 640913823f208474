// Commands into the core and the effects that come out. Both are plain data, so that a host
// can journal commands and replay them through the same apply() (DESIGN.md, rule 1).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/credits.h"
#include "ledger/ledger.h"
#include "model/job.h"
#include "model/tenant.h"

namespace hexa {

// Quota limits as a command carries them: GPU types by name ("" = all GPUs). -1: no limit.
struct QuotaSpec {
  std::string gpu_type;
  int max_gpus = -1;
  int guaranteed_gpus = -1;
  int borrow_limit = -1;
  int max_running = -1;
  int max_queued = -1;
};

struct AddTenant {
  std::string name;
  int weight = 1;
  std::string parent;                // "" = a root
  // Default: organisation at the root; below a parent, what nests there (project under an
  // organisation, cohort under a programme, learner under a cohort).
  std::optional<TenantKind> kind;
  std::vector<QuotaSpec> quotas;

  static AddTenant root(std::string name, int weight = 1) {
    AddTenant t;
    t.name = std::move(name);
    t.weight = weight;
    return t;
  }
};
struct SubmitJob {
  JobSpec spec;
};
// The job's processes ended (EndKind: completed or failed; the core stops jobs at their time
// limit itself). `segment` names the run segment the report is about (JobStarted::segment): a
// report about another segment is stale and refused (Status::Conflict), so a late report can
// never end the job's next run. A live agent also says how the processes exited.
struct CompleteJob {
  JobId job = 0;
  int segment = 0;
  EndKind how = EndKind::kCompleted;  // kCompleted or kFailed (kTimeout: a host that enforces limits itself)
  int exit_code = 0;                  // live: the exit status, or 128 + signal
  int signal = 0;                     // live: the signal that killed it, 0 = none
};
struct CancelJob {
  JobId job = 0;
};
// A live job said it saved its progress now (`hexa checkpoint`, through its agent): a later
// node failure sends it back to here rather than to its last periodic checkpoint
// (JobSpec::checkpoint_every). `segment` as CompleteJob: another segment's is stale (Conflict).
struct Checkpoint {
  JobId job = 0;
  int segment = 0;
};
// Money (ledger/ledger.h). Prices turn credit admission on: from the first one, a job starts
// only if its tenant can cover its time limit at its rate.
struct SetPrice {
  std::string gpu_type;
  std::string site;
  int priority = 0;
  Price price;
};
struct AddGrant {
  GrantRequest grant;
};
struct AddTopUp {
  TopUpRequest top_up;
};
struct SetOverdraft {
  std::string tenant;
  Micro amount = 0;
};
// A tenant's budget per period (ledger/budget.h); none clears it. Alerts come out as
// BudgetAlerted effects; a hard budget holds back new starts until the next period.
struct SetBudget {
  std::string tenant;
  std::optional<Budget> budget;
};
// How much of the work lost to the cloud is given back (core/credits.h).
struct SetRefundPolicy {
  RefundPolicy policy;
};
// Node states the core owns (NodeState): only an up node takes work.
// The host reports that a node failed (node lost): every job running on it died. Each goes
// back to the queue and loses the work done since its last checkpoint
// (JobSpec::checkpoint_every). The node is down until a NodeUp.
struct FailNode {
  std::string node;
};
// The node is (back) in service: its agent registered, a repair is done.
struct NodeUp {
  std::string node;
};
// The node takes no new work; what runs there goes on until it ends. ResumeNode undoes it.
struct DrainNode {
  std::string node;
};
struct ResumeNode {
  std::string node;
};
// The host takes one running job off its GPUs gracefully, as a preemption by priority does:
// stopped with the stop grace, back in the queue from its last checkpoint (JobPreempted). A
// drain with a deadline does this to what still runs on the node then. `segment` names the run
// segment meant: another one is stale (Conflict), as for CompleteJob.
struct RequeueJob {
  JobId job = 0;
  int segment = 0;
};

// Sets GPUs aside for a tenant (and its sub-tenants) over [from, to): a cohort's workshop, a
// start-up's demo day (engine/advance_reservations.h). Other work backfills around it without
// delaying it. Errors: unknown tenant, site, type or slice profile; a window already over; more
// GPUs than the site has free of other reservations (and downtimes) then.
//
// `gpus` whole GPUs, or, with `slice` (a profile name), `slices` slices of that profile: a
// cohort's lab afternoon on MIG slices. Slices are held as the sliced GPUs they fill.
struct AddReservation {
  std::string name;
  std::string tenant;
  std::string site;
  std::string gpu_type;
  int gpus = 1;
  std::string slice;  // empty: whole GPUs
  int slices = 0;
  TimeMs from = 0, to = 0;
};

// Run a scheduling pass. Hosts send one after a batch of other commands at the same instant,
// and when Effects::wake_at comes. Time alone acts here and nowhere else: grants that expired
// are swept, jobs at their time limit are stopped (JobEnded, kTimeout), ended jobs leave
// memory (CoreOptions::retire_ended).
struct Schedule {};

using Command = std::variant<AddTenant, SubmitJob, CompleteJob, CancelJob, Schedule, SetPrice, AddGrant, AddTopUp,
                             SetOverdraft, SetBudget, SetRefundPolicy, FailNode, AddReservation, NodeUp, DrainNode,
                             ResumeNode, Checkpoint, RequeueJob>;

struct JobAccepted { JobId job; };
struct JobRejected { JobId job; std::string reason; };
// Effects are complete for a host that carries them out: what to start where, what to stop.
struct JobStarted { JobId job; int segment; Allocation alloc; };  // segment: Job::segment
struct JobPreempted { JobId job; int segment; };  // stop that segment; back in the queue, resumes later
// Left for good: completed, timed out (the core stops a job at its time limit: the host kills
// what still runs), failed, cancelled. `segment` is the one that was running, 0 = none.
struct JobEnded { JobId job; EndKind how; int segment = 0; };
// Its node failed: back in the queue, `lost` ms of useful work to do again.
struct JobFailed { JobId job; DurationMs lost; int segment = 0; };
struct BudgetAlerted { BudgetAlert alert; };  // spending crossed a budget threshold
// A money operation the core had to do failed (it should never: a bug or a corrupt ledger).
// The job's run went on; the host must log it and raise an alarm.
struct LedgerFault { std::string what; };

using Effect = std::variant<JobAccepted, JobRejected, JobStarted, JobPreempted, JobEnded, JobFailed, BudgetAlerted,
                            LedgerFault>;

struct Effects {
  std::vector<Effect> list;
  TimeMs wake_at = kNever;  // send a Schedule then, if nothing else happened before
};

}  // namespace hexa
