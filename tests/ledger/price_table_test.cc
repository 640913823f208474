#include <gtest/gtest.h>

#include "ledger/price_table.h"

namespace hexa {
namespace {

constexpr Micro C = kMicroPerCredit;

TEST(LedgerPrice, RateByTypeSiteAndPriority) {
  PriceTable p;
  ASSERT_TRUE(p.set("H100", "paris", 0, {2 * C, 3000}).ok());
  ASSERT_TRUE(p.set("H100", "paris", 1, {3 * C, 0}).ok());
  ASSERT_TRUE(p.set("H100", "marseille", 0, {C + C / 2, 0}).ok());
  EXPECT_EQ(*p.rate("H100", "paris", 0, false), 2 * C);
  EXPECT_EQ(*p.rate("H100", "paris", 1, false), 3 * C);
  EXPECT_EQ(*p.rate("H100", "marseille", 0, true), C + C / 2);  // no discount set
  EXPECT_EQ(p.size(), 3u);
}

TEST(LedgerPrice, PreemptibleDiscountRoundsUp) {
  PriceTable p;
  ASSERT_TRUE(p.set("H100", "paris", 0, {2 * C, 3000}).ok());
  EXPECT_EQ(*p.rate("H100", "paris", 0, true), 1'400'000);  // 30% off
  ASSERT_TRUE(p.set("A100", "paris", 0, {7, 3333}).ok());
  // 7 x 6667 / 10000 = 4.6669 -> 5.
  EXPECT_EQ(*p.rate("A100", "paris", 0, true), 5);
  ASSERT_TRUE(p.set("T4", "paris", 0, {1, 9999}).ok());
  EXPECT_EQ(*p.rate("T4", "paris", 0, true), 1);  // never free
}

TEST(LedgerPrice, MissingRateIsAClearError) {
  PriceTable p;
  ASSERT_TRUE(p.set("H100", "paris", 1, {2 * C, 0}).ok());
  auto r = p.rate("H100", "paris", 0, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "price: no rate for GPU type 'H100' at site 'paris' priority 0");
  EXPECT_FALSE(p.cost("H100", "mulhouse", 1, false, kHour).ok());
}

TEST(LedgerPrice, CostOfAJob) {
  PriceTable p;
  ASSERT_TRUE(p.set("H100", "paris", 0, {2 * C, 3000}).ok());
  EXPECT_EQ(*p.cost("H100", "paris", 0, false, 8 * 3 * kHour), 48 * C);
  EXPECT_EQ(*p.cost("H100", "paris", 0, true, 8 * 3 * kHour), 33 * C + 600'000);  // 24 x 1.4
}

TEST(LedgerPrice, BadPricesAreRefusedAndChangeNothing) {
  PriceTable p;
  ASSERT_TRUE(p.set("H100", "paris", 0, {2 * C, 0}).ok());
  PriceTable before = p;
  EXPECT_FALSE(p.set("H100", "paris", 0, {0, 0}).ok());
  EXPECT_FALSE(p.set("H100", "paris", 0, {-C, 0}).ok());
  EXPECT_FALSE(p.set("H100", "paris", 0, {C, -1}).ok());
  EXPECT_FALSE(p.set("H100", "paris", 0, {C, 10000}).ok());
  EXPECT_FALSE(p.set("", "paris", 0, {C, 0}).ok());
  EXPECT_FALSE(p.set("H100", "", 0, {C, 0}).ok());
  EXPECT_TRUE(p == before);
}

}  // namespace
}  // namespace hexa
