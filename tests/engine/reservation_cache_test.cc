// EasyPlanCache against plan_reservation itself: on random sequences of starts, ends, GPUs
// taken or given outside any job (a node going down or coming back) and passes that change
// nothing, the cached plan is always the one planning again gives.
#include <random>

#include <gtest/gtest.h>

#include "engine/reservation_cache.h"
#include "test_util.h"

namespace hexa {
namespace {

using testing::cluster;

struct Sim {
  explicit Sim(const Topology& topo) : s(topo), placer(std::move(make_placer("topology")).value()) {}
  ClusterState s;
  std::unique_ptr<Placer> placer;
  EndOrder ends;
  std::uint64_t version = 0;
  std::vector<JobId> running;
  std::vector<std::pair<NodeId, std::uint64_t>> outside;  // GPUs taken by no job
};

void start_one(Sim& m, std::mt19937& rng, TimeMs now) {
  Allocation a;
  const int gpus = std::uniform_int_distribution<int>(1, 12)(rng);
  if (!m.placer->place(m.s.free, {gpus, 0, 0}, &a, nullptr)) return;
  Job j;
  j.id = static_cast<JobId>(m.s.jobs.size());
  j.spec.gpus = gpus;
  j.alloc = a;
  m.s.jobs.push_back(j);
  m.s.free.take(a);
  m.ends.insert({now + std::uniform_int_distribution<TimeMs>(1, 50)(rng), j.id});
  m.running.push_back(j.id);
  ++m.version;
}

void end_one(Sim& m, std::mt19937& rng) {
  if (m.running.empty()) return;
  const std::size_t i = std::uniform_int_distribution<std::size_t>(0, m.running.size() - 1)(rng);
  const JobId id = m.running[i];
  for (auto it = m.ends.begin(); it != m.ends.end(); ++it)
    if (it->second == id) {
      m.ends.erase(it);
      break;
    }
  m.s.free.give(m.s.jobs[id].alloc);
  m.running.erase(m.running.begin() + static_cast<std::ptrdiff_t>(i));
  ++m.version;
}

// Not a job: the end order and its version stay as they were; only the free masks tell.
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

TEST(EasyPlanCache, GivesWhatPlanningAgainGivesOnRandomSequences) {
  const Topology topo = cluster(3, 4, 8, 2);  // 2 sites x 3 blocks x 4 nodes of 8 GPUs
  std::uint64_t hits = 0, plans = 0;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    Sim m(topo);
    EasyPlanCache cache;
    std::vector<Job> heads(3);
    for (std::size_t h = 0; h < heads.size(); ++h) {
      heads[h].id = 1'000'000 + static_cast<JobId>(h);
      heads[h].spec.gpus = std::uniform_int_distribution<int>(8, 96)(rng);
      heads[h].spec.sites = (rng() % 3 == 0) ? SiteMask{1} : SiteMask{0};
    }
    TimeMs now = 0;
    for (int step = 0; step < 400; ++step) {
      switch (rng() % 6) {
        case 0: case 1: start_one(m, rng, now); break;
        case 2: end_one(m, rng); break;
        case 3: node_change(m, rng); break;
        default: break;  // a pass after an arrival that changed nothing
      }
      now += static_cast<TimeMs>(rng() % 3);
      const Job& head = heads[rng() % heads.size()];
      const std::vector<std::uint64_t> before = [&] {
        std::vector<std::uint64_t> v;
        for (NodeId n = 0; n < topo.nodes().size(); ++n) v.push_back(m.s.free.free_mask(n));
        return v;
      }();
      const Reservation want = plan_reservation(m.s, *m.placer, head, now, m.ends);
      const Reservation got = cache.plan(m.s, *m.placer, head, now, m.ends, m.version);
      ++plans;
      ASSERT_EQ(got.active, want.active) << "seed " << seed << " step " << step;
      ASSERT_EQ(got.head, want.head) << "seed " << seed << " step " << step;
      ASSERT_EQ(got.at, want.at) << "seed " << seed << " step " << step;
      ASSERT_EQ(got.gpus, want.gpus) << "seed " << seed << " step " << step;
      ASSERT_TRUE(got.held.empty());
      for (NodeId n = 0; n < topo.nodes().size(); ++n) ASSERT_EQ(m.s.free.free_mask(n), before[n]) << "index changed";
    }
    hits += cache.hits();
  }
  // Not a vacuous pass: many plans came from the cache, and many were planned again.
  EXPECT_GT(hits, plans / 10);
  EXPECT_LT(hits, plans * 9 / 10);
}

}  // namespace
}  // namespace hexa
