// Snapshots of the cluster state (engine/cluster_state.h).
#include <bit>

#include "engine/cluster_state.h"
#include "engine/quota.h"
#include "model/model_archive.h"

namespace hexa {
namespace {

bool tenant_ok(const ClusterState& s, TenantId t) { return t == kNoTenant || t < s.tenants.size(); }

// GPUs of nodes of the topology: whole ones of an unsliced node, or one slice (a profile, its
// slots, one GPU) of a sliced node.
bool alloc_ok(const Topology& topo, const Allocation& a) {
  for (const NodeGpus& g : a) {
    if (g.node >= topo.nodes().size()) return false;
    const NodeInfo& n = topo.node(g.node);
    if (n.gpus < 64 && (g.mask >> n.gpus) != 0) return false;
    if (n.sliced != (g.slots != 0)) return false;
    if (g.slots && (!std::has_single_bit(g.mask) || g.slice < 1 || g.slice > topo.slice_profiles().size()))
      return false;
  }
  return true;
}

bool tenants_ok(const ClusterState& s) {
  const auto types = s.topo->types().size();
  for (TenantId i = 0; i < s.tenants.size(); ++i) {
    const Tenant& t = s.tenants[i];
    if (t.weight < 1 || (t.parent != kNoTenant && t.parent >= i) || t.sub_gpus.size() > types) return false;
    for (const Quota& q : t.quotas)
      if (q.type && *q.type >= types) return false;
  }
  return true;
}

bool job_ok(const ClusterState& s, const Job& j) {
  const Topology& topo = *s.topo;
  const JobSpec& sp = j.spec;
  if (sp.tenant >= s.tenants.size() || sp.gpus < 1 || sp.slice < 0 ||
      static_cast<std::size_t>(sp.slice) > topo.slice_profiles().size())
    return false;
  if (!alloc_ok(topo, j.alloc) || !tenant_ok(s, j.borrowed_from) || j.reservation < -1) return false;
  if (j.wait.type && *j.wait.type >= topo.types().size()) return false;
  if (j.wait.kind == WaitKind::kQuota && j.wait.other >= s.tenants.size()) return false;
  if (j.phase == JobPhase::kRunning)
    return !j.alloc.empty() && j.slot < s.running.size() && s.running[j.slot] == j.id;
  return true;
}

bool check_loaded(Reader& r, const ClusterState& s) {
  if (!tenants_ok(s)) return r.fail("a tenant's weight, parent or quota is out of range");
  std::size_t running = 0;
  bool ok = true;
  s.jobs.for_each([&](const Job& j) {
    ok = ok && job_ok(s, j);
    running += j.phase == JobPhase::kRunning;
  });
  if (!ok) return r.fail("a job names a tenant, node, profile or slot out of range");
  if (running != s.running.size()) return r.fail("the running list is not the running jobs");
  return true;
}

}  // namespace

// A member added to one of these must be saved and loaded here (or, if it is the scratch of a
// pass, named as left out): their sizes make the build say so. Update them once it is done.
#if defined(__GLIBCXX__) && defined(__LP64__)
// quota_chain is derived from the tenants: rebuilt at load, not saved.
static_assert(sizeof(ClusterState) == 968,  // 744 + FreeIndex's fingerprints, fit table and scratch - its node arrays in one + its free-node bits and reach masks (free_index_archive.cc)
              "ClusterState changed: save the new member in cluster_state_archive.cc");
#endif

void save(Writer& w, const ClusterState& s) {
  s.jobs.save(w);
  w.seq(s.tenants, [&](const Tenant& t) { save(w, t); });
  w.seq(s.running, [&](JobId id) { w.u32(id); });
  for (const NodeStatus& n : s.nodes) save(w, n);
  w.b(s.any_quotas);
  s.free.save(w);
}

bool load(Reader& r, ClusterState& s) {
  if (!s.jobs.load(r)) return false;
  s.tenants.resize(r.count(8));
  for (Tenant& t : s.tenants) load(r, t);
  s.running.resize(r.count());
  for (JobId& id : s.running) id = r.u32();
  for (NodeStatus& n : s.nodes) load(r, n);
  s.any_quotas = r.b();
  if (!r.ok() || !s.free.load(r)) return false;
  if (!check_loaded(r, s)) return false;
  s.quota_chain.clear();
  note_quotas(s);
  return true;
}

}  // namespace hexa
