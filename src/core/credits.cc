#include "core/credits.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <limits>
#include <optional>
#include <utility>

namespace hexa {

namespace {

// GPU time billed for `ms` of the job: a slice is its share of the GPU (compute sevenths),
// rounded up, so a 1g slice pays 1/7 of the type's rate.
GpuMs billed(const ClusterState& s, const Job& j, DurationMs ms) {
  if (j.spec.slice) return slice_gpu_ms(s.topo->slice_profile(j.spec.slice).compute, ms);
  return GpuMs{j.spec.gpus} * ms;
}

}  // namespace

std::string CreditAdmission::hold_id(JobId id, int preemptions) {
  // Digits spelt on the stack, into a string short enough to need no heap block: twice for
  // every job segment.
  std::string out(1, 'j');
  char digits[16];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, id).ptr);
  out += '#';
  out.append(digits, std::to_chars(digits, digits + sizeof digits, preemptions).ptr);
  return out;
}

Result<CreditAdmission::Charge> CreditAdmission::charge_for(const ClusterState& s, const Job& j,
                                                           const Allocation& alloc) const {
  const NodeInfo& node = s.topo->node(alloc.front().node);
  Charge c;
  auto rate = ledger_.prices().rate(s.topo->types().name(node.type), s.topo->site(node.site).name, j.spec.priority,
                                    j.spec.preemptible);
  if (!rate.ok()) return rate.status();
  c.rate = *rate;
  // The whole segment, by its time limit: what is left of the limit, plus the restart overhead.
  DurationMs run = j.spec.time_limit - j.useful_ms + (j.resumed() ? overhead_ : 0);
  c.gpu_ms = billed(s, j, run);
  auto amount = usage_cost(c.gpu_ms, c.rate);
  if (!amount.ok()) return amount.status();
  c.amount = std::max<Micro>(*amount, 1);
  return c;
}

Result<HoldRequest> CreditAdmission::hold_for(const ClusterState& s, const Job& j, const Allocation& alloc) const {
  auto c = charge_for(s, j, alloc);
  if (!c.ok()) return c.status();
  const NodeInfo& node = s.topo->node(alloc.front().node);
  HoldRequest h;
  h.id = hold_id(j);
  h.tenant = s.tenants[j.spec.tenant].name;
  h.job = j.spec.name;
  h.gpu_type = s.topo->types().name(node.type);
  h.site = s.topo->site(node.site).name;
  h.rate = c->rate;
  h.gpu_ms = c->gpu_ms;
  h.amount = c->amount;
  return h;
}

std::int64_t CreditAdmission::need(const ClusterState& s, const Job& j, const Allocation& alloc) const {
  auto c = charge_for(s, j, alloc);
  return c.ok() ? c->amount : std::numeric_limits<std::int64_t>::max();  // no price: until prices change
}

// The core adds each tenant to the ledger as it adds it to the cluster (Core::check_loaded
// holds them to it): a TenantId is the ledger's index too, given as the hint.
std::int64_t CreditAdmission::room(const ClusterState& s, TenantId t, TimeMs now) const {
  auto r = ledger_.room(s.tenants[t].name, now, t);
  return r.ok() ? *r : 0;
}

std::int64_t CreditAdmission::price(const ClusterState& s, const Job& j, PoolId p) const {
  if (ledger_.prices().size() == 0) return -1;  // money off: the price factors rank
  const PoolInfo& pool = s.free.pools()[p];
  auto rate = ledger_.prices().rate(s.topo->types().name(pool.type), s.topo->site(pool.site).name, j.spec.priority,
                                    j.spec.preemptible);
  return rate.ok() ? *rate : std::numeric_limits<std::int64_t>::max() / 4;  // no rate: last (and refused)
}

bool CreditAdmission::admit(const ClusterState& s, const Job& j, const Allocation& alloc, TimeMs now,
                            std::string* why) {
  auto c = charge_for(s, j, alloc);
  const TenantId t = j.spec.tenant;
  // By index (Ledger::check_start_at): the core keeps the ledger's tenants in step with its own.
  assert(t >= ledger_.tenants().size() || ledger_.tenants()[t].name == s.tenants[t].name);
  Status st = !c.ok()                         ? c.status()
              : t < ledger_.tenants().size() ? ledger_.check_start_at(t, c->amount, c->gpu_ms, now)
                                             : ledger_.check_start(s.tenants[t].name, c->amount, c->gpu_ms, now, t);
  if (!st.ok()) *why = st.message().starts_with("budget:") ? st.message() : "credits: " + st.message();
  return st.ok();
}

void CreditAdmission::check(const char* op, const std::string& id, const Status& st) {
  if (!st.ok()) faults_.push_back(std::string(op) + " " + id + ": " + st.message());
}

// admit() said yes at this very instant, so placing the hold cannot fail unless the ledger is
// wrong: then the job runs without a hold (it was started) and the fault is reported.
void CreditAdmission::started(const ClusterState& s, const Job& j, TimeMs now) {
  auto h = hold_for(s, j, j.alloc);
  const std::size_t before = ledger_.holds().size();
  // The hold's id is spelt out again only for a fault: the request moves into the ledger.
  // By index, as admit(): the core keeps the ledger's tenants in step with its own.
  const TenantId t = j.spec.tenant;
  Status st = !h.ok()                          ? h.status()
              : t < ledger_.tenants().size() ? ledger_.place_hold_at(t, std::move(h).value(), now).status()
                                             : ledger_.place_hold(std::move(h).value(), now, t).status();
  if (!st.ok()) check("hold", hold_id(j), st);
  if (hold_of_.size() <= j.id) hold_of_.resize(j.id + 1, 0);
  hold_of_[j.id] = ledger_.holds().size() > before ? static_cast<std::uint32_t>(ledger_.holds().size()) : 0;
}

void CreditAdmission::stopped(const ClusterState& s, const Job& j, TimeMs now) {
  // The segment that just closed: a preempted job's count already includes it. (Counted, not
  // copied: a copy of the job for every segment cost its strings and allocation.)
  const int seg_preemptions = j.preemptions - (j.phase == JobPhase::kPending ? 1 : 0);
  const std::string id = hold_id(j.id, seg_preemptions);
  std::optional<std::uint32_t> index;
  if (j.id < hold_of_.size() && hold_of_[j.id] != 0) {
    const std::uint32_t at = std::exchange(hold_of_[j.id], 0) - 1;
    if (at < ledger_.holds().size() && ledger_.holds()[at].req.id == id) index = at;
  }
  if (!index) index = ledger_.find_hold_index(id);
  if (!index) return;  // started before credits were on
  // A host's Schedule may come a little after a job's time limit: what ran past the limit is
  // not the tenant's to pay, and the hold covers exactly the limit.
  GpuMs used = std::min(billed(s, j, j.last_run_ms), ledger_.holds()[*index].req.gpu_ms);
  if (used > 0) check("meter", id, ledger_.meter_hold(*index, used, now).status());
  check("release", id, ledger_.release_hold(*index, now).status());
  if (seg_preemptions == 0) return;  // not resumed
  // The restart overhead redid work lost by the stop before: the cloud's cost, not the tenant's.
  const bool after_failure = restart_cause_failure_.erase(id) > 0;
  refund(s, j, id + "/restart", std::min(j.last_run_ms, overhead_),
         after_failure ? refunds_.failure_pct : refunds_.preemption_pct,
         after_failure ? "restart after node failure" : "restart after preemption", now);
}

void CreditAdmission::lost_work(const ClusterState& s, const Job& j, DurationMs lost, TimeMs now) {
  // The segment that the failure closed.
  refund(s, j, hold_id(j.id, j.preemptions - 1) + "/lost", lost, refunds_.failure_pct, "work lost to node failure", now);
  restart_cause_failure_.insert(hold_id(j));  // the next segment's overhead is the failure's too
}

void CreditAdmission::refund(const ClusterState& s, const Job& j, const std::string& id, DurationMs ms, int pct,
                             const char* why, TimeMs now) {
  const std::string hold = id.substr(0, id.find('/'));
  const Hold* h = ledger_.find_hold(hold);
  if (!h || ms <= 0 || pct <= 0) return;
  // A segment's refunds never pass what it was charged: a live host may lose a node after a
  // job's time limit, when the work "lost" runs past what the hold metered, and the restart
  // overhead and the lost work of one segment are refunded separately, each rounded.
  Micro charged = h->posted;
  GpuMs gpu_ms = std::min(billed(s, j, ms), h->gpu_ms_posted);
  for (const char* kind : {"/restart", "/lost"})
    if (const TransferView* t = ledger_.find_transfer("refund:" + hold + kind)) {
      charged -= t->amount;
      gpu_ms = std::min(gpu_ms, h->gpu_ms_posted - t->memo.gpu_ms);
    }
  auto cost = usage_cost(gpu_ms, h->req.rate);
  if (!cost.ok()) return check("refund", id, cost.status());
  // pct of the cost, rounded down (the cost itself was rounded up), without overflow.
  Micro amount = std::min(*cost / 100 * pct + *cost % 100 * pct / 100, charged);
  if (amount <= 0) return;
  RefundRequest r;
  r.id = id;
  r.tenant = s.tenants[j.spec.tenant].name;
  r.amount = amount;
  r.reason = why;
  r.job = j.spec.name;
  r.gpu_ms = gpu_ms;
  check("refund", id, ledger_.refund(r, now).status());
}

}  // namespace hexa
