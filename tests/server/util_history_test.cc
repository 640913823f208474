// The console's ring of utilisation samples: oldest first, bounded, and its sampling thread.
#include "server/util_history.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace hexa {
namespace {

TEST(UtilHistory, KeepsTheNewestSamplesOldestFirst) {
  UtilHistory h(3);
  EXPECT_TRUE(h.samples().empty());
  for (int i = 1; i <= 5; ++i) h.add(UtilSample{i * 1000, i, 8, 0, i, 0});
  auto s = h.samples();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].at_ms, 3000);
  EXPECT_EQ(s[1].at_ms, 4000);
  EXPECT_EQ(s[2].at_ms, 5000);
  h.add(UtilSample{6000, 6, 8, 0, 6, 0});
  s = h.samples();
  EXPECT_EQ(s.front().at_ms, 4000);
  EXPECT_EQ(s.back().busy_gpus, 6);
}

TEST(UtilHistory, SamplesOnItsThreadUntilStopped) {
  UtilHistory h(100);
  std::atomic<int> taken{0};
  h.start([&] { return UtilSample{++taken, 0, 0, 0, 0, 0}; }, 10);
  for (int i = 0; i < 200 && h.samples().size() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  h.stop();
  const std::size_t n = h.samples().size();
  EXPECT_GE(n, 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(h.samples().size(), n);  // stopped: no more
  EXPECT_EQ(h.samples().front().at_ms, 1);  // the first one at once
}

}  // namespace
}  // namespace hexa
