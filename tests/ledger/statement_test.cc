#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ledger/ledger.h"

namespace hexa {
namespace {

constexpr Micro C = kMicroPerCredit;

// The worked example of docs/ledger.md.
struct LedgerStatementTest : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(l.add_tenant("acme").ok());
    ASSERT_TRUE(l.prices().set("H100", "paris", 0, {2 * C, 3000}).ok());
    ASSERT_TRUE(l.grant({"g-2025", "acme", "startups", 100 * C, 0, 30 * kDay}, 0).ok());
    ASSERT_TRUE(l.grant({"g-bonus", "acme", "workshop", 20 * C, 0, 10 * kDay}, 0).ok());
    // job-1: 8 H100 for at most 4 h at 2 credits per GPU-hour: a hold of 64 credits.
    ASSERT_TRUE(start("job-1", 8, 4 * kHour, false, kHour));
    ASSERT_TRUE(l.meter("job-1", 8 * 5 * kHour / 2, 3 * kHour + 30 * kMinute).ok());  // ran 2.5 h
    ASSERT_TRUE(l.release("job-1", 3 * kHour + 30 * kMinute).ok());
    ASSERT_TRUE(l.refund({"r-1", "acme", 5 * C, "node failure", "job-1", kHour}, 4 * kHour).ok());
    ASSERT_TRUE(l.top_up({"inv-7", "acme", 10 * C, "invoice 7"}, 5 * kHour).ok());
    // job-2: 2 preemptible H100 for 1 h at 1.4.
    ASSERT_TRUE(start("job-2", 2, kHour, true, 6 * kHour));
    ASSERT_TRUE(l.meter("job-2", 2 * kHour, 7 * kHour).ok());
    ASSERT_TRUE(l.release("job-2", 7 * kHour).ok());
    ASSERT_EQ(*l.expire_until(30 * kDay), 2);
  }
  bool start(const std::string& job, int gpus, DurationMs limit, bool preemptible, TimeMs now) {
    Micro rate = *l.prices().rate("H100", "paris", 0, preemptible);
    GpuMs gpu_ms = *gpu_time(gpus, limit);
    HoldRequest h{job, "acme", *usage_cost(gpu_ms, rate), gpu_ms, job, "H100", "paris", rate};
    return l.place_hold(h, now).ok();
  }
  Ledger l;
};

TEST_F(LedgerStatementTest, WholeHistory) {
  Statement s = *l.statement("acme", 0, 31 * kDay);
  EXPECT_EQ(s.opening, 0);
  ASSERT_EQ(s.grants.size(), 2u);
  ASSERT_EQ(s.jobs.size(), 2u);
  EXPECT_EQ(s.jobs[0].gpu_ms, 20 * kHour);
  EXPECT_EQ(s.jobs[0].amount, 40 * C);
  EXPECT_EQ(s.jobs[1].rate, 1'400'000);
  EXPECT_EQ(s.jobs[1].amount, 2'800'000);
  ASSERT_EQ(s.expiries.size(), 1u);  // g-bonus was spent to the last micro-credit
  EXPECT_EQ(s.expiries[0].amount, 77'200'000);
  EXPECT_EQ(s.closing, 15 * C);
  EXPECT_EQ(s.closing, *l.balance("acme"));
  EXPECT_EQ(s.opening + total(s.grants) + total(s.topups) + total(s.refunds) - total(s.jobs) - total(s.expiries),
            s.closing);
}

TEST_F(LedgerStatementTest, AWindowOpensWithWhatCameBefore) {
  // [2 h, 6 h 30): job-1's usage, the refund and the top-up; job-2's hold is inside the tenant.
  Statement s = *l.statement("acme", 2 * kHour, 6 * kHour + 30 * kMinute);
  EXPECT_EQ(s.opening, 120 * C);
  EXPECT_TRUE(s.grants.empty());
  ASSERT_EQ(s.jobs.size(), 1u);
  EXPECT_EQ(s.refunds.size(), 1u);
  EXPECT_EQ(s.topups.size(), 1u);
  EXPECT_EQ(s.closing, 95 * C);
  // Consecutive windows chain: one's closing is the next one's opening.
  Statement next = *l.statement("acme", 6 * kHour + 30 * kMinute, 31 * kDay);
  EXPECT_EQ(next.opening, s.closing);
  EXPECT_EQ(next.closing, 15 * C);
}

// Golden text, checked by hand against the example: 0 + 120 + 10 + 5 - 42.8 - 77.2 = 15.
TEST_F(LedgerStatementTest, Json) {
  std::string json = statement_json(*l.statement("acme", 0, 31 * kDay));
  EXPECT_EQ(json, R"({
  "tenant": "acme",
  "from": 0,
  "to": 2678400000,
  "opening": "0.000000",
  "grants": [
    {"at": 0, "grant": "g-2025", "programme": "startups", "amount": "100.000000"},
    {"at": 0, "grant": "g-bonus", "programme": "workshop", "amount": "20.000000"}
  ],
  "topups": [
    {"at": 18000000, "topup": "inv-7", "note": "invoice 7", "amount": "10.000000"}
  ],
  "jobs": [
    {"at": 12600000, "hold": "job-1", "job": "job-1", "gpu_type": "H100", "site": "paris", "gpu_ms": 72000000, "gpu_hours": "20.000", "rate": "2.000000", "amount": "40.000000"},
    {"at": 25200000, "hold": "job-2", "job": "job-2", "gpu_type": "H100", "site": "paris", "gpu_ms": 7200000, "gpu_hours": "2.000", "rate": "1.400000", "amount": "2.800000"}
  ],
  "refunds": [
    {"at": 14400000, "refund": "r-1", "job": "job-1", "reason": "node failure", "amount": "5.000000"}
  ],
  "expiries": [
    {"at": 2592000000, "grant": "g-2025", "note": "startups", "amount": "77.200000"}
  ],
  "totals": {"grants": "120.000000", "topups": "10.000000", "usage": "42.800000", "refunds": "5.000000", "expiries": "77.200000"},
  "closing": "15.000000"
}
)");
  // Valid JSON, and the sums agree.
  auto doc = nlohmann::json::parse(json);
  EXPECT_EQ(doc["jobs"].size(), 2u);
  EXPECT_EQ(doc["closing"], "15.000000");
}

TEST_F(LedgerStatementTest, Csv) {
  EXPECT_EQ(statement_csv(*l.statement("acme", 0, 31 * kDay)),
            "section,at,ref,job,gpu_type,site,gpu_ms,gpu_hours,rate,amount,note\n"
            "opening,0,acme,,,,,,,0.000000,\n"
            "grant,0,g-2025,,,,,,,100.000000,startups\n"
            "grant,0,g-bonus,,,,,,,20.000000,workshop\n"
            "topup,18000000,inv-7,,,,,,,10.000000,invoice 7\n"
            "job,12600000,job-1,job-1,H100,paris,72000000,20.000,2.000000,40.000000,\n"
            "job,25200000,job-2,job-2,H100,paris,7200000,2.000,1.400000,2.800000,\n"
            "refund,14400000,r-1,job-1,,,,,,5.000000,node failure\n"
            "expiry,2592000000,g-2025,,,,,,,77.200000,startups\n"
            "closing,2678400000,acme,,,,,,,15.000000,\n");
}

// The text statement of the example, checked by hand: the same lines as the CSV above, each
// section's subtotal (120 + 10 + 5 in, 42.8 + 77.2 out), and 0 + 135 - 120 = 15.
TEST_F(LedgerStatementTest, Text) {
  EXPECT_EQ(statement_text(*l.statement("acme", 0, 31 * kDay)),
            "Credit statement (amounts in credits)\n"
            "  tenant           acme\n"
            "  period           day 0 00:00 to day 31 00:00 (ms 0 to 2678400000, end excluded)\n"
            "  opening balance  0.000000 credits\n"
            "\n"
            "Grants (+)\n"
            "  time         grant    programme      amount\n"
            "  day 0 00:00  g-2025   startups   100.000000\n"
            "  day 0 00:00  g-bonus  workshop    20.000000\n"
            "  subtotal                         120.000000\n"
            "\n"
            "Top-ups (+)\n"
            "  time         top-up  note          amount\n"
            "  day 0 05:00  inv-7   invoice 7  10.000000\n"
            "  subtotal                        10.000000\n"
            "\n"
            "Jobs (-)\n"
            "  time         job    GPU type  site   GPU-hours  credits/GPU-h     amount\n"
            "  day 0 03:30  job-1  H100      paris     20.000       2.000000  40.000000\n"
            "  day 0 07:00  job-2  H100      paris      2.000       1.400000   2.800000\n"
            "  subtotal                                22.000                 42.800000\n"
            "\n"
            "Refunds (+)\n"
            "  time         refund  job    reason          amount\n"
            "  day 0 04:00  r-1     job-1  node failure  5.000000\n"
            "  subtotal                                  5.000000\n"
            "\n"
            "Expiries (-)\n"
            "  time          grant   note         amount\n"
            "  day 30 00:00  g-2025  startups  77.200000\n"
            "  subtotal                        77.200000\n"
            "\n"
            "  closing balance  15.000000 credits\n"
            "  check            opening + in - out = closing: 0.000000 + 135.000000 - 120.000000 = 15.000000 ok\n"
            "                   (in = grants + top-ups + refunds, out = jobs + expiries)\n");
}

TEST_F(LedgerStatementTest, TextOfAWindowSaysNoneForEmptySections) {
  std::string text = statement_text(*l.statement("acme", 2 * kHour, 6 * kHour + 30 * kMinute));
  EXPECT_NE(text.find("  period           day 0 02:00 to day 0 06:30 (ms 7200000 to 23400000, end excluded)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  opening balance  120.000000 credits\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Grants (+)\n  none (subtotal 0.000000)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Expiries (-)\n  none (subtotal 0.000000)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("120.000000 + 15.000000 - 40.000000 = 95.000000 ok\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("MISMATCH"), std::string::npos) << text;
}

// Columns widen to their longest cell; times are floored to the minute; GPU-hours are exact
// integer arithmetic, 3 decimals half up (1,800 GPU-ms = 0.0005 GPU-h -> 0.001); no line ends
// with a space.
TEST(StatementText, ColumnsTimesAndGpuHours) {
  Statement s;
  s.tenant = "a-tenant-with-a-long-name";
  s.from = 0;
  s.to = 2 * kDay + 13 * kHour + 45 * kMinute + 59'999;
  s.jobs.push_back({kDay + 59'999, "h1", "a-job-with-a-long-name", "A100", "lyon", 1'800, 2'500'000, 2, ""});
  s.jobs.push_back({kDay + kHour, "h2", "j", "H100", "marseille", 5'400'000, 1, 1, ""});
  s.opening = 10;
  s.closing = 7;
  std::string text = statement_text(s);
  EXPECT_NE(text.find("  tenant           a-tenant-with-a-long-name\n"), std::string::npos) << text;
  EXPECT_NE(text.find("day 0 00:00 to day 2 13:45 (ms 0 to 222359999, end excluded)"), std::string::npos) << text;
  EXPECT_NE(text.find("  time         job                     GPU type  site       GPU-hours  credits/GPU-h    amount\n"
                      "  day 1 00:00  a-job-with-a-long-name  A100      lyon           0.001       2.500000  0.000002\n"
                      "  day 1 01:00  j                       H100      marseille      1.500       0.000001  0.000001\n"
                      "  subtotal                                                      1.501                 0.000003\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("0.000010 + 0.000000 - 0.000003 = 0.000007 ok\n"), std::string::npos) << text;
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
    EXPECT_NE(text[at - 1], ' ') << "a line ends with a space:\n" << text;
  EXPECT_EQ(text.back(), '\n');
}

// A statement that does not add up says so (the ledger never makes one; a hand-made one can).
TEST(StatementText, CheckLineShowsAMismatch) {
  Statement s;
  s.tenant = "t";
  s.from = kDay;
  s.to = 2 * kDay;
  s.opening = -5;
  s.grants.push_back({kDay, "g", "", "", "", 0, 0, 3'000'000, "p"});
  s.closing = 7;
  std::string text = statement_text(s);
  EXPECT_NE(text.find("  opening balance  -0.000005 credits\n"), std::string::npos) << text;
  EXPECT_NE(text.find("-0.000005 + 3.000000 - 0.000000 = 2.999995, not 0.000007: MISMATCH\n"), std::string::npos)
      << text;
}

TEST_F(LedgerStatementTest, TextIsQuotedAndEscaped) {
  ASSERT_TRUE(l.top_up({"inv-8", "acme", C, "say \"hi\", then\\go"}, 31 * kDay).ok());
  Statement s = *l.statement("acme", 31 * kDay, 32 * kDay);
  EXPECT_NE(statement_csv(s).find(R"(,"say ""hi"", then\go")"), std::string::npos) << statement_csv(s);
  auto doc = nlohmann::json::parse(statement_json(s));
  EXPECT_EQ(doc["topups"][0]["note"], "say \"hi\", then\\go");
}

TEST_F(LedgerStatementTest, ExpiryOfHeldMoneyIsAnExpiryLine) {
  ASSERT_TRUE(l.add_tenant("late").ok());
  ASSERT_TRUE(l.grant({"g-late", "late", "startups", 10 * C, 31 * kDay, 32 * kDay}, 31 * kDay).ok());
  ASSERT_TRUE(l.place_hold({"h", "late", 10 * C, 0, "job-3", "H100", "paris", 2 * C}, 31 * kDay).ok());
  ASSERT_TRUE(l.post({"p", "h", 4 * C, 2 * kHour}, 31 * kDay).ok());
  ASSERT_TRUE(l.release("h", 33 * kDay).ok());
  Statement s = *l.statement("late", 0, 40 * kDay);
  ASSERT_EQ(s.expiries.size(), 1u);
  EXPECT_EQ(s.expiries[0].ref, "g-late");
  EXPECT_EQ(s.expiries[0].amount, 6 * C);
  EXPECT_EQ(s.closing, 0);
}

TEST_F(LedgerStatementTest, BadRequests) {
  EXPECT_FALSE(l.statement("ghost", 0, 1).ok());
  auto r = l.statement("acme", 5, 5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "statement: from 5 must be before to 5");
}

}  // namespace
}  // namespace hexa
