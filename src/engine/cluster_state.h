// ClusterState: everything the engine schedules over. The core owns one; the engine reads and
// changes it in scheduling passes. Pure data: no clock, no I/O.
#pragma once

#include <vector>

#include "engine/free_index.h"
#include "model/job.h"
#include "model/tenant.h"
#include "model/topology.h"

namespace hexa {

struct ClusterState {
  explicit ClusterState(const Topology& t) : topo(&t), free(t) {}

  const Topology* topo;
  FreeIndex free;
  std::vector<Job> jobs;        // indexed by JobId, never shrinks
  std::vector<Tenant> tenants;  // indexed by TenantId
  std::vector<JobId> pending;   // may hold ids that left the queue; see compact_pending()
  std::vector<JobId> running;   // may hold ids that stopped; see compact_running()

  void compact_pending();
  void compact_running();
};

}  // namespace hexa
