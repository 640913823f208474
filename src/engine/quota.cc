#include "engine/quota.h"

#include <numeric>

namespace hexa {
namespace {

int used(const Tenant& t, const Quota& q) {
  if (q.type) return *q.type < t.sub_gpus.size() ? t.sub_gpus[*q.type] : 0;
  return std::accumulate(t.sub_gpus.begin(), t.sub_gpus.end(), 0);
}

// The most GPUs the quota lets the subtree hold, or -1.
int gpu_limit(const Quota& q) {
  int limit = q.max_gpus;
  if (q.guaranteed_gpus >= 0 && q.borrow_limit >= 0) {
    int cap = q.guaranteed_gpus + q.borrow_limit;
    limit = limit < 0 ? cap : std::min(limit, cap);
  }
  return limit;
}

bool applies(const Quota& q, TypeId type) { return !q.type || *q.type == type; }

WaitReason quota_wait(TenantId t, const Quota& q, QuotaField field, long limit, long in_use) {
  WaitReason w;
  w.kind = WaitKind::kQuota;
  w.other = t;
  w.type = q.type;
  w.field = field;
  w.a = limit;
  w.b = in_use;
  return w;
}

// Why starting `j` on `type` breaks a quota of its tenant or an ancestor, or nullopt.
std::optional<WaitReason> breach(const ClusterState& s, const Job& j, TypeId type) {
  for (TenantId t = j.spec.tenant; t != kNoTenant; t = s.tenants[t].parent) {
    const Tenant& ten = s.tenants[t];
    for (const Quota& q : ten.quotas) {
      if (!applies(q, type)) continue;
      int limit = gpu_limit(q);
      // GPUs in use only when a limit needs them (a learner's quota is on jobs at once).
      int in_use = limit >= 0 || q.guaranteed_gpus >= 0 ? used(ten, q) : 0;
      if (limit >= 0 && in_use + j.spec.gpus > limit) return quota_wait(t, q, QuotaField::kGpus, limit, in_use);
      if (!q.type && q.max_running >= 0 && ten.sub_running + 1 > q.max_running)
        return quota_wait(t, q, QuotaField::kRunning, q.max_running, ten.sub_running);
      // Borrowed work can be reclaimed by preemption; work that may not be preempted may not borrow.
      if (!j.spec.preemptible && q.guaranteed_gpus >= 0 && in_use + j.spec.gpus > q.guaranteed_gpus)
        return quota_wait(t, q, QuotaField::kNoBorrowing, q.guaranteed_gpus, in_use);
    }
  }
  return std::nullopt;
}

}  // namespace

void note_quotas(ClusterState& s) {
  for (TenantId t = static_cast<TenantId>(s.quota_chain.size()); t < s.tenants.size(); ++t) {
    const Tenant& ten = s.tenants[t];
    std::uint8_t chain = ten.parent == kNoTenant || ten.parent >= t ? 0 : s.quota_chain[ten.parent];
    for (const Quota& q : ten.quotas)
      chain = static_cast<std::uint8_t>(chain | ClusterState::kQuotaChain | (q.type ? ClusterState::kTypedChain : 0));
    s.quota_chain.push_back(chain);
  }
}

QuotaVerdict check_quotas(const ClusterState& s, const Job& j) {
  QuotaVerdict v;
  if (!s.any_quotas) return v;
  const auto types = s.topo->types().size();
  // Most waiting jobs are in chains with no quota (start-ups), or only with quotas on all types
  // (learners): the answer is the same for every type, found once, not once per type (this
  // check was 6% of the France month's instructions).
  const std::uint8_t chain = j.spec.tenant < s.quota_chain.size()
                                 ? s.quota_chain[j.spec.tenant]
                                 : ClusterState::kQuotaChain | ClusterState::kTypedChain;
  if (!(chain & ClusterState::kTypedChain)) {
    TypeMask all = 0;
    for (TypeId t = 0; t < types; ++t)
      if (allows(j.spec.types, t)) all |= bit(t);
    auto why = chain & ClusterState::kQuotaChain ? breach(s, j, 0) : std::nullopt;
    if (all == 0 || !why) {
      v.allowed = all;
      if (all == 0) v.ok = false;  // no type allowed: as the loop below finds, with no reason
      return v;
    }
    v.ok = false;
    v.wait = *why;
    return v;
  }
  std::optional<WaitReason> first;
  for (TypeId t = 0; t < types; ++t) {
    if (!allows(j.spec.types, t)) continue;
    auto why = breach(s, j, t);
    if (!why) v.allowed |= bit(t);
    if (why && !first) first = why;
  }
  if (v.allowed == 0) {
    v.ok = false;
    v.wait = first.value_or(WaitReason{});
  }
  return v;
}

std::string never_within_quota(const ClusterState& s, const JobSpec& spec) {
  if (!s.any_quotas) return {};
  std::string why;
  for (TypeId type = 0; type < s.topo->types().size(); ++type) {
    if (!allows(spec.types, type)) continue;
    std::string blocked;
    for (TenantId t = spec.tenant; t != kNoTenant && blocked.empty(); t = s.tenants[t].parent)
      for (const Quota& q : s.tenants[t].quotas) {
        if (!applies(q, type)) continue;
        int cap = gpu_limit(q);
        if (!spec.preemptible && q.guaranteed_gpus >= 0) cap = cap < 0 ? q.guaranteed_gpus : std::min(cap, q.guaranteed_gpus);
        if ((cap >= 0 && spec.gpus > cap) || (!q.type && q.max_running == 0)) {
          blocked = "tenant '" + s.tenants[t].name + "' may never use more than " + std::to_string(std::max(cap, 0)) +
                    " " + (q.type ? s.topo->types().name(*q.type) + " " : "") + "GPUs";
          break;
        }
      }
    if (blocked.empty()) return {};  // this type can do
    if (why.empty()) why = blocked;
  }
  return why.empty() ? why : "can never run: over quota: " + why;
}

void count_queued(ClusterState& s, const Job& j, int sign) {
  for (TenantId t = j.spec.tenant; t != kNoTenant; t = s.tenants[t].parent) s.tenants[t].sub_queued += sign;
}

void count_running(ClusterState& s, const Job& j, TypeId type, int sign) {
  for (TenantId t = j.spec.tenant; t != kNoTenant; t = s.tenants[t].parent) {
    Tenant& ten = s.tenants[t];
    if (ten.sub_gpus.size() <= type) ten.sub_gpus.resize(type + 1, 0);
    ten.sub_gpus[type] += sign * j.spec.gpus;
    ten.sub_running += sign;
  }
}

TenantId borrows_from(const ClusterState& s, const Job& j, TypeId type) {
  if (!s.any_quotas) return kNoTenant;
  for (TenantId t = j.spec.tenant; t != kNoTenant; t = s.tenants[t].parent)
    for (const Quota& q : s.tenants[t].quotas)
      if (applies(q, type) && q.guaranteed_gpus >= 0 && used(s.tenants[t], q) + j.spec.gpus > q.guaranteed_gpus)
        return t;
  return kNoTenant;
}

bool within_guarantee(const ClusterState& s, const Job& j, TypeMask types) {
  if (!s.any_quotas) return false;
  for (TenantId t = j.spec.tenant; t != kNoTenant; t = s.tenants[t].parent)
    for (const Quota& q : s.tenants[t].quotas) {
      if (q.guaranteed_gpus < 0) continue;
      bool type_ok = !q.type || allows(types, *q.type);
      if (type_ok && used(s.tenants[t], q) + j.spec.gpus <= q.guaranteed_gpus) return true;
    }
  return false;
}

bool in_subtree(const ClusterState& s, TenantId t, TenantId ancestor) {
  for (; t != kNoTenant; t = s.tenants[t].parent)
    if (t == ancestor) return true;
  return false;
}

}  // namespace hexa
