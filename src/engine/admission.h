// Admission: the seam through which a host's rules (credits, budgets) may hold back a job the
// engine has placed. The engine asks before every start and reports every start and stop; it
// knows nothing of money. DESIGN.md: policy (queue order, placement, admission) apart from
// mechanism.
#pragma once

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
};

}  // namespace hexa
