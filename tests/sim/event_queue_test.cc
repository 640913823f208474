// EventQueue: arrivals kept out of the heap must pop exactly as if each had been pushed.
#include "sim/event_queue.h"

#include <random>

#include <gtest/gtest.h>

namespace hexa {
namespace {

// Pops everything, pushing a follow-up event now and then as the simulator does (completions
// and wake-ups at or after the popped time), and records the order.
std::vector<std::tuple<TimeMs, std::uint64_t, int, std::uint32_t>> drain(EventQueue& q, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::tuple<TimeMs, std::uint64_t, int, std::uint32_t>> out;
  for (int guard = 0; !q.empty() && guard < 100000; ++guard) {
    Event e = q.pop();
    out.emplace_back(e.time, e.seq, static_cast<int>(e.kind), e.subject);
    if (rng() % 3 == 0) q.push(e.time + static_cast<TimeMs>(rng() % 4), EventKind::kComplete, e.subject);
  }
  return out;
}

TEST(EventQueue, ArrivalsPopAsIfPushedOneByOne) {
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    std::vector<TimeMs> times(rng() % 60);
    for (TimeMs& t : times) t = static_cast<TimeMs>(rng() % 20);
    if (seed % 2) std::sort(times.begin(), times.end());  // odd seeds: in order (the fast path)
    EventQueue fast, slow;
    fast.push_arrivals(times);
    for (std::uint32_t i = 0; i < times.size(); ++i) slow.push(times[i], EventKind::kArrive, i);
    for (int k = 0; k < 5; ++k) {  // failures pushed after the arrivals, at the same instants
      const auto t = static_cast<TimeMs>(rng() % 20);
      fast.push(t, EventKind::kFail, static_cast<std::uint32_t>(k));
      slow.push(t, EventKind::kFail, static_cast<std::uint32_t>(k));
    }
    EXPECT_EQ(drain(fast, seed), drain(slow, seed)) << "seed " << seed;
  }
}

TEST(EventQueue, EmptyArrivals) {
  EventQueue q;
  q.push_arrivals({});
  EXPECT_TRUE(q.empty());
  q.push(5, EventKind::kWake);
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.pop().time, 5);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace hexa
