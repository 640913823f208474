#include <gtest/gtest.h>

#include <limits>

#include "ledger/ledger.h"

namespace hexa {
namespace {

constexpr Micro C = kMicroPerCredit;

GrantRequest grant(std::string id, Micro amount, TimeMs start, TimeMs expiry, std::string tenant = "acme") {
  return GrantRequest{std::move(id), std::move(tenant), "startups", amount, start, expiry};
}

HoldRequest hold(std::string id, Micro amount, std::string tenant = "acme") {
  HoldRequest h;
  h.id = std::move(id);
  h.tenant = std::move(tenant);
  h.amount = amount;
  return h;
}

struct LedgerGrantTest : ::testing::Test {
  void SetUp() override { ASSERT_TRUE(l.add_tenant("acme").ok()); }
  Micro left(const std::string& grant_id) const { return l.book().account(l.find_grant(grant_id)->account).balance; }
  void expect_refused(const GrantRequest& g, TimeMs now, const std::string& words) {
    Ledger before = l;
    auto r = l.grant(g, now);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
    EXPECT_TRUE(l == before);
  }
  Ledger l;
};

TEST_F(LedgerGrantTest, GrantMovesMoneyFromItsProgramme) {
  ASSERT_EQ(*l.grant(grant("g1", 100 * C, 0, 30 * kDay), 0), OpOutcome::kApplied);
  EXPECT_EQ(left("g1"), 100 * C);
  EXPECT_EQ(l.book().account(*l.find_account("grants-source:startups")).balance, -100 * C);
  EXPECT_EQ(*l.spendable("acme", 0), 100 * C);
  EXPECT_EQ(*l.balance("acme"), 100 * C);
  EXPECT_EQ(l.book().total(), 0);
}

TEST_F(LedgerGrantTest, ConsumedEarliestExpiryFirst) {
  ASSERT_TRUE(l.grant(grant("late", 50 * C, 0, 30 * kDay), 0).ok());
  ASSERT_TRUE(l.grant(grant("early", 20 * C, 0, 10 * kDay), 0).ok());
  ASSERT_TRUE(l.grant(grant("middle", 30 * C, 0, 20 * kDay), 0).ok());
  ASSERT_TRUE(l.place_hold(hold("h1", 35 * C), kHour).ok());
  EXPECT_EQ(left("early"), 0);
  EXPECT_EQ(left("middle"), 15 * C);
  EXPECT_EQ(left("late"), 50 * C);
  const Hold* h = l.find_hold("h1");
  ASSERT_EQ(h->draws.size(), 2u);
  EXPECT_EQ(h->draws[0].amount, 20 * C);
  EXPECT_EQ(h->draws[1].amount, 15 * C);
}

TEST_F(LedgerGrantTest, TiesAreBrokenByGrantId) {
  ASSERT_TRUE(l.grant(grant("b", 10 * C, 0, kDay), 0).ok());
  ASSERT_TRUE(l.grant(grant("a", 10 * C, 0, kDay), 0).ok());
  ASSERT_TRUE(l.place_hold(hold("h1", 5 * C), 0).ok());
  EXPECT_EQ(left("a"), 5 * C);
  EXPECT_EQ(left("b"), 10 * C);
}

TEST_F(LedgerGrantTest, UsableOnlyBetweenStartAndExpiry) {
  ASSERT_TRUE(l.grant(grant("future", 10 * C, kDay, 2 * kDay), 0).ok());
  EXPECT_EQ(*l.spendable("acme", 0), 0);
  EXPECT_EQ(*l.spendable("acme", kDay), 10 * C);
  EXPECT_EQ(*l.spendable("acme", 2 * kDay), 0);  // expiry is exclusive, even before the sweep
  EXPECT_EQ(*l.balance("acme"), 10 * C);          // still the tenant's until swept
  EXPECT_FALSE(l.place_hold(hold("h1", C), kDay - 1).ok());
  EXPECT_TRUE(l.place_hold(hold("h1", C), kDay).ok());
}

TEST_F(LedgerGrantTest, ExpirySweepMovesWhatIsLeftToExpired) {
  ASSERT_TRUE(l.grant(grant("g1", 10 * C, 0, kDay), 0).ok());
  ASSERT_TRUE(l.grant(grant("g2", 10 * C, 0, 2 * kDay), 0).ok());
  ASSERT_TRUE(l.place_hold(hold("h1", 4 * C), 0).ok());
  ASSERT_TRUE(l.post({"p1", "h1", 4 * C, 0}, 0).ok());
  EXPECT_EQ(*l.expire_until(kDay - 1), 0);
  EXPECT_EQ(*l.expire_until(kDay), 1);
  EXPECT_EQ(left("g1"), 0);
  EXPECT_EQ(l.book().account(l.expired()).balance, 6 * C);
  EXPECT_TRUE(l.find_grant("g1")->swept);
  const TransferView* t = l.find_transfer("expiry:g1");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->memo.kind, TransferKind::kExpiry);
  EXPECT_EQ(t->at, kDay);
  EXPECT_EQ(*l.expire_until(kDay), 0);  // nothing more: swept once
  EXPECT_EQ(*l.expire_until(3 * kDay), 1);
  EXPECT_EQ(l.book().account(l.expired()).balance, 16 * C);
  EXPECT_TRUE(l.find_tenant("acme")->grants.empty());
  EXPECT_EQ(l.book().total(), 0);
}

TEST_F(LedgerGrantTest, FullySpentGrantExpiresWithoutATransfer) {
  ASSERT_TRUE(l.grant(grant("g1", 10 * C, 0, kDay), 0).ok());
  ASSERT_TRUE(l.place_hold(hold("h1", 10 * C), 0).ok());
  std::size_t n = l.book().transfers().size();
  EXPECT_EQ(*l.expire_until(kDay), 1);
  EXPECT_EQ(l.book().transfers().size(), n);
}

TEST_F(LedgerGrantTest, SpendableIsLiveGrantsPlusCashPlusOverdraft) {
  ASSERT_TRUE(l.add_tenant("big", 25 * C).ok());
  ASSERT_TRUE(l.grant(grant("g1", 10 * C, 0, kDay, "big"), 0).ok());
  ASSERT_TRUE(l.top_up({"inv-1", "big", 5 * C, "invoice 1"}, 0).ok());
  EXPECT_EQ(*l.spendable("big", 0), 40 * C);
  // The hold takes the grant, then the cash, then the overdraft.
  ASSERT_TRUE(l.place_hold(hold("h1", 40 * C, "big"), 0).ok());
  EXPECT_EQ(*l.spendable("big", 0), 0);
  EXPECT_EQ(l.book().account(l.find_tenant("big")->cash).balance, -25 * C);
  EXPECT_FALSE(l.place_hold(hold("h2", 1, "big"), 0).ok());
}

TEST_F(LedgerGrantTest, ReplayIsADuplicateAndConflictIsAnError) {
  GrantRequest g = grant("g1", 10 * C, 0, kDay);
  ASSERT_EQ(*l.grant(g, 0), OpOutcome::kApplied);
  Ledger before = l;
  EXPECT_EQ(*l.grant(g, 5), OpOutcome::kDuplicate);
  EXPECT_TRUE(l == before);
  g.amount = 11 * C;
  expect_refused(g, 5, "id already used by a different grant");
}

TEST_F(LedgerGrantTest, BadGrantsAreRefusedAndChangeNothing) {
  expect_refused(grant("g", 10 * C, kDay, kDay), 0, "expiry 86400000 must be after start 86400000");
  expect_refused(grant("g", 10 * C, kDay, 0), 0, "must be after start");
  expect_refused(grant("g", -5, 0, kDay), 0, "amount must be > 0 (got -5)");
  expect_refused(grant("g", 0, 0, kDay), 0, "amount must be > 0");
  expect_refused(grant("g", C, 0, kDay, "ghost"), 0, "unknown tenant 'ghost'");
  expect_refused(grant("", C, 0, kDay), 0, "id must not be empty");
  expect_refused(GrantRequest{"g", "acme", "", C, 0, kDay}, 0, "programme must not be empty");
  expect_refused(grant("g", C, 0, kDay), 2 * kDay, "must be after now");
  ASSERT_TRUE(l.grant(grant("ok", C, 0, 10 * kDay), kDay).ok());
  expect_refused(grant("g", C, 0, kDay * 10), kDay - 1, "time must not go backwards");
}

TEST_F(LedgerGrantTest, OverflowingGrantIsRefused) {
  Micro max = std::numeric_limits<Micro>::max();
  ASSERT_TRUE(l.grant(grant("g1", max, 0, kDay), 0).ok());
  ASSERT_TRUE(l.add_tenant("other").ok());
  // The programme's source is at -max: one more would overflow.
  ASSERT_TRUE(l.grant(grant("g2", 1, 0, kDay, "other"), 0).ok());
  expect_refused(grant("g3", 1, 0, kDay, "other"), 0, "overflow");
}

}  // namespace
}  // namespace hexa
