// The queue's estimated start times (engine/start_estimate.h), worked out at most once per
// scheduling pass, when first asked for: a list of 100,000 jobs reads one walk of the queue,
// not one per job. A reader that must stay cheap (a submit's answer: one per batch of submits,
// each after a pass, would walk a queue of 37,000 jobs per batch) takes them only if this
// pass's are already there (`ready`). Readers may ask at once (the server's read lock is shared): the cache has
// its own lock, and hands out the estimates as an immutable shared copy.
#pragma once

#include <memory>
#include <mutex>

#include "engine/start_estimate.h"

namespace hexa {

class EstimateCache {
 public:
  // REQUIRES: the state and scheduler do not change during the call (a read lock, or the core
  // thread). `now`: the core's time.
  std::shared_ptr<const StartEstimates> get(const ClusterState& s, const Scheduler& sched, TimeMs now) const {
    std::lock_guard lock(mu_);
    if (!last_ || last_->pass() != sched.passes())
      last_ = std::make_shared<const StartEstimates>(estimate_starts(s, sched, now));
    return last_;
  }
  // This pass's estimates if something already worked them out, else nullptr; never walks.
  std::shared_ptr<const StartEstimates> ready(const Scheduler& sched) const {
    std::lock_guard lock(mu_);
    return last_ && last_->pass() == sched.passes() ? last_ : nullptr;
  }

 private:
  mutable std::mutex mu_;
  mutable std::shared_ptr<const StartEstimates> last_;
};

}  // namespace hexa
