// A job: what a tenant asked for (JobSpec) and what the core has done with it (Job).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/ids.h"
#include "model/units.h"

namespace hexa {

struct JobSpec {
  std::string name;             // the submitter's own id, for people and reports
  TenantId tenant = 0;
  int gpus = 1;                 // gang size: all start together or none does
  TypeMask types = 0;           // acceptable GPU types; 0 = any
  SiteMask sites = 0;           // allowed sites (data residency); 0 = any
  SiteMask prefer = 0;          // preferred among the allowed sites; 0 = no preference
  // One slice of one GPU, of this profile (Topology::slice_profiles(), id + 1); 0 = whole GPUs.
  int slice = 0;
  int priority = 0;             // higher goes first and may preempt lower preemptible work
  bool preemptible = true;
  DurationMs time_limit = 0;    // limit on useful run time (restart overheads not counted); 0 = none
  // The job saves its progress every this much useful run time; 0 = never (a failure sends it
  // back to its last preemption, or to the start). Preemption is graceful: it checkpoints.
  DurationMs checkpoint_every = 0;
  // The true run time, known only to a simulator. Used by the srtf oracle policy; -1 elsewhere.
  DurationMs oracle_duration = -1;
  // An interactive session: it should start within this of its submit; 0 = batch work.
  DurationMs start_target = 0;
  // May wait for a lower-carbon hour, but must be done by `deadline` (its time limit counts).
  bool deferrable = false;
  TimeMs deadline = kNever;
};

enum class JobPhase : std::uint8_t { kPending, kRunning, kFinished, kCancelled, kRejected };
const char* phase_name(JobPhase p);
// How a job left, typed: kNone while it has not.
enum class EndKind : std::uint8_t { kNone, kCompleted, kTimeout, kFailed, kCancelled, kRejected };
const char* end_name(EndKind k);

// GPUs of one node held by a job: bit i = GPU i of that node. A slice holds part of one GPU:
// `mask` has that GPU's bit alone, `slots` the memory slots it holds (model/slice_profile.h)
// and `slice` its profile (JobSpec::slice), so that giving it back frees exactly it.
struct NodeGpus {
  NodeId node = 0;
  std::uint64_t mask = 0;
  std::uint8_t slots = 0;  // 0 = the whole GPUs of `mask`
  std::uint8_t slice = 0;  // with slots: the profile, index + 1
  bool operator==(const NodeGpus&) const = default;
};

// Whether two holdings share a GPU (whole) or a memory slot of one (slices).
inline bool overlaps(const NodeGpus& a, const NodeGpus& b) {
  if (a.node != b.node || !(a.mask & b.mask)) return false;
  return !a.slots || !b.slots || (a.slots & b.slots);
}
using Allocation = std::vector<NodeGpus>;

// Why a pending job is not running, as data; rendered to words on demand (engine/reason.h).
enum class WaitKind : std::uint8_t {
  kNew,             // not looked at by a scheduling pass yet
  kNoNode,          // fits on one node, but no node has enough free GPUs (a = most free on one node)
  kNoBlock,         // needs several nodes; no block / site has room (a = largest free in one site)
  kReserved,        // backfill: reserved to start at `at` (the head job)
  kWouldDelayHead,  // backfill: would delay the reserved head job
  kQuota,           // a quota of `other` (its tenant) holds it: a = limit, b = in use, detail/type say which
  kAdmission,       // the host's admission (credits, budget) holds it: Job::admission_why
  kNoSlice,         // a slice job: no sliced GPU has room for its profile (a = most free compute units on one)
  kDeferred,        // deferrable: waits for a lower-carbon hour (a = gCO2e/kWh now, b = then, at = that hour)
  kReservedGpus,    // what it could use is reserved (workshops, maintenance, not yet online): a = reserved
};

enum class QuotaField : std::uint8_t { kGpus, kRunning, kNoBorrowing };

struct WaitReason {
  WaitKind kind = WaitKind::kNew;
  std::uint64_t pass = 0;  // the scheduling pass that set it
  long a = 0;
  TimeMs at = 0;
  JobId other = 0;         // a job, or a tenant for kQuota
  long b = 0;
  QuotaField field = QuotaField::kGpus;
  std::optional<TypeId> type;

  static WaitReason of(WaitKind kind, std::uint64_t pass, long a, TimeMs at = 0, JobId other = 0) {
    WaitReason w;
    w.kind = kind, w.pass = pass, w.a = a, w.at = at, w.other = other;
    return w;
  }
};

struct Job {
  JobSpec spec;
  JobId id = 0;
  JobPhase phase = JobPhase::kPending;
  TimeMs submit = 0;
  TimeMs first_start = -1;
  TimeMs last_start = -1;      // start of the current (or last) run segment
  TimeMs end = -1;
  DurationMs run_ms = 0;       // run time of closed segments, restart overhead included
  DurationMs useful_ms = 0;    // run time of closed segments, restart overhead excluded
  DurationMs last_run_ms = 0;  // length of the last closed segment
  TimeMs queued_since = 0;     // submit, or the last preemption
  int preemptions = 0;         // run segments closed by preemption or failure
  int failures = 0;            // ... of which by a node failure
  DurationMs lost_ms = 0;      // useful run time lost to failures (done again)
  // Useful run time the job's own last checkpoint holds (a Checkpoint command: a live job said
  // it saved its progress): a failure loses only what came after it.
  DurationMs saved_ms = 0;
  GpuMs las_base = 0;          // attained service forgiven by starvation promotion
  Allocation alloc;
  WaitReason wait;
  std::uint32_t slot = 0;        // while running: its index in ClusterState::running
  TenantId borrowed_from = ~TenantId{0};  // while running: the tenant whose guarantee it exceeds
  int reservation = -1;                   // while running: the advance reservation it runs in
  bool waited_on_quota = false;           // some pass held it back for a quota
  bool waited_on_admission = false;       // ... or for credits or a budget
  std::string admission_why;              // the last admission refusal, in words
  TimeMs first_admission_wait = -1;       // when admission first held it back
  std::int64_t admission_need = 0;        // while set aside by admission: Admission::need()
  int segment = 0;             // run segments begun: 1 from its first start (JobStarted::segment)
  EndKind end_kind = EndKind::kNone;
  int exit_code = 0, exit_signal = 0;  // live: how its processes ended (CompleteJob)
  std::string end_reason;      // why it left: "completed", "timeout", "cancelled", or why it was rejected

  bool resumed() const { return preemptions > 0; }
  // Attained service (GPUs x run time) at `now`, including the running segment.
  GpuMs attained(TimeMs now) const {
    DurationMs t = run_ms + (phase == JobPhase::kRunning ? now - last_start : 0);
    return t * spec.gpus;
  }
};

}  // namespace hexa
