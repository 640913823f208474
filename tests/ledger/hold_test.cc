#include <gtest/gtest.h>

#include <limits>

#include "ledger/ledger.h"

namespace hexa {
namespace {

constexpr Micro C = kMicroPerCredit;
constexpr Micro kRate = 2 * C;  // per GPU-hour

HoldRequest hold(std::string id, Micro amount, std::string tenant = "acme") {
  HoldRequest h;
  h.id = std::move(id);
  h.tenant = std::move(tenant);
  h.amount = amount;
  h.gpu_ms = 8 * 4 * kHour;
  h.job = "train-" + h.id;
  h.gpu_type = "H100";
  h.site = "paris";
  h.rate = kRate;
  return h;
}

struct LedgerHoldTest : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(l.add_tenant("acme").ok());
    ASSERT_TRUE(l.grant({"g1", "acme", "startups", 100 * C, 0, 30 * kDay}, 0).ok());
  }
  Micro bal(AccountId a) const { return l.book().account(a).balance; }
  Micro grant_left() const { return bal(l.find_grant("g1")->account); }
  template <class Op>
  void expect_refused(Op op, const std::string& words) {
    Ledger before = l;
    auto r = op();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
    EXPECT_TRUE(l == before);
  }
  Ledger l;
};

TEST_F(LedgerHoldTest, PlacePostRelease) {
  ASSERT_EQ(*l.place_hold(hold("h1", 64 * C), kHour), OpOutcome::kApplied);
  const Hold& h = *l.find_hold("h1");
  EXPECT_EQ(bal(h.account), 64 * C);
  EXPECT_EQ(grant_left(), 36 * C);
  EXPECT_EQ(*l.spendable("acme", kHour), 36 * C);
  EXPECT_EQ(*l.balance("acme"), 100 * C);  // held money is still the tenant's
  EXPECT_EQ(l.find_tenant("acme")->held, 64 * C);

  ASSERT_EQ(*l.post({"h1/1", "h1", 10 * C, 5 * kHour}, 2 * kHour), OpOutcome::kApplied);
  ASSERT_EQ(*l.post({"h1/2", "h1", 30 * C, 15 * kHour}, 3 * kHour), OpOutcome::kApplied);
  EXPECT_EQ(bal(l.revenue()), 40 * C);
  EXPECT_EQ(h.posted, 40 * C);
  EXPECT_EQ(*l.balance("acme"), 60 * C);

  ASSERT_EQ(*l.release("h1", 3 * kHour), OpOutcome::kApplied);
  EXPECT_EQ(bal(h.account), 0);
  EXPECT_EQ(grant_left(), 60 * C);
  EXPECT_EQ(l.find_tenant("acme")->held, 0);
  EXPECT_EQ(l.find_tenant("acme")->held_gpu_ms, 0);
  EXPECT_EQ(l.find_tenant("acme")->paid, 40 * C);
  EXPECT_EQ(l.book().total(), 0);
}

TEST_F(LedgerHoldTest, ReleaseIsOnceAndEndsPosting) {
  ASSERT_TRUE(l.place_hold(hold("h1", 10 * C), 0).ok());
  ASSERT_EQ(*l.release("h1", kHour), OpOutcome::kApplied);
  Ledger before = l;
  EXPECT_EQ(*l.release("h1", 2 * kHour), OpOutcome::kDuplicate);
  EXPECT_TRUE(l == before);
  expect_refused([&] { return l.post({"p", "h1", C, 0}, 2 * kHour); }, "is released; nothing more can be posted");
  expect_refused([&] { return l.meter("h1", kHour, 2 * kHour); }, "released");
}

TEST_F(LedgerHoldTest, PostsMayNotExceedTheHold) {
  ASSERT_TRUE(l.place_hold(hold("h1", 10 * C), 0).ok());
  ASSERT_TRUE(l.post({"p1", "h1", 6 * C, 0}, 0).ok());
  expect_refused([&] { return l.post({"p2", "h1", 4 * C + 1, 0}, 0); }, "more than what is left of hold 'h1' (4)");
  EXPECT_TRUE(l.post({"p2", "h1", 4 * C, 0}, 0).ok());
  expect_refused([&] { return l.post({"p3", "h1", 1, 0}, 0); }, "(0)");
}

TEST_F(LedgerHoldTest, PostReplayIsADuplicate) {
  ASSERT_TRUE(l.place_hold(hold("h1", 10 * C), 0).ok());
  ASSERT_TRUE(l.post({"p1", "h1", 6 * C, kHour}, 0).ok());
  Ledger before = l;
  EXPECT_EQ(*l.post({"p1", "h1", 6 * C, kHour}, kHour), OpOutcome::kDuplicate);
  EXPECT_EQ(*l.place_hold(hold("h1", 10 * C), kHour), OpOutcome::kDuplicate);
  EXPECT_TRUE(l == before);
  expect_refused([&] { return l.post({"p1", "h1", 5 * C, kHour}, kHour); }, "id already used");
  expect_refused([&] { return l.place_hold(hold("h1", 9 * C), kHour); }, "id already used by a different hold");
}

TEST_F(LedgerHoldTest, AHoldNeedsTheMoney) {
  expect_refused([&] { return l.place_hold(hold("h1", 100 * C + 1), 0); },
                 "tenant 'acme' can spend 100 credits at 0 (live grants + cash + overdraft), needs 100.000001");
  EXPECT_TRUE(l.check_start("acme", 100 * C, 0, 0).ok());
  EXPECT_FALSE(l.check_start("acme", 100 * C + 1, 0, 0).ok());
  EXPECT_TRUE(l.place_hold(hold("h1", 100 * C), 0).ok());
}

TEST_F(LedgerHoldTest, BadHoldsAreRefused) {
  expect_refused([&] { return l.place_hold(hold("h1", 0), 0); }, "amount must be > 0");
  expect_refused([&] { return l.place_hold(hold("h1", -C), 0); }, "amount must be > 0");
  expect_refused([&] { return l.place_hold(hold("h1", C, "ghost"), 0); }, "unknown tenant 'ghost'");
  HoldRequest h = hold("h1", C);
  h.gpu_ms = -1;
  expect_refused([&] { return l.place_hold(h, 0); }, "gpu_ms must be >= 0");
  h = hold("h1", std::numeric_limits<Micro>::max());
  expect_refused([&] { return l.place_hold(h, 0); }, "can spend");
  expect_refused([&] { return l.post({"p", "nope", C, 0}, 0); }, "unknown hold 'nope'");
  expect_refused([&] { return l.release("nope", 0); }, "unknown hold");
  ASSERT_TRUE(l.place_hold(hold("h1", C), kHour).ok());
  expect_refused([&] { return l.post({"p", "h1", -1, 0}, kHour); }, "amount must be > 0");
  expect_refused([&] { return l.post({"p", "h1", 1, 0}, 0); }, "time must not go backwards");
}

TEST_F(LedgerHoldTest, ReleaseGoesBackToTheGrantItCameFrom) {
  ASSERT_TRUE(l.grant({"g0", "acme", "bonus", 20 * C, 0, 10 * kDay}, 0).ok());
  ASSERT_TRUE(l.top_up({"inv", "acme", 30 * C, ""}, 0).ok());
  // Draws: g0 (earliest) 20, g1 100, cash 10.
  ASSERT_TRUE(l.place_hold(hold("h1", 130 * C), 0).ok());
  // Usage spends the earliest-expiring money first: all of g0, 5 of g1.
  ASSERT_TRUE(l.post({"p", "h1", 25 * C, 0}, kHour).ok());
  ASSERT_TRUE(l.release("h1", kHour).ok());
  EXPECT_EQ(bal(l.find_grant("g0")->account), 0);
  EXPECT_EQ(grant_left(), 95 * C);
  EXPECT_EQ(bal(l.find_tenant("acme")->cash), 30 * C);
}

TEST_F(LedgerHoldTest, HeldMoneyOfAnExpiredGrantGoesToExpiredAtRelease) {
  ASSERT_TRUE(l.place_hold(hold("h1", 60 * C), 0).ok());
  ASSERT_TRUE(l.post({"p", "h1", 10 * C, 0}, 29 * kDay).ok());
  ASSERT_EQ(*l.expire_until(30 * kDay), 1);
  EXPECT_EQ(bal(l.expired()), 40 * C);  // what was not held
  // The job ran across the expiry: held money stays usable by it.
  ASSERT_TRUE(l.post({"p2", "h1", 5 * C, 0}, 30 * kDay).ok());
  ASSERT_TRUE(l.release("h1", 30 * kDay + kHour).ok());
  EXPECT_EQ(bal(l.expired()), 85 * C);
  EXPECT_EQ(*l.balance("acme"), 0);
  const TransferView* t = l.find_transfer("release:h1#0");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->memo.kind, TransferKind::kExpiry);
  EXPECT_EQ(t->memo.ref, "g1");
}

TEST_F(LedgerHoldTest, ExpiredButNotSweptGrantAlsoGoesToExpired) {
  ASSERT_TRUE(l.place_hold(hold("h1", 60 * C), 0).ok());
  ASSERT_TRUE(l.release("h1", 30 * kDay).ok());  // no sweep yet
  EXPECT_EQ(bal(l.expired()), 60 * C);
  EXPECT_EQ(*l.expire_until(30 * kDay), 1);
  EXPECT_EQ(bal(l.expired()), 100 * C);
}

TEST_F(LedgerHoldTest, MeterIsCumulativeAndRoundsOnce) {
  HoldRequest h = hold("h1", 64 * C);
  h.rate = 1'000'001;  // an awkward rate: per-minute rounding would drift
  ASSERT_TRUE(l.place_hold(h, 0).ok());
  GpuMs total = 0;
  for (int minute = 1; minute <= 60; ++minute) {
    total += 8 * kMinute;
    ASSERT_EQ(*l.meter("h1", total, minute * kMinute), OpOutcome::kApplied);
  }
  EXPECT_EQ(l.find_hold("h1")->posted, *usage_cost(total, h.rate));  // 8 GPU-h: 8,000,008
  EXPECT_EQ(l.find_hold("h1")->gpu_ms_posted, 8 * kHour);
  Ledger before = l;
  EXPECT_EQ(*l.meter("h1", total, 2 * kHour), OpOutcome::kDuplicate);
  EXPECT_EQ(*l.meter("h1", total - 1, 2 * kHour), OpOutcome::kDuplicate);
  EXPECT_TRUE(l == before);
}

TEST_F(LedgerHoldTest, MeterThatCostsNothingMoreCountsGpuTimeOnly) {
  HoldRequest h = hold("h1", 64 * C);
  h.rate = 1;  // one micro-credit per GPU-hour
  ASSERT_TRUE(l.place_hold(h, 0).ok());
  ASSERT_TRUE(l.meter("h1", 10, 0).ok());  // ceil: 1 micro
  std::size_t n = l.book().transfers().size();
  ASSERT_EQ(*l.meter("h1", 20, 0), OpOutcome::kApplied);  // still 1 micro in all
  EXPECT_EQ(l.book().transfers().size(), n);
  EXPECT_EQ(l.find_hold("h1")->gpu_ms_posted, 20);
  ASSERT_TRUE(l.meter("h1", kHour + 1, 0).ok());  // 2 micro in all
  EXPECT_EQ(l.book().transfers().back().memo.gpu_ms, kHour + 1 - 10);
  EXPECT_EQ(l.find_hold("h1")->posted, 2);
}

TEST_F(LedgerHoldTest, MeterNeedsARate) {
  HoldRequest h = hold("h1", 64 * C);
  h.rate = 0;
  ASSERT_TRUE(l.place_hold(h, 0).ok());
  expect_refused([&] { return l.meter("h1", kHour, 0); }, "no rate");
}

TEST_F(LedgerHoldTest, RefundGoesFromRevenueToCash) {
  ASSERT_TRUE(l.place_hold(hold("h1", 50 * C), 0).ok());
  ASSERT_TRUE(l.post({"p", "h1", 40 * C, 20 * kHour}, kHour).ok());
  ASSERT_TRUE(l.release("h1", kHour).ok());
  RefundRequest r{"r1", "acme", 15 * C, "preempted", "train-h1", 5 * kHour};
  ASSERT_EQ(*l.refund(r, 2 * kHour), OpOutcome::kApplied);
  EXPECT_EQ(bal(l.revenue()), 25 * C);
  EXPECT_EQ(bal(l.find_tenant("acme")->cash), 15 * C);
  EXPECT_EQ(l.find_transfer("refund:r1")->memo.kind, TransferKind::kRefund);
  EXPECT_EQ(l.find_tenant("acme")->paid, 25 * C);
  Ledger before = l;
  EXPECT_EQ(*l.refund(r, 3 * kHour), OpOutcome::kDuplicate);
  EXPECT_TRUE(l == before);
}

TEST_F(LedgerHoldTest, RefundIsBoundedByWhatWasPaid) {
  ASSERT_TRUE(l.place_hold(hold("h1", 50 * C), 0).ok());
  ASSERT_TRUE(l.post({"p", "h1", 10 * C, 0}, 0).ok());
  expect_refused([&] { return l.refund({"r1", "acme", 10 * C + 1, "preempted", "", 0}, 0); },
                 "more than tenant 'acme' has paid net of refunds (10)");
  ASSERT_TRUE(l.refund({"r1", "acme", 6 * C, "preempted", "", 0}, 0).ok());
  expect_refused([&] { return l.refund({"r2", "acme", 4 * C + 1, "preempted", "", 0}, 0); }, "(4)");
  expect_refused([&] { return l.refund({"r2", "acme", -1, "preempted", "", 0}, 0); }, "amount must be > 0");
  expect_refused([&] { return l.refund({"r2", "ghost", 1, "preempted", "", 0}, 0); }, "unknown tenant 'ghost'");
  expect_refused([&] { return l.refund({"r2", "acme", 1, "", "", 0}, 0); }, "reason must not be empty");
  expect_refused([&] { return l.refund({"r1", "acme", 5 * C, "preempted", "", 0}, 0); }, "id already used");
}

TEST_F(LedgerHoldTest, OverdraftLimitCanChange) {
  ASSERT_TRUE(l.add_tenant("corp", 10 * C).ok());
  ASSERT_TRUE(l.place_hold(hold("h1", 8 * C, "corp"), 0).ok());
  ASSERT_TRUE(l.post({"p", "h1", 8 * C, 0}, 0).ok());
  Ledger before = l;
  EXPECT_FALSE(l.set_overdraft("corp", 5 * C).ok());  // cash is at -8
  EXPECT_FALSE(l.set_overdraft("corp", -1).ok());
  EXPECT_FALSE(l.set_overdraft("ghost", C).ok());
  EXPECT_TRUE(l == before);
  EXPECT_TRUE(l.set_overdraft("corp", 8 * C).ok());
  EXPECT_EQ(*l.spendable("corp", 0), 0);
  // A replay of add_tenant is compared with what it first said, not with the overdraft now.
  EXPECT_EQ(*l.add_tenant("corp", 10 * C), OpOutcome::kDuplicate);
  EXPECT_FALSE(l.add_tenant("corp", 8 * C).ok());
}


// The hot path's variants (a tenant hint, a hold by index) against the plain calls by name, on
// random operations, valid and not: the same outcomes, the same messages, the same ledger.
// A hint may be right, wrong (another tenant, out of range) or missing: never another tenant.
TEST(LedgerHotPathTest, HintsAndIndexesDoWhatNamesDo) {
  std::uint64_t seed = 12345;
  auto below = [&](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  const std::vector<std::string> names = {"acme", "corp", "lab", "ghost"};  // ghost: never added
  Ledger by_name, by_index;
  for (Ledger* l : {&by_name, &by_index}) {
    for (int t = 0; t < 3; ++t) ASSERT_TRUE(l->add_tenant(names[static_cast<std::size_t>(t)], t * 10 * C).ok());
    ASSERT_TRUE(l->grant({"g1", "acme", "startups", 100 * C, 0, 2 * kDay}, 0).ok());
    ASSERT_TRUE(l->grant({"g2", "corp", "startups", 40 * C, 0, 5 * kDay}, 0).ok());
    ASSERT_TRUE(l->top_up({"u1", "lab", 30 * C, ""}, 0).ok());
  }
  auto hint = [&](std::size_t t) -> std::uint32_t {
    switch (below(4)) {
      case 0: return Ledger::kNoHint;
      case 1: return static_cast<std::uint32_t>(below(5));  // often wrong, sometimes out of range
      default: return static_cast<std::uint32_t>(t);        // right (ghost: out of range)
    }
  };
  int holds = 0, applied = 0, refused = 0;
  // The same outcome from both: the same value, or the same message.
  auto same = [](const auto& a, const auto& b) {
    ASSERT_EQ(a.ok(), b.ok());
    if (a.ok()) {
      EXPECT_EQ(*a, *b);
    } else {
      EXPECT_EQ(a.status().message(), b.status().message());
    }
  };
  TimeMs now = 0;
  for (int step = 0; step < 3000; ++step) {
    now += static_cast<TimeMs>(below(2 * kHour));
    const std::size_t t = below(names.size());
    const std::string& tenant = names[t];
    switch (below(6)) {
      case 0:
      case 1: {  // a hold, new or seen before
        std::string id = holds > 0 && below(8) == 0 ? "h" + std::to_string(below(static_cast<std::uint64_t>(holds)))
                                                    : "h" + std::to_string(holds++);
        HoldRequest h = hold(id, static_cast<Micro>(below(30 * C)) + 1, tenant);
        h.rate = below(10) == 0 ? 0 : kRate;
        auto a = by_name.place_hold(h, now);
        auto b = by_index.place_hold(h, now, hint(t));
        same(a, b);
        ++(a.ok() ? applied : refused);
        break;
      }
      case 2:
      case 3: {  // a meter report, or a release, of a hold that exists
        if (by_name.holds().empty()) break;
        auto i = static_cast<std::uint32_t>(below(by_name.holds().size()));
        const std::string id = by_name.holds()[i].req.id;
        ASSERT_EQ(by_index.find_hold_index(id), i);
        Result<OpOutcome> a = OpOutcome::kApplied, b = OpOutcome::kApplied;
        if (below(2) == 0) {
          GpuMs total = by_name.holds()[i].metered_gpu_ms + static_cast<GpuMs>(below(4 * kHour)) - kHour / 2;
          a = by_name.meter(id, total, now);
          b = by_index.meter_hold(i, total, now);
        } else {
          a = by_name.release(id, now);
          b = by_index.release_hold(i, now);
        }
        same(a, b);
        ++(a.ok() ? applied : refused);
        break;
      }
      case 4: {  // the questions admission asks
        Micro amount = static_cast<Micro>(below(50 * C)) + 1;
        Status a = by_name.check_start(tenant, amount, kHour, now);
        Status b = by_index.check_start(tenant, amount, kHour, now, hint(t));
        EXPECT_EQ(a.ok(), b.ok());
        EXPECT_EQ(a.message(), b.message());
        same(by_name.room(tenant, now), by_index.room(tenant, now, hint(t)));
        same(by_name.consumed(tenant), by_index.consumed(tenant, hint(t)));
        break;
      }
      default:
        for (Ledger* l : {&by_name, &by_index}) ASSERT_TRUE(l->expire_until(now).ok());
    }
    if (::testing::Test::HasFailure()) FAIL() << "step " << step;
    ASSERT_TRUE(by_name == by_index) << "step " << step;
    ASSERT_EQ(by_index.book().total(), 0);
  }
  EXPECT_GT(applied, 500);  // not vacuous: both outcomes, many times
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace hexa
