// Quotas: limits on a tenant's subtree, checked before a job starts. A job over a quota waits
// with a reason that names the tenant and the quota; it does not hold up jobs behind it.
// The subtree counters (Tenant::sub_*) are kept here too, as jobs queue, start and stop.
#pragma once

#include "engine/cluster_state.h"

namespace hexa {

struct QuotaVerdict {
  bool ok = true;
  TypeMask allowed = 0;  // GPU types the job may start on now; 0 = any (no quota in the way)
  WaitReason wait;       // when !ok
};

// REQUIRES: j is pending. Cheap when no tenant has quotas, or none in j's chain.
QuotaVerdict check_quotas(const ClusterState& s, const Job& j);

// Fills s.quota_chain for the tenants added since it was last called (tenants never change
// their quotas or parent once added, and parents come first).
void note_quotas(ClusterState& s);

// Why a job can never start under its tenant's quotas, even with its whole subtree idle (its gang
// is bigger than a limit on every acceptable type); empty when it can.
std::string never_within_quota(const ClusterState& s, const JobSpec& spec);

// Count a job in its tenant's subtree: queued (+1/-1), or running on `type` (+1/-1).
void count_queued(ClusterState& s, const Job& j, int sign);
void count_running(ClusterState& s, const Job& j, TypeId type, int sign);

// The nearest tenant in the job's chain whose guarantee the job would exceed by starting on
// `type` (the job borrows against it), or kNoTenant.
TenantId borrows_from(const ClusterState& s, const Job& j, TypeId type);

// Whether some tenant in the job's chain has a guarantee on one of `types` that still covers
// the job: then it may reclaim GPUs borrowed by others.
bool within_guarantee(const ClusterState& s, const Job& j, TypeMask types);

// True when `t` is `ancestor` or below it.
bool in_subtree(const ClusterState& s, TenantId t, TenantId ancestor);

}  // namespace hexa
