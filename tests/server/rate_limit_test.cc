// Per-token rate limits: the bucket's arithmetic and the limiter's keys, on a clock the test
// moves by hand (no sleeps, no timing).
#include <gtest/gtest.h>

#include "server/rate_limit.h"

namespace hexa {
namespace {

TEST(TokenBucket, BurstOfTwiceTheRateThenOnePerRefill) {
  TokenBucket b(5, 0);  // 5/s: bursts of 10, one request every 200 ms after
  for (int i = 0; i < 10; ++i) EXPECT_EQ(b.take(5, 0), 0) << "request " << i;
  EXPECT_EQ(b.take(5, 0), 200);    // empty: one request refills in 200 ms
  EXPECT_EQ(b.take(5, 150), 50);   // a refused request takes nothing
  EXPECT_EQ(b.take(5, 200), 0);
  EXPECT_EQ(b.take(5, 200), 200);
  EXPECT_FALSE(b.full(5, 2000));
  EXPECT_TRUE(b.full(5, 2200));    // 10 requests' worth after 2 s idle
}

TEST(TokenBucket, IdleForeverRefillsToTheBurstOnly) {
  TokenBucket b(1000000, 0);  // the flag's maximum: no overflow after a year idle
  EXPECT_EQ(b.take(1000000, 0), 0);
  const std::int64_t year = 365LL * 24 * 3600 * 1000;
  int taken = 0;
  while (b.take(1000000, year) == 0 && taken < 3'000'000) ++taken;
  EXPECT_EQ(taken, 2000000);
}

TEST(TokenBucket, AClockGoingBackRefillsNothing) {
  TokenBucket b(1, 10'000);
  EXPECT_EQ(b.take(1, 10'000), 0);
  EXPECT_EQ(b.take(1, 10'000), 0);
  EXPECT_EQ(b.take(1, 5'000), 1000);  // earlier than the last request: no refill
  EXPECT_EQ(b.take(1, 10'999), 1);
  EXPECT_EQ(b.take(1, 11'000), 0);
}

TEST(RateLimiter, RetryAfterIsWholeSecondsAtLeastOne) {
  std::int64_t now = 1'000;
  RateLimiter limit(2, [&now] { return now; });  // bursts of 4, then one every 500 ms
  for (int i = 0; i < 4; ++i) EXPECT_EQ(limit.admit("token:a"), 0);
  EXPECT_EQ(limit.admit("token:a"), 1);  // 500 ms: rounded up to 1 s
  now += 500;
  EXPECT_EQ(limit.admit("token:a"), 0);
  RateLimiter slow(1, [&now] { return now; });
  EXPECT_EQ(slow.admit("k"), 0);
  EXPECT_EQ(slow.admit("k"), 0);
  EXPECT_EQ(slow.admit("k"), 1);
}

TEST(RateLimiter, OneCallerFloodingLeavesOthersAlone) {
  std::int64_t now = 0;
  RateLimiter limit(3, [&now] { return now; });
  int refused = 0;
  for (int i = 0; i < 100; ++i) refused += limit.admit("token:flood") > 0;
  EXPECT_EQ(refused, 100 - 6);
  EXPECT_EQ(limit.admit("token:other"), 0);
  EXPECT_EQ(limit.admit("peer:10.0.0.7"), 0);
  EXPECT_EQ(limit.callers(), 3u);
}

TEST(RateLimiter, IdleCallersAreForgottenOnlyWhenMany) {
  std::int64_t now = 0;
  RateLimiter limit(1, [&now] { return now; });
  for (std::size_t i = 0; i < RateLimiter::kForgetAbove; ++i) ASSERT_EQ(limit.admit("peer:" + std::to_string(i)), 0);
  EXPECT_EQ(limit.callers(), RateLimiter::kForgetAbove);
  EXPECT_EQ(limit.admit("token:busy"), 0);  // over the threshold, but nobody is idle yet
  EXPECT_EQ(limit.callers(), RateLimiter::kForgetAbove + 1);
  for (int i = 0; i < 2; ++i) (void)limit.admit("token:busy");  // empty now
  now += 1'500;                             // the peers have refilled; busy has not
  EXPECT_EQ(limit.admit("token:new"), 0);
  EXPECT_EQ(limit.callers(), 2u);           // busy (not full) and new
  EXPECT_EQ(limit.admit("token:busy"), 0);  // 1.5 requests refilled: one
  EXPECT_EQ(limit.admit("token:busy"), 1);  // its debt was kept, not forgotten
}

TEST(RateLimiter, KeysAreTokenIdsOrPeerAddressesWithoutPort) {
  EXPECT_EQ(rate_key("tok-1", "127.0.0.1:5000"), "token:tok-1");
  EXPECT_EQ(rate_key("", "127.0.0.1:5000"), "peer:127.0.0.1");
  EXPECT_EQ(rate_key("", "127.0.0.1:5001"), "peer:127.0.0.1");  // every connection of a peer: one caller
  EXPECT_EQ(rate_key("", "[::1]:5000"), "peer:[::1]");
  EXPECT_EQ(rate_key("", "[::1]"), "peer:[::1]");
  EXPECT_EQ(rate_key("", ""), "peer:");
}

}  // namespace
}  // namespace hexa
