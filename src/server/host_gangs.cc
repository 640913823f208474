// Gangs whose every rank ended well. An agent's report ends the job when its rank is the last
// one (routes_agent.cc), but the plans of one batch are all decided before any is applied: two
// nodes reporting their ranks' ends in the same batch each see the other still running, and
// both only record their rank. A restart between a rank's record and the job's end leaves the
// same. So the core thread looks, before each batch, for running gangs with every rank
// recorded, and ends them (journaled as any CompleteJob: replay sees it too).
#include "server/host.h"

namespace hexa {

void Host::finish_gangs() {
  for (const auto& [id, ranks] : rank_exits_) {
    if (!core_->has_job(id)) continue;
    const Job& j = core_->job(id);
    if (j.phase != JobPhase::kRunning || ranks.size() < j.alloc.size()) continue;
    std::lock_guard lock(q_mu_);
    queue_.push_back({[id = id, segment = j.segment](const Core& core) {  // (clang: no binding captures)
                        Plan p;
                        if (core.has_job(id) && core.job(id).phase == JobPhase::kRunning && core.job(id).segment == segment)
                          p.commands.push_back(CompleteJob{id, segment, EndKind::kCompleted, 0, 0});
                        return p;
                      },
                      [](const Outcome&, const Core&) {}});
  }
}

}  // namespace hexa
