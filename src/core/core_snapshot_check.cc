// What a restored core's parts say of each other must agree (core/core_snapshot.cc): the
// tenants the core and the ledger know, the budgets and alerts it follows, the jobs waiting to
// leave memory. A snapshot the core made always passes; these catch corrupt bytes that a
// checksum was made to fit, before they can send an index out of range.
#include <algorithm>

#include "core/core.h"
#include "model/archive.h"

namespace hexa {

bool Core::check_loaded(Reader& r) const {
  const auto& tenants = state_.tenants;
  const auto& funds = ledger_.tenants();
  if (funds.size() != tenants.size()) return r.fail("the core and the ledger know other tenants");
  for (std::size_t i = 0; i < tenants.size(); ++i)
    if (funds[i].name != tenants[i].name || ledger_.find_tenant(tenants[i].name) != &funds[i])
      return r.fail("tenant '" + tenants[i].name + "': another name in the ledger, or named twice");
  for (const auto& [t, next] : hard_budgets_)
    if (t >= tenants.size() || !funds[t].budget) return r.fail("a hard budget of no tenant, or of no budget");
  if (alerts_seen_ > ledger_.alerts().size()) return r.fail("more budget alerts seen than raised");
  std::vector<JobId> ended = ended_;
  std::sort(ended.begin(), ended.end());
  if (std::adjacent_find(ended.begin(), ended.end()) != ended.end()) return r.fail("a job ended twice");
  for (JobId id : ended) {
    if (!state_.jobs.contains(id)) return r.fail("an ended job that is not in memory");
    const JobPhase p = state_.jobs[id].phase;
    if (p == JobPhase::kPending || p == JobPhase::kRunning) return r.fail("an ended job that has not ended");
  }
  return true;
}

}  // namespace hexa
