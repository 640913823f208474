// Credit admission: the ledger behind the engine's Admission seam. A job starts only if its
// tenant can cover its time limit at its rate (live grants + cash + overdraft, and within a
// hard budget); the hold is placed at start, the GPU time used is metered when the segment
// ends, the rest is released. A resumed segment's restart overhead is refunded: redoing work
// lost to preemption is the cloud's cost, not the tenant's.
#pragma once

#include <string>
#include <unordered_map>

#include "engine/admission.h"
#include "ledger/ledger.h"

namespace hexa {

class CreditAdmission final : public Admission {
 public:
  CreditAdmission(Ledger& ledger, DurationMs restart_overhead) : ledger_(ledger), overhead_(restart_overhead) {}

  bool admit(const ClusterState& s, const Job& j, const Allocation& alloc, TimeMs now, std::string* why) override;
  void started(const ClusterState& s, const Job& j, TimeMs now) override;
  void stopped(const ClusterState& s, const Job& j, TimeMs now) override;

  // The hold a job needs to start on `alloc` now.
  Result<HoldRequest> hold_for(const ClusterState& s, const Job& j, const Allocation& alloc) const;
  // "j17#2": job 17's third run segment.
  static std::string hold_id(const Job& j);

 private:
  Ledger& ledger_;
  DurationMs overhead_;
  std::unordered_map<std::string, Micro> rates_;  // open holds: their rate, for refunds
};

}  // namespace hexa
