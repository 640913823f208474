#include <gtest/gtest.h>

#include <limits>

#include "engine/decay.h"
#include "test_util.h"

namespace hexa {
namespace {

GpuMs after(GpuMs usage, DurationMs dt, DurationMs half_life) {
  Tenant t;
  t.usage = usage;
  charge_usage(t, dt, half_life);
  return t.usage;
}

TEST(DecayTest, HalvesEveryHalfLife) {
  EXPECT_NEAR(static_cast<double>(after(1000000000, kHour, kHour)), 500000000.0, 500000000.0 * 1e-5);
  EXPECT_NEAR(static_cast<double>(after(1000000000, 2 * kHour, kHour)), 250000000.0, 250000000.0 * 1e-5);
  EXPECT_EQ(after(1000000, 0, kHour), 1000000);
  EXPECT_EQ(after(1, 100 * kHour, kHour), 0);
}

TEST(DecayTest, FractionsOfAHalfLifeAreClose) {
  // 2^-0.5 = 0.70710678...
  EXPECT_NEAR(static_cast<double>(after(1000000000, kHour / 2, kHour)), 707106781.0, 707106781.0 * 1e-3);
}

TEST(DecayTest, ChargeAddsRunningGpuTime) {
  Tenant t;
  t.running_gpus = 8;
  charge_usage(t, kMinute, 7 * kDay);  // within the first grid step: no decay yet
  EXPECT_EQ(t.usage, 8 * kMinute);
  EXPECT_EQ(t.usage_at, kMinute);
  charge_usage(t, kHour, 7 * kDay);
  EXPECT_NEAR(static_cast<double>(t.usage), 8.0 * kHour, 8.0 * kHour * 1e-2) << "a little decayed already";
  t.running_gpus = 0;
  const auto then = static_cast<double>(t.usage);
  charge_usage(t, kHour + 7 * kDay, 7 * kDay);
  EXPECT_NEAR(static_cast<double>(t.usage), then / 2.0, then * 1e-4);
}

// A tenant looked at in every pass (every few seconds) decays as one looked at once a week, to
// the GPU-ms, whatever ran meanwhile: usage depends on what ran when, not on when it was charged.
TEST(DecayTest, TheSameHoweverOftenItIsCharged) {
  testing::XorShift next{42};
  Tenant often, seldom;
  often.usage = seldom.usage = 5000 * kHour;
  TimeMs now = 0;
  for (int change = 0; change < 50; ++change) {
    TimeMs until = now + next(10 * kHour) + 1;
    for (TimeMs t = now + next(5000) + 1; t < until; t += next(20000) + 1) charge_usage(often, t, 7 * kDay);
    charge_usage(often, until, 7 * kDay);
    charge_usage(seldom, until, 7 * kDay);
    ASSERT_EQ(often.usage, seldom.usage) << "change " << change;
    int gpus = static_cast<int>(next(64));  // what runs changes: both are charged first
    often.running_gpus = seldom.running_gpus = gpus;
    now = until;
  }
  EXPECT_GT(often.usage, 0);
}

// The fair policy's quotient, by two 64-bit divisions, is the 128-bit division's, at the edges
// (usage 0 and INT64_MAX, weights 1, 2 and INT_MAX) and on random figures of every size.
TEST(DecayTest, ShareQuotientIsTheExactQuotient) {
  auto exact = [](GpuMs usage, int weight) { return (static_cast<Int128>(usage) << 32) / weight; };
  const GpuMs max = std::numeric_limits<GpuMs>::max();
  const int heavy = std::numeric_limits<int>::max();
  for (GpuMs usage : {GpuMs{0}, GpuMs{1}, GpuMs{kHour}, max - 1, max})
    for (int weight : {1, 2, 3, 7, 1000, heavy - 1, heavy})
      EXPECT_EQ(share_quotient(usage, weight), exact(usage, weight)) << usage << " / " << weight;
  testing::XorShift next{7};
  for (int i = 0; i < 100000; ++i) {
    const GpuMs usage = next(std::uint64_t{1} << next(63));
    const int weight = static_cast<int>(next(std::uint64_t{1} << next(31))) + 1;
    ASSERT_EQ(share_quotient(usage, weight), exact(usage, weight)) << usage << " / " << weight;
  }
}

}  // namespace
}  // namespace hexa
