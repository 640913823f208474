#include "engine/cluster_state.h"

#include <algorithm>

namespace hexa {

void ClusterState::compact_pending() {
  std::erase_if(pending, [&](JobId j) { return jobs[j].phase != JobPhase::kPending; });
}

void ClusterState::compact_running() {
  std::erase_if(running, [&](JobId j) { return jobs[j].phase != JobPhase::kRunning; });
}

}  // namespace hexa
