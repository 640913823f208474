#include "core/credits.h"

#include <cassert>

namespace hexa {

std::string CreditAdmission::hold_id(const Job& j) {
  return "j" + std::to_string(j.id) + "#" + std::to_string(j.preemptions);
}

Result<HoldRequest> CreditAdmission::hold_for(const ClusterState& s, const Job& j, const Allocation& alloc) const {
  const NodeInfo& node = s.topo->node(alloc.front().node);
  HoldRequest h;
  h.id = hold_id(j);
  h.tenant = s.tenants[j.spec.tenant].name;
  h.job = j.spec.name;
  h.gpu_type = s.topo->types().name(node.type);
  h.site = s.topo->site(node.site).name;
  auto rate = ledger_.prices().rate(h.gpu_type, h.site, j.spec.priority, j.spec.preemptible);
  if (!rate.ok()) return rate.status();
  h.rate = *rate;
  // The whole segment, by its time limit: what is left of the limit, plus the restart overhead.
  DurationMs run = j.spec.time_limit - j.useful_ms + (j.resumed() ? overhead_ : 0);
  h.gpu_ms = GpuMs{j.spec.gpus} * run;
  auto amount = usage_cost(h.gpu_ms, h.rate);
  if (!amount.ok()) return amount.status();
  h.amount = std::max<Micro>(*amount, 1);
  return h;
}

bool CreditAdmission::admit(const ClusterState& s, const Job& j, const Allocation& alloc, TimeMs now,
                            std::string* why) {
  auto h = hold_for(s, j, alloc);
  Status st = h.ok() ? ledger_.check_start(h->tenant, h->amount, h->gpu_ms, now) : h.status();
  if (!st.ok()) *why = "credits: " + st.message();
  return st.ok();
}

void CreditAdmission::started(const ClusterState& s, const Job& j, TimeMs now) {
  auto h = hold_for(s, j, j.alloc);
  [[maybe_unused]] auto placed = h.ok() ? ledger_.place_hold(*h, now) : Result<OpOutcome>(h.status());
  assert(placed.ok() && "admit() said yes at this very instant");
  if (h.ok()) rates_[h->id] = h->rate;
}

void CreditAdmission::stopped(const ClusterState& s, const Job& j, TimeMs now) {
  // The segment that just closed: a preempted job's count already includes it.
  Job seg = j;
  if (j.phase == JobPhase::kPending) --seg.preemptions;
  const std::string id = hold_id(seg);
  auto rate = rates_.find(id);
  if (rate == rates_.end()) return;  // started before credits were on
  GpuMs used = GpuMs{j.spec.gpus} * j.last_run_ms;
  if (used > 0) (void)ledger_.meter(id, used, now);
  (void)ledger_.release(id, now);
  DurationMs redone = seg.resumed() ? std::min(j.last_run_ms, overhead_) : 0;
  auto amount = usage_cost(GpuMs{j.spec.gpus} * redone, rate->second);
  if (redone > 0 && amount.ok() && *amount > 0) {
    RefundRequest r;
    r.id = id + "/restart";
    r.tenant = s.tenants[j.spec.tenant].name;
    r.amount = *amount;
    r.reason = "restart after preemption";
    r.job = j.spec.name;
    r.gpu_ms = GpuMs{j.spec.gpus} * redone;
    (void)ledger_.refund(r, now);
  }
  rates_.erase(rate);
}

}  // namespace hexa
