#include <gtest/gtest.h>

#include "engine/decay.h"

namespace hexa {
namespace {

TEST(DecayTest, HalvesEveryHalfLife) {
  EXPECT_EQ(decay(1000000, kHour, kHour), 500000);
  EXPECT_EQ(decay(1000000, 2 * kHour, kHour), 250000);
  EXPECT_EQ(decay(1000000, 0, kHour), 1000000);
  EXPECT_EQ(decay(1, 100 * kHour, kHour), 0);
}

TEST(DecayTest, FractionsOfAHalfLifeAreClose) {
  // 2^-0.5 = 0.70710678...
  GpuMs v = decay(1000000000, kHour / 2, kHour);
  EXPECT_NEAR(static_cast<double>(v), 707106781.0, 707106781.0 * 1e-3);
}

TEST(DecayTest, ChargeAddsRunningGpuTime) {
  Tenant t;
  t.running_gpus = 8;
  charge_usage(t, kHour, 7 * kDay);
  EXPECT_EQ(t.usage, 8 * kHour);
  EXPECT_EQ(t.usage_at, kHour);
  t.running_gpus = 0;
  charge_usage(t, kHour + 7 * kDay, 7 * kDay);
  EXPECT_EQ(t.usage, 4 * kHour);
}

}  // namespace
}  // namespace hexa
