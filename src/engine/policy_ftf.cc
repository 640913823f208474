// ftf: finish-time fairness (Themis, NSDI'20). A job's rho = T_shared / T_alone, where
//   T_shared = (now - submit) + remaining work: when it would finish, counted from its submit,
//              if it started now and ran to its estimate;
//   T_alone  = work x max(1, gpus / share): its whole run alone on its tenant's fair share of
//              the cloud; share = C x weight / W, C the cloud's GPUs and W the weights of the
//              top-level tenants with jobs waiting or running (its own included). A gang wider
//              than the share would run proportionally slower there.
// Largest rho first; equal rho by arrival (job id). Non-clairvoyant: the work estimate is the
// job's time limit; with none, the useful run so far, at least kNoLimitWork (so that with no
// limits and one tenant ftf is arrival order). rho grows while a job waits, faster for short
// jobs: every waiting job is re-keyed at each pass (waiting_keys_drift). Not preemptive (Themis
// reallocates at lease ends; here a job keeps its GPUs to the end); the front job gets an EASY
// reservation, as with fair, so that a wide job with the largest rho is not passed for ever.
#include <algorithm>
#include <limits>

#include "engine/queue_policy.h"

namespace hexa {
namespace {

constexpr DurationMs kNoLimitWork = kMinute;
constexpr int kFracBits = 20;  // rho in fixed point: differences of one millionth still order

class Ftf final : public QueuePolicy {
 public:
  explicit Ftf(DurationMs overhead) : overhead_(overhead) {}
  std::string_view name() const override { return "ftf"; }
  Skip skip() const override { return Skip::kEasy; }
  bool waiting_keys_drift() const override { return true; }
  // Running jobs' rho moves too (W changes; a job with no limit has its estimate grow): when a
  // higher priority preempts, the victims are ranked at that pass, the smallest rho first.
  bool running_keys_drift() const override { return true; }

  // Level -rho (ascending keys put the largest rho first), rounded toward zero.
  PolicyKey key(const ClusterState& s, const Job& j, TimeMs now) const override {
    DurationMs work = std::max(j.spec.time_limit > 0 ? j.spec.time_limit : kNoLimitWork, j.useful_ms);
    DurationMs left = std::max<DurationMs>(0, work - useful_run(j, now, overhead_));
    Int128 shared = std::max<DurationMs>(0, now - j.submit) + left;
    // rho = shared x C x weight / (work x max(C x weight, gpus x W)): T_alone multiplied out.
    Int128 cw = static_cast<Int128>(s.topo->total_gpus()) * root_weight(s, j.spec.tenant);
    Int128 den = static_cast<Int128>(work) * std::max(cw, static_cast<Int128>(j.spec.gpus) * weights_);
    Int128 rho = den > 0 ? (shared * cw << kFracBits) / den : 0;
    rho = std::min<Int128>(rho, std::numeric_limits<std::int64_t>::max());
    return {-static_cast<std::int64_t>(rho), j.id};
  }

  // W for this pass, before the engine re-keys the waiting jobs.
  void changed_keys(ClusterState& s, TimeMs, std::vector<JobId>*) override {
    weights_ = 0;
    for (const Tenant& t : s.tenants)
      if (t.parent == kNoTenant && t.sub_queued + t.sub_running > 0) weights_ += t.weight;
  }

 private:
  static long root_weight(const ClusterState& s, TenantId t) {
    if (t >= s.tenants.size()) return 1;
    while (s.tenants[t].parent != kNoTenant) t = s.tenants[t].parent;
    return std::max(1, s.tenants[t].weight);
  }

  DurationMs overhead_;
  long weights_ = 0;  // W, as of the last pass
};

}  // namespace

std::unique_ptr<QueuePolicy> make_ftf(const SchedulerOptions& o) { return std::make_unique<Ftf>(o.restart_overhead); }

}  // namespace hexa
