#include <gtest/gtest.h>

#include "ledger/ledger.h"

namespace hexa {
namespace {

constexpr Micro C = kMicroPerCredit;
constexpr DurationMs kMonth = 30 * kDay;

HoldRequest hold(std::string id, Micro amount, GpuMs gpu_ms = 0) {
  HoldRequest h;
  h.id = std::move(id);
  h.tenant = "acme";
  h.amount = amount;
  h.gpu_ms = gpu_ms;
  return h;
}

Budget credits_budget(Micro limit, bool hard) {
  Budget b;
  b.period = kMonth;
  b.credits = limit;
  b.hard = hard;
  return b;
}

struct LedgerBudgetTest : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(l.add_tenant("acme").ok());
    ASSERT_TRUE(l.top_up({"inv", "acme", 10'000 * C, ""}, 0).ok());
  }
  // A job that uses `credits` and `gpu_ms`: hold, post, release at `now`.
  void spend(Micro credits, TimeMs now, GpuMs gpu_ms = 0) {
    std::string id = "job" + std::to_string(++jobs);
    ASSERT_TRUE(l.place_hold(hold(id, credits, gpu_ms), now).ok());
    ASSERT_TRUE(l.post({id, id, credits, gpu_ms}, now).ok());
    ASSERT_TRUE(l.release(id, now).ok());
  }
  Ledger l;
  int jobs = 0;
};

TEST_F(LedgerBudgetTest, SoftAlertsAt80And100PercentOncePerPeriod) {
  ASSERT_TRUE(l.set_budget("acme", credits_budget(100 * C, false), 0).ok());
  spend(79 * C, kHour);
  EXPECT_TRUE(l.alerts().empty());
  spend(1 * C, 2 * kHour);  // 80%
  ASSERT_EQ(l.alerts().size(), 1u);
  EXPECT_EQ(l.alerts()[0], (BudgetAlert{"acme", 0, 2 * kHour, BudgetMeasure::kCredits, 8000, 80 * C, 100 * C}));
  spend(10 * C, 3 * kHour);  // 90%: nothing new
  EXPECT_EQ(l.alerts().size(), 1u);
  spend(15 * C, 4 * kHour);  // 105%: soft, so usage goes on
  ASSERT_EQ(l.alerts().size(), 2u);
  EXPECT_EQ(l.alerts()[1].threshold_bps, 10000);
  spend(15 * C, 5 * kHour);
  EXPECT_EQ(l.alerts().size(), 2u);
  EXPECT_TRUE(l.check_start("acme", 100 * C, 0, 5 * kHour).ok());
  // A refund lowers spending, but an alert raised stays raised for the period.
  ASSERT_TRUE(l.refund({"r", "acme", 50 * C, "preempted", "", 0}, 6 * kHour).ok());
  spend(30 * C, 7 * kHour);
  EXPECT_EQ(l.alerts().size(), 2u);
  // Next period: spending starts again from zero; alerts are raised again.
  spend(85 * C, kMonth);
  ASSERT_EQ(l.alerts().size(), 3u);
  EXPECT_EQ(l.alerts()[2].period, 1);
  EXPECT_EQ(l.alerts()[2].threshold_bps, 8000);
}

TEST_F(LedgerBudgetTest, OneBigPostRaisesEveryThresholdItCrosses) {
  ASSERT_TRUE(l.set_budget("acme", credits_budget(100 * C, false), 0).ok());
  spend(120 * C, kHour);
  ASSERT_EQ(l.alerts().size(), 2u);
  EXPECT_EQ(l.alerts()[0].threshold_bps, 8000);
  EXPECT_EQ(l.alerts()[1].threshold_bps, 10000);
}

TEST_F(LedgerBudgetTest, HardBudgetRefusesNewStarts) {
  ASSERT_TRUE(l.set_budget("acme", credits_budget(100 * C, true), 0).ok());
  spend(60 * C, kHour);
  // Spent 60; asking 40 fits exactly; 41 does not.
  EXPECT_TRUE(l.check_start("acme", 40 * C, 0, kHour).ok());
  Status s = l.check_start("acme", 41 * C, 0, kHour);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "budget: tenant 'acme' budget of 100 credits per period would be exceeded (period 0: spent 60, held 0, "
            "asked 41)");
  Ledger before = l;
  EXPECT_FALSE(l.place_hold(hold("h2", 41 * C), kHour).ok());
  EXPECT_TRUE(l == before);
  // Open holds count as committed.
  ASSERT_TRUE(l.place_hold(hold("h2", 30 * C), kHour).ok());
  EXPECT_FALSE(l.check_start("acme", 11 * C, 0, kHour).ok());
  EXPECT_TRUE(l.check_start("acme", 10 * C, 0, kHour).ok());
  ASSERT_TRUE(l.release("h2", kHour).ok());
  EXPECT_TRUE(l.check_start("acme", 40 * C, 0, kHour).ok());
  // A new period frees the budget.
  EXPECT_TRUE(l.check_start("acme", 100 * C, 0, kMonth).ok());
}

TEST_F(LedgerBudgetTest, GpuHourBudget) {
  Budget b;
  b.gpu_ms = 10 * kHour;
  b.hard = true;
  ASSERT_TRUE(l.set_budget("acme", b, 0).ok());
  spend(C, kHour, 8 * kHour);
  ASSERT_EQ(l.alerts().size(), 1u);
  EXPECT_EQ(l.alerts()[0].measure, BudgetMeasure::kGpuMs);
  EXPECT_TRUE(l.check_start("acme", C, 2 * kHour, kHour).ok());
  Status s = l.check_start("acme", C, 2 * kHour + 1, kHour);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("budget of 10.000 GPU-hours"), std::string::npos) << s.message();
}

TEST_F(LedgerBudgetTest, SetBudgetCountsSpendingAlreadyDone) {
  spend(90 * C, kHour);
  ASSERT_TRUE(l.set_budget("acme", credits_budget(100 * C, true), 2 * kHour).ok());
  ASSERT_EQ(l.alerts().size(), 1u);  // 80% already reached
  EXPECT_EQ(l.alerts()[0].at, 2 * kHour);
  EXPECT_FALSE(l.check_start("acme", 11 * C, 0, 2 * kHour).ok());
  // Setting the same budget again does not raise the same alert twice.
  ASSERT_TRUE(l.set_budget("acme", credits_budget(100 * C, true), 2 * kHour).ok());
  EXPECT_EQ(l.alerts().size(), 1u);
  ASSERT_TRUE(l.clear_budget("acme").ok());
  EXPECT_TRUE(l.check_start("acme", 1'000 * C, 0, 2 * kHour).ok());
}

TEST_F(LedgerBudgetTest, BadBudgetsAreRefusedAndChangeNothing) {
  Ledger before = l;
  Budget b = credits_budget(100 * C, true);
  b.period = 0;
  EXPECT_FALSE(l.set_budget("acme", b, 0).ok());
  b = credits_budget(0, true);
  EXPECT_FALSE(l.set_budget("acme", b, 0).ok());
  b = credits_budget(-C, true);
  EXPECT_FALSE(l.set_budget("acme", b, 0).ok());
  b = Budget{};
  Status s = l.set_budget("acme", b, 0);
  EXPECT_NE(s.message().find("must set a credits or gpu_ms limit"), std::string::npos) << s.message();
  b = credits_budget(100 * C, false);
  b.alert_bps = {8000, 8000};
  EXPECT_FALSE(l.set_budget("acme", b, 0).ok());
  b.alert_bps = {0};
  EXPECT_FALSE(l.set_budget("acme", b, 0).ok());
  EXPECT_FALSE(l.set_budget("ghost", credits_budget(C, false), 0).ok());
  EXPECT_TRUE(l == before);
}

TEST(LedgerBudgetPeriod, FloorDivisionFromTheOrigin) {
  Budget b;
  b.period = kMonth;
  b.origin = 10;
  EXPECT_EQ(period_of(b, 10), 0);
  EXPECT_EQ(period_of(b, 9), -1);
  EXPECT_EQ(period_of(b, 10 + kMonth - 1), 0);
  EXPECT_EQ(period_of(b, 10 + kMonth), 1);
}

}  // namespace
}  // namespace hexa
