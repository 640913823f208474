// The invariant of advance reservations, checked after every pass by the property tests of
// whole-GPU and slice reservations alike.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "core/core.h"
#include "engine/quota.h"

namespace hexa::testing {

// The tenants of the reservation tests: a cohort (who books), its learner, and a start-up (who
// must keep out of the cohort's windows).
inline std::vector<AddTenant> reservation_tenants() {
  AddTenant learner;
  learner.name = "learner";
  learner.parent = "cohort";
  return {AddTenant::root("cohort"), learner, AddTenant::root("startup")};
}

// No job of anyone but the reservation's tenant (or a tenant below it) runs on the GPUs of an
// active window, and none runs on GPUs reserved later unless its time limit ends it before the
// window. Returns how many (job, reservation) pairs it looked at: foreign jobs on reserved GPUs.
inline long check_windows_kept(const Core& core, TimeMs now) {
  const ClusterState& s = core.state();
  long checked = 0;
  for (JobId id : s.running) {
    const Job& j = core.job(id);
    for (const AdvanceReservation& r : core.scheduler().reservations().all()) {
      if (r.to <= now || (r.tenant != kNoTenant && in_subtree(s, j.spec.tenant, r.tenant))) continue;
      bool on = false;
      for (const NodeGpus& a : j.alloc)
        for (const NodeGpus& g : r.gpus) on = on || (a.node == g.node && (a.mask & g.mask));
      if (!on) continue;
      if (r.active(now)) ADD_FAILURE() << "job " << j.spec.name << " runs in " << r.name << " at " << now;
      if (now < r.from && latest_end(j, 0) > r.from) ADD_FAILURE() << "job " << j.spec.name << " could run into " << r.name;
      ++checked;
    }
  }
  return checked;
}

}  // namespace hexa::testing
