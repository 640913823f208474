// Property tests: random workloads with fixed seeds, every policy and placement, invariants
// checked after every scheduling pass and at the end.
#include <algorithm>
#include <bit>
#include <map>

#include <gtest/gtest.h>

#include "sim/report.h"
#include "sim/rng.h"
#include "test_util.h"

namespace hexa {
namespace {

// Two sites, two GPU types, blocks of different shapes.
Topology mixed_cluster() {
  Topology t;
  SiteId s0 = *t.add_site("north");
  BlockId b = *t.add_block(s0, "n-a", "A");
  for (int i = 0; i < 4; ++i) (void)t.add_node(b, "n-a" + std::to_string(i), 8);
  b = *t.add_block(s0, "n-b", "B");
  for (int i = 0; i < 2; ++i) (void)t.add_node(b, "n-b" + std::to_string(i), 4);
  SiteId s1 = *t.add_site("south");
  for (int k = 0; k < 2; ++k) {
    b = *t.add_block(s1, "s-a" + std::to_string(k), "A");
    for (int i = 0; i < 3; ++i) (void)t.add_node(b, "s-a" + std::to_string(k) + std::to_string(i), 8);
  }
  return t;
}

Trace random_trace(std::uint64_t seed, int n) {
  Rng rng(seed);
  const int sizes[] = {1, 1, 2, 3, 4, 4, 8, 8, 12, 16, 24, 32};
  Trace t;
  TimeMs at = 0;
  for (int i = 0; i < n; ++i) {
    at += static_cast<TimeMs>(rng.below(40)) * kSecond;
    at += static_cast<TimeMs>(rng.below(1000));
    // One draw per statement: the order of evaluation of arguments differs between compilers.
    int gpus = sizes[rng.below(std::size(sizes))];
    long seconds = 1 + static_cast<long>(rng.below(600));
    std::string tenant = "t" + std::to_string(rng.below(4));
    TraceJob j = testing::job("j" + std::to_string(i), 0, gpus, seconds, tenant);
    j.submit = at;
    j.duration += static_cast<DurationMs>(rng.below(1000));
    if (rng.below(4) == 0) j.gpu_types = {rng.below(2) ? "A" : "B"};
    if (rng.below(5) == 0) j.sites = {rng.below(2) ? "north" : "south"};
    if (rng.below(6) == 0) j.priority = 1;
    if (rng.below(8) == 0) j.preemptible = false;
    if (rng.below(10) == 0) j.time_limit = j.duration / 2 + 1;  // will time out
    t.jobs.push_back(std::move(j));
  }
  return t;
}

// Tenants t0..t3 in two organisations with quotas; the trace's jobs belong to them.
std::vector<AddTenant> tenant_tree(std::uint64_t seed) {
  auto t = [](std::string name, std::string parent) {
    AddTenant a = AddTenant::root(std::move(name));
    a.parent = std::move(parent);
    return a;
  };
  std::vector<AddTenant> out = {t("org0", ""), t("org1", ""), t("t0", "org0"), t("t1", "org0"), t("t2", "org1"),
                                t("t3", "org1")};
  QuotaSpec q;
  q.guaranteed_gpus = 24;
  q.borrow_limit = static_cast<int>(8 * (seed % 3));
  out[0].quotas = {q};
  out[1].quotas = {q};
  QuotaSpec small;
  small.max_gpus = 16;
  small.max_running = 3;
  out[3].quotas = {small};
  QuotaSpec typed;
  typed.gpu_type = "B";
  typed.max_gpus = 4;
  out[4].quotas = {typed};
  return out;
}

// Subtree counters recomputed from the jobs, and every GPU quota respected.
void check_quotas_held(const ClusterState& s) {
  std::vector<std::vector<int>> gpus(s.tenants.size(), std::vector<int>(s.topo->types().size(), 0));
  std::vector<int> running(s.tenants.size(), 0), queued(s.tenants.size(), 0);
  for (const Job& j : s.jobs)
    for (TenantId t = j.spec.tenant; t != kNoTenant; t = s.tenants[t].parent) {
      if (j.phase == JobPhase::kRunning) ++running[t], gpus[t][s.topo->node(j.alloc[0].node).type] += j.spec.gpus;
      if (j.phase == JobPhase::kPending) ++queued[t];
    }
  for (TenantId t = 0; t < s.tenants.size(); ++t) {
    const Tenant& ten = s.tenants[t];
    ASSERT_EQ(ten.sub_running, running[t]) << ten.name;
    ASSERT_EQ(ten.sub_queued, queued[t]) << ten.name;
    for (TypeId ty = 0; ty < gpus[t].size(); ++ty)
      ASSERT_EQ(ty < ten.sub_gpus.size() ? ten.sub_gpus[ty] : 0, gpus[t][ty]) << ten.name;
    for (const Quota& q : ten.quotas) {
      int used = 0;
      for (TypeId ty = 0; ty < gpus[t].size(); ++ty)
        if (!q.type || *q.type == ty) used += gpus[t][ty];
      int limit = q.max_gpus >= 0 ? q.max_gpus : INT32_MAX;
      if (q.guaranteed_gpus >= 0 && q.borrow_limit >= 0) limit = std::min(limit, q.guaranteed_gpus + q.borrow_limit);
      ASSERT_LE(used, limit) << ten.name;
      ASSERT_LE(running[t], q.max_running >= 0 ? q.max_running : INT32_MAX) << ten.name;
    }
  }
}

// Invariants of the core's state after a pass.
void check_state(const Core& core, TimeMs now) {
  const ClusterState& s = core.state();
  check_quotas_held(s);
  const Topology& topo = core.topology();
  std::vector<std::uint64_t> used(topo.nodes().size(), 0);
  for (JobId id : s.running) {
    const Job& j = s.jobs[id];
    ASSERT_EQ(j.phase, JobPhase::kRunning);
    int gpus = 0;
    const NodeInfo& first = topo.node(j.alloc.at(0).node);
    for (const NodeGpus& ng : j.alloc) {
      const NodeInfo& n = topo.node(ng.node);
      ASSERT_EQ(used[ng.node] & ng.mask, 0u) << "GPU double-booked on " << n.name << " at " << now;
      ASSERT_EQ(s.free.free_mask(ng.node) & ng.mask, 0u) << "allocated GPU listed free";
      used[ng.node] |= ng.mask;
      gpus += std::popcount(ng.mask);
      ASSERT_EQ(n.site, first.site) << "gang across sites";
      ASSERT_EQ(n.type, first.type) << "gang across GPU types";
      ASSERT_TRUE(allows(j.spec.sites, n.site)) << "site not allowed";
      ASSERT_TRUE(allows(j.spec.types, n.type)) << "GPU type not acceptable";
    }
    ASSERT_EQ(gpus, j.spec.gpus) << "gang partly placed: " << j.spec.name;
    int node_size = first.gpus;  // nodes of one pool are all alike here
    if (core.scheduler().placer().name() == "topology" && j.spec.gpus <= node_size) {
      ASSERT_EQ(j.alloc.size(), 1u) << "a job of at most one node's GPUs spans nodes";
    }
  }
  std::map<BlockId, long> block_free;
  long total = 0;
  for (NodeId n = 0; n < topo.nodes().size(); ++n) {
    std::uint64_t all = topo.node(n).gpus == 64 ? ~0ULL : (1ULL << topo.node(n).gpus) - 1;
    if (core.node(n).takes_work()) {
      ASSERT_EQ(used[n] | s.free.free_mask(n), all) << "GPU neither free nor allocated";
    } else {  // down (failed, not repaired yet) or draining: nothing new starts there
      ASSERT_EQ(s.free.free_mask(n), 0u) << "a node out of service offers free GPUs: " << topo.node(n).name;
      if (!core.node(n).online) {
        ASSERT_EQ(used[n], 0u) << "a job runs on a down node: " << topo.node(n).name;
      }
    }
    ASSERT_EQ(s.free.node_free(n), std::popcount(s.free.free_mask(n)));
    block_free[topo.node(n).block] += s.free.node_free(n);
    total += s.free.node_free(n);
  }
  for (auto [b, f] : block_free) ASSERT_EQ(s.free.block_free(b), f);
  ASSERT_EQ(s.free.total_free(), total);
}

// Node failures at random times (seeds 2 and 3), with checkpoints every minute (seed 3) or
// none: failed jobs must still end having served exactly their work.
void random_failures(std::uint64_t seed, const Topology& topo, const Trace& trace, SimOptions& opt) {
  if (seed < 2 || trace.jobs.empty()) return;
  Rng rng(seed * 7919);
  const auto span = static_cast<std::uint64_t>(trace.jobs.back().submit + 1);
  for (int i = 0; i < 20; ++i) {
    auto at = static_cast<TimeMs>(rng.below(span));
    auto node = rng.below(topo.nodes().size());
    opt.failures.push_back({at, topo.node(static_cast<NodeId>(node)).name});
  }
  std::stable_sort(opt.failures.begin(), opt.failures.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  opt.checkpoint_every = seed == 3 ? kMinute : 0;
}

struct Case {
  std::string policy, placement;
  std::uint64_t seed;
};

class PropertyTest : public ::testing::TestWithParam<Case> {};

TEST_P(PropertyTest, InvariantsHoldOnRandomWorkloads) {
  const Case& c = GetParam();
  Topology topo = mixed_cluster();
  Trace trace = random_trace(c.seed, 300);
  SimOptions opt = testing::options(c.policy, c.placement);
  opt.sched.restart_overhead = (c.seed % 2) * 5 * kSecond;
  opt.sched.las_thresholds = {100 * kSecond, 2000 * kSecond};
  opt.sched.las_promote_knob = static_cast<int>(c.seed % 3);
  opt.tenants = tenant_tree(c.seed);
  random_failures(c.seed, topo, trace, opt);
  long passes = 0;
  opt.after_pass = [&](const Core& core, TimeMs now) {
    ++passes;
    check_state(core, now);
  };
  auto r = simulate(topo, trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(passes, 0);
  EXPECT_LE(r->failed_nodes, static_cast<long>(opt.failures.size()));  // not those of nodes down already
  if (!opt.failures.empty()) {
    EXPECT_GT(r->failures, 0) << "the failures hit no job: the test checks nothing";
  }
  std::map<std::string, const TraceJob*> by_id;
  for (const TraceJob& j : trace.jobs) by_id[j.id] = &j;
  for (const JobRecord& rec : r->jobs) {
    const TraceJob& tj = *by_id[rec.id];
    if (rec.state == "finished") {
      EXPECT_EQ(rec.useful_ms, tj.duration) << rec.id << ": finished jobs served exactly their work";
      // Each resumed segment pays the overhead, all of it (the exemption outlasts it) unless a
      // failure cuts it short; work lost to failures was run twice.
      DurationMs extra = rec.run_ms - rec.useful_ms - rec.lost_ms;
      if (rec.failures == 0) {
        EXPECT_EQ(extra, rec.preemptions * opt.sched.restart_overhead) << rec.id;
      }
      EXPECT_LE(extra, rec.preemptions * opt.sched.restart_overhead) << rec.id;
      EXPECT_GE(extra, 0) << rec.id;
    } else if (rec.state == "timeout") {
      EXPECT_EQ(rec.useful_ms, tj.time_limit) << rec.id << ": the limit bounds useful run time";
    } else {
      EXPECT_EQ(rec.state, "rejected") << rec.id << " left " << rec.state << ": " << rec.reason;
    }
  }
}

TEST_P(PropertyTest, SameSeedGivesByteIdenticalReport) {
  const Case& c = GetParam();
  Topology topo = mixed_cluster();
  auto once = [&] {
    auto r = simulate(topo, random_trace(c.seed, 200), testing::options(c.policy, c.placement));
    return report_json(*r, compute_metrics(*r), -1).dump(2);
  };
  std::string a = once();
  EXPECT_EQ(a, once());
  EXPECT_NE(a.find("\"jobs\": 200"), std::string::npos);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const char* p : {"fifo", "backfill", "las", "srtf", "fair"})
    for (const char* pl : {"topology", "count"})
      for (std::uint64_t seed : {1, 2, 3}) out.push_back({p, pl, seed});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Random, PropertyTest, ::testing::ValuesIn(cases()), [](const auto& p) {
  return p.param.policy + "_" + p.param.placement + "_" + std::to_string(p.param.seed);
});

}  // namespace
}  // namespace hexa
