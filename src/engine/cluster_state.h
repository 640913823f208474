// ClusterState: everything the engine schedules over. The core owns one; the engine reads and
// changes it in scheduling passes. Pure data: no clock, no I/O.
#pragma once

#include <vector>

#include "engine/free_index.h"
#include "model/job.h"
#include "model/job_table.h"
#include "model/node_state.h"
#include "model/tenant.h"
#include "model/topology.h"

namespace hexa {

class Reader;
class Writer;

struct ClusterState {
  explicit ClusterState(const Topology& t) : topo(&t), free(t), nodes(t.nodes().size()) {}

  const Topology* topo;
  FreeIndex free;
  JobTable jobs;                // by JobId; jobs that ended may be retired (CoreOptions)
  std::vector<Tenant> tenants;  // indexed by TenantId
  std::vector<JobId> running;   // in no particular order; Job::slot is the index
  std::vector<NodeStatus> nodes;  // by NodeId: only an up node takes new work (Scheduler::set_node)
  bool any_quotas = false;      // some tenant has a quota: the engine checks them
  // By TenantId, derived from the tenants' quotas (note_quotas, engine/quota.h): kQuotaChain
  // when it or a tenant above it has a quota, kTypedChain when one of those is on a GPU type.
  // Tenants past its end get the full check.
  std::vector<std::uint8_t> quota_chain;
  static constexpr std::uint8_t kQuotaChain = 1, kTypedChain = 2;

  void add_running(Job& j) {
    j.slot = static_cast<std::uint32_t>(running.size());
    running.push_back(j.id);
  }
  void remove_running(const Job& j) {
    JobId last = running.back();
    running[j.slot] = last;
    jobs[last].slot = j.slot;
    running.pop_back();
  }
};

// Snapshots (engine/cluster_state_archive.cc): jobs, tenants, the running list in its order,
// node states, the free index. Load checks that every id a job or tenant holds is in range.
// REQUIRES (load): a fresh state of the same topology.
void save(Writer& w, const ClusterState& s);
bool load(Reader& r, ClusterState& s);

}  // namespace hexa
