// A tenant: who owns jobs. Tenants form a tree: organisation -> project (start-ups, companies)
// and programme -> cohort -> learner (training). Its weight sets its fair share; quotas on a
// tenant bound its whole subtree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/ids.h"
#include "model/units.h"

namespace hexa {

enum class TenantKind : std::uint8_t { kOrganisation, kProject, kProgramme, kCohort, kLearner };
const char* kind_name(TenantKind k);
std::optional<TenantKind> parse_kind(const std::string& s);
// Whether a tenant of kind `child` may sit under one of kind `parent`.
bool may_nest(TenantKind parent, TenantKind child);

constexpr TenantId kNoTenant = ~TenantId{0};

// Limits on a tenant's subtree, for one GPU type or for all GPUs (type empty). -1: no limit.
struct Quota {
  std::optional<TypeId> type;
  int max_gpus = -1;
  // Guaranteed share (Kueue's nominal quota): GPUs the subtree can always get back, by
  // preempting work that other tenants borrowed. Beyond it the subtree borrows idle GPUs, up to
  // borrow_limit more; borrowed work can be reclaimed. -1: no guarantee.
  int guaranteed_gpus = -1;
  int borrow_limit = -1;
  int max_running = -1;  // jobs (only on the all-GPUs quota)
  int max_queued = -1;   // jobs (only on the all-GPUs quota)
};

struct Tenant {
  std::string name;
  int weight = 1;
  TenantId parent = kNoTenant;
  TenantKind kind = TenantKind::kOrganisation;
  std::vector<Quota> quotas;
  // Fair-share usage in GPU-ms, decayed to `usage_at`; kept apart from money.
  GpuMs usage = 0;
  TimeMs usage_at = 0;
  int running_gpus = 0;  // this tenant's own jobs
  // Its subtree, kept by the engine: GPUs in use by type, running and queued jobs.
  std::vector<int> sub_gpus;  // by TypeId
  int sub_running = 0;
  int sub_queued = 0;
};

}  // namespace hexa
