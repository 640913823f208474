#include <gtest/gtest.h>

#include <limits>

#include "ledger/money.h"

namespace hexa {
namespace {

constexpr Micro kMax = std::numeric_limits<Micro>::max();

TEST(LedgerMoney, CostIsExactWhenItDivides) {
  // 8 GPUs x 2 h at 2 credits per GPU-hour = 32 credits.
  EXPECT_EQ(*usage_cost(8 * 2 * kHour, 2 * kMicroPerCredit), 32 * kMicroPerCredit);
  EXPECT_EQ(*usage_cost(0, 2 * kMicroPerCredit), 0);
  EXPECT_EQ(*usage_cost(kHour, 0), 0);
}

TEST(LedgerMoney, CostRoundsUpToTheMicroCredit) {
  // 1 GPU-ms at 1 micro-credit per GPU-hour is 1/3,600,000 micro-credit: charged 1.
  EXPECT_EQ(*usage_cost(1, 1), 1);
  EXPECT_EQ(*usage_cost(kHour + 1, 1), 2);
  // 1,800,001 ms at 2 micro/h = 1.0000006 -> 2.
  EXPECT_EQ(*usage_cost(1'800'001, 2), 2);
  EXPECT_EQ(*usage_cost(1'800'000, 2), 1);
}

TEST(LedgerMoney, CostUsesA128BitProduct) {
  // gpu_ms x rate overflows int64, the quotient does not.
  GpuMs g = 1'000'000'000'000;  // ~278 GPU-hours-years: 1e12 GPU-ms
  Micro rate = 3'600'000'000;    // 3,600 credits per GPU-hour
  EXPECT_EQ(*usage_cost(g, rate), 1'000'000'000'000'000);
}

TEST(LedgerMoney, CostRejectsNegativeAndOverflow) {
  EXPECT_FALSE(usage_cost(-1, 1).ok());
  EXPECT_FALSE(usage_cost(1, -1).ok());
  auto r = usage_cost(kMax, kMax);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("overflows"), std::string::npos);
}

TEST(LedgerMoney, CheckedArithmetic) {
  EXPECT_FALSE(checked_add(kMax, 1).has_value());
  EXPECT_EQ(*checked_add(kMax - 1, 1), kMax);
  EXPECT_FALSE(checked_sub(std::numeric_limits<Micro>::min(), 1).has_value());
  EXPECT_FALSE(checked_mul(kMax / 2 + 1, 2).has_value());
  EXPECT_EQ(saturating_add(kMax, 5), kMax);
  EXPECT_EQ(saturating_add(std::numeric_limits<Micro>::min(), -5), std::numeric_limits<Micro>::min());
  EXPECT_EQ(*gpu_time(8, kHour), 8 * kHour);
  EXPECT_FALSE(gpu_time(-1, 5).ok());
  EXPECT_FALSE(gpu_time(kMax, 2).ok());
}

TEST(LedgerMoney, FormatsCreditsExactly) {
  EXPECT_EQ(format_credits(12'500'000), "12.500000");
  EXPECT_EQ(format_credits(-1), "-0.000001");
  EXPECT_EQ(format_credits(0), "0.000000");
  EXPECT_EQ(format_credits(std::numeric_limits<Micro>::min()), "-9223372036854.775808");
  EXPECT_EQ(format_credits_short(12'500'000), "12.5");
  EXPECT_EQ(format_credits_short(100'000'000), "100");
  EXPECT_EQ(format_credits_short(0), "0");
}

TEST(LedgerMoney, FormatsGpuHoursHalfUp) {
  EXPECT_EQ(format_gpu_hours(5'400'000), "1.500");
  EXPECT_EQ(format_gpu_hours(1'800), "0.001");   // exactly half of a thousandth: up
  EXPECT_EQ(format_gpu_hours(1'799), "0.000");
  EXPECT_EQ(format_gpu_hours(-5'400'000), "-1.500");
}

}  // namespace
}  // namespace hexa
