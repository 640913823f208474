// Why a pending job waits, in words a person can act on.
#include <cstdio>

#include "engine/scheduler.h"

namespace hexa {
namespace {

// A job named in another's reason may have ended and left memory since (JobTable::retire).
std::string job_text(const ClusterState& s, JobId id) {
  return s.jobs.contains(id) ? s.jobs[id].spec.name : "#" + std::to_string(id);
}

// "day 3 14:32:05": time since the clock's zero, as a duration a person reads at a glance.
std::string clock_text(TimeMs t) {
  long s = static_cast<long>(t / 1000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "day %ld %02ld:%02ld:%02ld", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
  return buf;
}

std::string shape_text(const Topology& topo, const JobSpec& spec) {
  if (spec.slice) return "a " + topo.slice_profile(spec.slice).name + " slice" +
                         (spec.types == 0 ? "" : " of " + topo.type_set_name(spec.types));
  std::string type = spec.types == 0 ? "GPUs" : topo.type_set_name(spec.types) + " GPUs";
  return std::to_string(spec.gpus) + " " + type;
}

std::string quota_text(const ClusterState& s, const WaitReason& w) {
  const std::string tenant = "tenant '" + s.tenants[w.other].name + "'";
  const std::string gpus = w.type ? s.topo->types().name(*w.type) + " GPUs" : "GPUs";
  switch (w.field) {
    case QuotaField::kGpus:
      return "over quota: " + tenant + " may use " + std::to_string(w.a) + " " + gpus + " and uses " +
             std::to_string(w.b);
    case QuotaField::kRunning:
      return "over quota: " + tenant + " may run " + std::to_string(w.a) + " jobs at once and runs " +
             std::to_string(w.b);
    case QuotaField::kNoBorrowing:
      return "over quota: " + tenant + " is guaranteed " + std::to_string(w.a) + " " + gpus + " and uses " +
             std::to_string(w.b) + "; a job that may not be preempted may not borrow beyond the guarantee";
  }
  return "over quota";
}

}  // namespace

std::string Scheduler::reserved_text(const ClusterState& s, const Job& j) const {
  std::string out;
  int shown = 0;
  for (const AdvanceReservation& r : book_.all()) {
    if (r.to <= pass_time_ || !r.could_serve(j.spec.sites, j.spec.types, j.spec.slice)) continue;
    if (shown++ == 3) {
      out += "; ...";
      break;
    }
    out += out.empty() ? "" : "; ";
    std::string window = clock_text(r.from) + " to " + clock_text(r.to);
    if (r.tenant == kNoTenant)
      out += (r.why.empty() ? r.name : r.why) + (r.from <= pass_time_ ? " until " + clock_text(r.to) : ", " + window);
    else
      out += "'" + r.name + "' for " + s.tenants[r.tenant].name + ", " + window;
  }
  return out;
}

std::string Scheduler::explain(const ClusterState& s, const Job& j) const {
  if (j.phase != JobPhase::kPending) return std::string(phase_name(j.phase));
  const Topology& topo = *s.topo;
  const std::string where = topo.site_set_name(j.spec.sites);
  const WaitReason w = wait_of(j);
  if (w.kind == WaitKind::kAdmission) return j.admission_why;  // parked until its funds change
  if (w.pass != pass_id_ || w.kind == WaitKind::kNew) {
    if (j.queued_since > pass_time_) return "submitted; waiting for the next scheduling pass";
    if (queue_.contains(j.id) && skipped(j.id)) {  // its slice class was full: not looked at
      const std::string what = "needs " + shape_text(topo, j.spec) + " at " + where + "; every sliced GPU it may use";
      if (!down_on_.empty())
        return what + " is full or out of service (" + reserved_text(s, j) +
               "); waits for slices to end or GPUs to come back";
      return what + " is full (reserved ones included) and nothing there may be preempted; waits for slices to end";
    }
    if (stop_ == Stop::kBlocked)
      return "queued behind job " + job_text(s, blocker_) + " (policy " + std::string(policy_->name()) +
             ": strict arrival order, no overtaking)";
    if (res_.active)
      return "every free GPU is in use or reserved for job " + job_text(s, res_.head) + " (starts by " +
             clock_text(res_.at) + "); waits for running jobs to end";
    if (!down_on_.empty())  // downtimes on now are out of the index: say so, not just "in use"
      return "every GPU is in use or out of service (" + reserved_text(s, j) +
             "); waits for running jobs to end or GPUs to come back";
    return "every GPU is in use; waits for running jobs to end";
  }
  switch (w.kind) {
    case WaitKind::kNoNode:
      return "needs " + shape_text(topo, j.spec) + " on one node at " + where +
             "; the most free on one node is " + std::to_string(w.a);
    case WaitKind::kNoBlock:
      return "needs " + shape_text(topo, j.spec) + " in one site (" + where +
             "); the most free in one site is " + std::to_string(w.a);
    case WaitKind::kReserved:
      return "front of the queue; needs " + shape_text(topo, j.spec) + " at " + where +
             ", the most free now is " + std::to_string(w.a) + "; reserved to start by " + clock_text(w.at);
    case WaitKind::kWouldDelayHead:
      return "would delay job " + job_text(s, w.other) + ", reserved to start by " + clock_text(w.at) +
             "; needs " + shape_text(topo, j.spec) + ", a backfill hole holds at most " + std::to_string(w.a);
    case WaitKind::kNoSlice:
      return "needs " + shape_text(topo, j.spec) + " at " + where + "; no sliced GPU has room for one (the most free on one is " +
             std::to_string(w.a) + " of 7 compute units, or its free slots are not where the profile may start)";
    case WaitKind::kQuota:
      return quota_text(s, w);
    case WaitKind::kAdmission:
      return j.admission_why;
    case WaitKind::kDeferred:
      return "deferred for a lower-carbon hour: " + std::to_string(w.a) + " gCO2e/kWh now at best, " +
             std::to_string(w.b) + " from " + clock_text(w.at) + "; done by its deadline " +
             clock_text(j.spec.deadline);
    case WaitKind::kReservedGpus:
      return "needs " + shape_text(topo, j.spec) + " at " + where + "; " + std::to_string(w.a) +
             (j.spec.slice ? " sliced GPUs" : " GPUs") + " there are reserved (" + reserved_text(s, j) + ")";
    case WaitKind::kNew:
      break;
  }
  return "waiting";
}

}  // namespace hexa
