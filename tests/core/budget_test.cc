// Budgets in the core: soft budgets raise alert effects at their thresholds; hard budgets hold
// back new starts until the next period, when the core wakes the host to look again. A grant
// that starts later wakes jobs held back for credits the same way.
#include <gtest/gtest.h>

#include "core/credits_fixture.h"

namespace hexa {
namespace {

std::vector<BudgetAlert> alerts(const Effects& fx) {
  std::vector<BudgetAlert> out;
  for (const Effect& e : fx.list)
    if (auto* a = std::get_if<BudgetAlerted>(&e)) out.push_back(a->alert);
  return out;
}

SetBudget budget(const std::string& tenant, Micro credits, DurationMs period, bool hard) {
  Budget b;
  b.period = period;
  b.credits = credits * kCredit;
  b.hard = hard;
  return SetBudget{tenant, b};
}

TEST_F(CreditsTest, SoftBudgetRaisesAlertsAt80And100Percent) {
  ASSERT_TRUE(core->apply(budget("rich", 20, 30 * kDay, false), 0).ok());
  JobId a = submit("a", "rich", 2, kHour);
  ASSERT_TRUE(core->apply(Schedule{}, 0).ok());
  auto fx = core->apply(CompleteJob{a, core->job(a).segment}, 48 * kMinute);  // 2 GPUs x 0.8 h x 10 = 16 credits
  ASSERT_TRUE(fx.ok());
  auto raised = alerts(*fx);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].tenant, "rich");
  EXPECT_EQ(raised[0].threshold_bps, 8000);
  EXPECT_EQ(raised[0].used, 16 * kCredit);
  JobId b = submit("b", "rich", 1, kHour, 48 * kMinute);
  fx = core->apply(Schedule{}, 48 * kMinute);
  EXPECT_EQ(core->job(b).phase, JobPhase::kRunning) << "a soft budget does not stop a start";
  fx = core->apply(CompleteJob{b, core->job(b).segment}, 72 * kMinute);  // 1 GPU x 0.4 h x 10 = 4 more: 100%
  raised = alerts(*fx);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].threshold_bps, 10000);
}

TEST_F(CreditsTest, HardBudgetHoldsNewStartsUntilTheNextPeriod) {
  ASSERT_TRUE(core->apply(budget("rich", 20, kDay, true), 0).ok());
  JobId a = submit("a", "rich", 2, kHour);  // holds 20: the whole day's budget
  JobId b = submit("b", "rich", 1, kHour);
  auto fx = core->apply(Schedule{}, 0);
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
  EXPECT_EQ(core->job(b).phase, JobPhase::kPending);
  EXPECT_EQ(core->explain(b).rfind("budget: tenant 'rich'", 0), 0u) << core->explain(b);
  EXPECT_EQ(fx->wake_at, kHour) << "a's time limit comes first: the core stops it then";
  ASSERT_TRUE(core->apply(CompleteJob{a, core->job(a).segment}, kHour).ok());
  fx = core->apply(Schedule{}, kHour);
  EXPECT_EQ(core->job(b).phase, JobPhase::kPending) << "20 spent of 20";
  EXPECT_EQ(fx->wake_at, kDay) << "the next period may let it start: the host is asked to wake then";
  fx = core->apply(Schedule{}, kDay);
  EXPECT_EQ(core->job(b).phase, JobPhase::kRunning) << "a new period, a new budget";
}

TEST_F(CreditsTest, ClearingAHardBudgetLetsHeldJobsStart) {
  ASSERT_TRUE(core->apply(budget("rich", 5, kDay, true), 0).ok());
  JobId a = submit("a", "rich", 1, kHour);
  (void)core->apply(Schedule{}, 0);
  ASSERT_EQ(core->job(a).phase, JobPhase::kPending);
  ASSERT_TRUE(core->apply(SetBudget{"rich", std::nullopt}, 10).ok());
  (void)core->apply(Schedule{}, 10);
  EXPECT_EQ(core->job(a).phase, JobPhase::kRunning);
}

TEST_F(CreditsTest, BadBudgetChangesNothing) {
  SetBudget unknown = budget("nobody", 10, kDay, true);
  EXPECT_EQ(core->apply(unknown, 0).status().message(), "budget: unknown tenant 'nobody'");
  SetBudget zero = budget("rich", 10, kDay, true);
  zero.budget->credits = -5;
  auto r = core->apply(zero, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("credits"), std::string::npos) << r.status().message();
  EXPECT_FALSE(core->ledger().find_tenant("rich")->budget.has_value());
}

TEST_F(CreditsTest, AGrantThatStartsLaterWakesTheJobsItPaysFor) {
  AddGrant later = grant("later", "poor", 50);
  later.grant.start = 2 * kHour;
  ASSERT_TRUE(core->apply(later, 0).ok());
  JobId p = submit("p", "poor", 1, kHour);
  auto fx = core->apply(Schedule{}, 0);
  EXPECT_EQ(core->job(p).phase, JobPhase::kPending);
  EXPECT_EQ(fx->wake_at, 2 * kHour);
  fx = core->apply(Schedule{}, 2 * kHour);
  EXPECT_EQ(core->job(p).phase, JobPhase::kRunning);
}

}  // namespace
}  // namespace hexa
