// Admission: the seam through which a host's rules (credits, budgets) may hold back a job the
// engine has placed. The engine asks before every start and reports every start and stop; it
// knows nothing of money. DESIGN.md: policy (queue order, placement, admission) apart from
// mechanism.
#pragma once

#include <cstdint>
#include <string>

#include "engine/cluster_state.h"

namespace hexa {

class Admission {
 public:
  virtual ~Admission() = default;
  // Whether j may start on `alloc` now. When not, *why says why in words. Changes nothing.
  virtual bool admit(const ClusterState& s, const Job& j, const Allocation& alloc, TimeMs now, std::string* why) = 0;
  // REQUIRES: admit() just said yes for this allocation.
  virtual void started(const ClusterState& s, const Job& j, TimeMs now) = 0;
  // After the segment closed (j.last_run_ms is its length; j.phase says how it ended).
  virtual void stopped(const ClusterState& s, const Job& j, TimeMs now) = 0;

  // For jobs refused and set aside: what j was refused for on `alloc`, and the most tenant t
  // could be granted now. Set-aside jobs are looked at again, cheapest first, only as far as
  // their tenant's room covers their needs together: looking earlier would place them and
  // refuse them again, pass after pass. (A cheaper pool could take a job for less than its
  // need; it waits for the room all the same: a cost paid only by tenants short of money.)
  virtual std::int64_t need(const ClusterState& s, const Job& j, const Allocation& alloc) const = 0;
  virtual std::int64_t room(const ClusterState& s, TenantId t, TimeMs now) const = 0;

  // What j would pay per GPU-hour in pool p (its site and GPU type, at j's priority, with its
  // preemptible discount): what `site_choice: cheapest` ranks by when money is on, so that the
  // site chosen is the one the tenant is charged least at. -1: no prices here (the cluster's
  // price factors rank). A pool without a rate for j ranks last.
  virtual std::int64_t price(const ClusterState&, const Job&, PoolId) const { return -1; }
};

}  // namespace hexa
