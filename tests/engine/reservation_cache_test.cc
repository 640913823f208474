// EasyPlanCache and plan_reservation against the plain computation: on random sequences of
// starts, ends, GPUs taken or given outside any job (a node going down or coming back) and
// passes that change nothing, in a cluster of several pools (two sites, two GPU types), the
// cached plan is always the one planning again gives, and planning (which skips the pools the
// head cannot use) gives what planning over every pool gave.
#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "engine/reservation_cache.h"
#include "test_util.h"

namespace hexa {
namespace {

// plan_reservation as it was before it skipped the pools the head cannot use: every end given
// back, a placement tried after each distinct end time. The reference of the tests below.
Reservation plain_plan(ClusterState& s, const Placer& placer, const Job& head, TimeMs now, const EndOrder& ends) {
  Allocation free_now;
  for (NodeId n = 0; n < s.topo->nodes().size(); ++n)
    if (s.free.free_mask(n)) free_now.push_back({n, s.free.free_mask(n)});
  Reservation r;
  PlaceRequest req{head.spec.gpus, head.spec.types, head.spec.sites, nullptr, head.spec.prefer};
  auto released = ends.begin();
  while (released != ends.end()) {
    TimeMs t = released->first.first;
    for (; released != ends.end() && released->first.first == t; ++released)
      s.free.give(s.jobs[released->first.second].alloc);
    if (placer.place(s.free, req, &r.gpus, nullptr)) {
      r.active = true;
      r.head = head.id;
      r.at = std::max(t, now);
      break;
    }
  }
  if (r.active) {
    Allocation busy_only;
    s.free.take(free_now);
    if (placer.place(s.free, req, &busy_only, nullptr)) r.gpus = std::move(busy_only);
    s.free.give(free_now);
  }
  for (auto it = ends.begin(); it != released; ++it) s.free.take(s.jobs[it->first.second].alloc);
  if (!r.active) r.gpus.clear();
  return r;
}

// 2 sites x 4 blocks x 4 nodes of 8 GPUs, blocks of two GPU types in turn: four pools.
Topology two_types() {
  Topology t;
  for (int s = 0; s < 2; ++s) {
    SiteId site = *t.add_site("s" + std::to_string(s));
    for (int b = 0; b < 4; ++b) {
      std::string name = "s" + std::to_string(s) + "b" + std::to_string(b);
      BlockId block = *t.add_block(site, name, b % 2 ? "h100" : "a100");
      for (int n = 0; n < 4; ++n) (void)t.add_node(block, name + "n" + std::to_string(n), 8);
    }
  }
  return t;
}

struct Sim {
  explicit Sim(const Topology& topo) : s(topo), placer(std::move(make_placer("topology")).value()) {}
  ClusterState s;
  std::unique_ptr<Placer> placer;
  EndOrder ends;
  std::vector<std::uint64_t> versions;  // by PoolId, as Scheduler::ends_versions_
  std::vector<JobId> running;
  std::vector<std::pair<NodeId, std::uint64_t>> outside;  // GPUs taken by no job

  void bump(const Allocation& a) {
    versions.resize(s.free.pools().size());
    for (const NodeGpus& g : a) ++versions[s.free.pool_of_block(s.topo->node(g.node).block)];
  }
};

// Any of the two sites or types, or one of them: jobs land in every pool.
std::uint64_t some_mask(std::mt19937& rng) { return rng() % 3; }

void start_one(Sim& m, std::mt19937& rng, TimeMs now) {
  Allocation a;
  const int gpus = std::uniform_int_distribution<int>(1, 12)(rng);
  if (!m.placer->place(m.s.free, {gpus, some_mask(rng), some_mask(rng)}, &a, nullptr)) return;
  Job j;
  j.id = static_cast<JobId>(m.s.jobs.size());
  j.spec.gpus = gpus;
  j.alloc = a;
  m.s.jobs.push_back(j);
  m.s.free.take(a);
  // Ties too; jobs on one node and on several (end_gpus keeps only the first).
  m.ends.emplace(std::pair{now + std::uniform_int_distribution<TimeMs>(1, 50)(rng), j.id}, end_gpus(m.s.free, a));
  m.running.push_back(j.id);
  m.bump(a);
}

void end_one(Sim& m, std::mt19937& rng) {
  if (m.running.empty()) return;
  const std::size_t i = std::uniform_int_distribution<std::size_t>(0, m.running.size() - 1)(rng);
  const JobId id = m.running[i];
  for (auto it = m.ends.begin(); it != m.ends.end(); ++it)
    if (it->first.second == id) {
      m.ends.erase(it);
      break;
    }
  m.s.free.give(m.s.jobs[id].alloc);
  m.running.erase(m.running.begin() + static_cast<std::ptrdiff_t>(i));
  m.bump(m.s.jobs[id].alloc);
}

// Not a job: the end order and its versions stay as they were; only the free masks tell.
void node_change(Sim& m, std::mt19937& rng) {
  if (!m.outside.empty() && rng() % 2) {
    m.s.free.give(m.outside.back().first, m.outside.back().second);
    m.outside.pop_back();
    return;
  }
  const auto n = static_cast<NodeId>(std::uniform_int_distribution<std::size_t>(0, m.s.topo->nodes().size() - 1)(rng));
  const std::uint64_t free = m.s.free.free_mask(n);
  if (free == 0) return;
  const std::uint64_t one = free & (~free + 1);
  m.s.free.take(n, one);
  m.outside.push_back({n, one});
}

void expect_same(const Reservation& got, const Reservation& want, const std::string& what) {
  ASSERT_EQ(got.active, want.active) << what;
  ASSERT_EQ(got.head, want.head) << what;
  ASSERT_EQ(got.at, want.at) << what;
  ASSERT_EQ(got.gpus, want.gpus) << what;
  ASSERT_TRUE(got.held.empty()) << what;
}

TEST(EasyPlanCache, GivesWhatPlanningAgainGivesOnRandomSequences) {
  const Topology topo = two_types();
  std::uint64_t hits = 0, plans = 0, across = 0, active = 0;
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    Sim m(topo);
    EasyPlanCache cache;
    std::vector<Job> heads(3);
    for (std::size_t h = 0; h < heads.size(); ++h) {
      heads[h].id = 1'000'000 + static_cast<JobId>(h);
      // Some fit with nothing ended (a head refused under a quota's narrower types does); those
      // over 64 GPUs fit in no pool (64 each): they are never planned.
      heads[h].spec.gpus = std::uniform_int_distribution<int>(1, 96)(rng);
      heads[h].spec.sites = some_mask(rng);
      heads[h].spec.types = some_mask(rng);
    }
    std::vector<std::vector<std::uint64_t>> last(heads.size());  // the masks at each head's last plan
    TimeMs now = 0;
    for (int step = 0; step < 400; ++step) {
      switch (rng() % 6) {
        case 0: case 1: start_one(m, rng, now); break;
        case 2: end_one(m, rng); break;
        case 3: node_change(m, rng); break;
        default: break;  // a pass after an arrival that changed nothing
      }
      now += static_cast<TimeMs>(rng() % 3);
      const std::size_t h = rng() % heads.size();
      const Job& head = heads[h];
      const std::vector<std::uint64_t> before = m.s.free.free_masks();
      const std::string what = "seed " + std::to_string(seed) + " step " + std::to_string(step);
      const Reservation want = plain_plan(m.s, *m.placer, head, now, m.ends);
      ASSERT_EQ(m.s.free.free_masks(), before) << what << ": the reference changed the index";
      expect_same(plan_reservation(m.s, *m.placer, head, now, m.ends), want, what + " (planning)");
      ASSERT_EQ(m.s.free.free_masks(), before) << what << ": planning changed the index";
      const std::uint64_t hits_before = cache.hits();
      expect_same(cache.plan(m.s, *m.placer, head, now, m.ends, m.versions), want, what + " (cache)");
      ASSERT_EQ(m.s.free.free_masks(), before) << what << ": the cache changed the index";
      ++plans;
      active += want.active;
      if (cache.hits() > hits_before && last[h] != before) ++across;
      last[h] = before;
    }
    hits += cache.hits();
  }
  // Not a vacuous pass: many plans came from the cache, many were planned again, and many hits
  // came after a change in a pool the head cannot use (a miss under a key of every mask).
  EXPECT_GT(hits, plans / 10);
  EXPECT_LT(hits, plans * 9 / 10);
  EXPECT_GT(across, hits / 10);
  EXPECT_GT(active, plans / 4);
  EXPECT_LT(active, plans * 9 / 10);
  std::cout << plans << " plans, " << active << " active, " << hits << " from the cache, " << across
            << " of them after a change in another pool\n";
}

}  // namespace
}  // namespace hexa
