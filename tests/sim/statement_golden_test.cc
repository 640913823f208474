// Golden statements: tests/golden/credits-scenario.yaml (four start-ups on paris and lyon, 16
// H100 each, two days, las with a 300 s restart overhead, explicit grants) is run through the
// simulator; the ledger's statements of startup-0001 and startup-0004 over the whole run
// ([0, end + 1 ms), as `hexa statement` takes them) in text, JSON and CSV must match
// tests/golden/statements/<tenant>.{txt,json,csv} byte for byte. HEXA_UPDATE_GOLDEN=1 rewrites
// them (docs/testing.md); check a new one by hand before accepting it.
//
// Checked by hand (against `hexa simulate tests/golden/credits-scenario.yaml --jobs-csv` and
// its JSON report), seed 11, 154 jobs:
// - Rates: generated jobs are preemptible, so 30% off: paris 2.5 -> 1.75, lyon 1.75 -> 1.225
//   credits per GPU-hour; every job line has its site's rate.
// - startup-0004, job-6: 1 GPU, run_ms 2,497,000 at lyon: 2,497,000 x 1,225,000 / 3,600,000
//   = 849,673.6 micro-credits, rounded up: 0.849674.
// - startup-0004, job-13 (1 GPU, 1 preemption, run_ms 16,198,000 incl. the 300 s restart):
//   two lines, lyon 4,686,000 GPU-ms -> ceil(1,594,541.7) = 1.594542 and paris 11,512,000
//   GPU-ms -> ceil(5,596,111.1) = 5.596112; 4,686,000 + 11,512,000 = 16,198,000. Its restart
//   is refunded at the resumed segment's rate: 1 GPU x 300 s at 1.75 -> ceil(145,833.3) =
//   0.145834, at the end of that segment.
// - startup-0004's workshop grant (120, expires day 1) pays first (earliest expiry): the 9 job
//   lines posted before day 1 sum to 41.421192, so 120 - 41.421192 = 78.578808 expires at day 1
//   00:00 (86,400,000 ms). Closing: 0 + 220 (grants) + 0 (top-ups) + 0.145834 (refund)
//   - 61.174806 (19 job lines) - 78.578808 (expiry) = 80.392220, the report's credits left.
// - startup-0001: 400 + 150 (the grant that starts on day 1 is granted at time 0, usable from
//   day 1) + 14.175006 (11 restart refunds, one per preemption in the jobs CSV) - 558.979248
//   (74 job lines for 63 jobs) = 5.195758: it ran out of credits (report: ran_out_s 127,666).
//   job-18 (16 GPUs, 2 preemptions) has three lines, 38,576,000 + 9,600,000 + 35,504,000 GPU-ms
//   = 16 x run_ms 5,230,000, and two refunds of 16 x 300 s x 1.225 = 1.633334 each.
// The tests below check the same rules on every line, so a regenerated golden file that
// breaks them fails here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/statement.h"
#include "sim/scenario.h"
#include "sim/simulator.h"
#include "golden_files.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;

using testing::check_golden;
using testing::kGolden;
using testing::read_file;
using testing::updating_golden;

const std::vector<std::string> kTenants = {"startup-0001", "startup-0004"};

struct Outcome {
  SimResult result;
  std::map<std::string, Statement> statements;  // by tenant, over [0, end + 1)
  std::map<std::string, Micro> balances;        // the ledger's balance at the end
  TimeMs end = -1;
  const JobRecord& rec(const std::string& id) const {
    for (const JobRecord& r : result.jobs)
      if (r.id == id) return r;
    throw std::runtime_error("no job " + id);
  }
};

Outcome run_scenario() {
  auto sc = load_scenario(kGolden + "credits-scenario.yaml", std::nullopt);
  if (!sc.ok()) throw std::runtime_error(sc.status().message());
  Outcome o;
  sc->options.at_end = [&o](const Core& core, TimeMs end) {
    o.end = end;
    for (const std::string& t : kTenants) {
      auto s = core.ledger().statement(t, 0, end + 1);
      if (!s.ok()) throw std::runtime_error(s.status().message());
      o.statements.emplace(t, *s);
      o.balances.emplace(t, *core.ledger().balance(t));
    }
  };
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  if (!r.ok()) throw std::runtime_error(r.status().message());
  o.result = std::move(r).value();
  return o;
}

const Outcome& outcome() {
  static const Outcome o = run_scenario();
  return o;
}

TEST(GoldenStatement, MatchesGoldenFiles) {
  const Outcome& o = outcome();
  ASSERT_TRUE(o.result.credits_on);
  for (const std::string& t : kTenants) {
    const Statement& s = o.statements.at(t);
    check_golden("statements/" + t + ".txt", statement_text(s));
    check_golden("statements/" + t + ".json", statement_json(s));
    check_golden("statements/" + t + ".csv", statement_csv(s));
  }
}

TEST(GoldenStatement, SameRunSameStatements) {
  Outcome again = run_scenario();
  for (const std::string& t : kTenants) EXPECT_EQ(again.statements.at(t), outcome().statements.at(t)) << t;
}

// opening + grants + top-ups + refunds - usage - expiries = closing, and closing is the
// ledger's balance and, with no expired grant left unswept and no grant still to start at the
// end, what the report says the tenant had left to spend.
TEST(GoldenStatement, AddsUp) {
  const Outcome& o = outcome();
  for (const std::string& t : kTenants) {
    const Statement& s = o.statements.at(t);
    EXPECT_EQ(s.from, 0);
    EXPECT_EQ(s.to, o.end + 1);
    EXPECT_EQ(s.opening, 0) << t;
    EXPECT_EQ(s.opening + total(s.grants) + total(s.topups) + total(s.refunds) - total(s.jobs) - total(s.expiries),
              s.closing)
        << t;
    EXPECT_EQ(s.closing, o.balances.at(t)) << t;
    bool found = false;
    for (const SimResult::TenantCredits& c : o.result.credits)
      if (c.name == t) {
        found = true;
        EXPECT_EQ(c.left, s.closing) << t;
        EXPECT_EQ(c.consumed, total(s.jobs) - total(s.refunds)) << t;
      }
    EXPECT_TRUE(found) << t;
    EXPECT_EQ(statement_text(s).find("MISMATCH"), std::string::npos) << t;
  }
}

// Every job line is one run segment (hold) at its site's preemptible rate; its amount is
// ceil(GPU-ms x rate / 3,600,000); a job's lines add up to GPUs x its run time held (restart
// overheads included), one line per segment, the last at the site the job ended on.
TEST(GoldenStatement, JobLinesAreSegmentsPricedAtTheirSite) {
  const Outcome& o = outcome();
  const std::map<std::string, Micro> rate = {{"paris", 1'750'000}, {"lyon", 1'225'000}};
  for (const std::string& t : kTenants) {
    const Statement& s = o.statements.at(t);
    std::map<std::string, std::vector<const StatementLine*>> by_job;
    for (const StatementLine& l : s.jobs) {
      EXPECT_EQ(l.gpu_type, "H100");
      ASSERT_TRUE(rate.count(l.site)) << l.site;
      EXPECT_EQ(l.rate, rate.at(l.site)) << l.job;
      Int128 ceil = (Int128{l.gpu_ms} * l.rate + kMsPerHour - 1) / kMsPerHour;
      EXPECT_EQ(Int128{l.amount}, ceil) << l.job << " " << l.ref;
      by_job[l.job].push_back(&l);
    }
    int jobs_that_ran = 0;
    for (const JobRecord& r : o.result.jobs) {
      if (r.tenant != t || r.run_ms == 0) continue;
      ++jobs_that_ran;
      ASSERT_TRUE(by_job.count(r.id)) << t << ": no line for " << r.id;
      const auto& lines = by_job.at(r.id);
      GpuMs sum = 0;
      for (const StatementLine* l : lines) sum += l->gpu_ms;
      EXPECT_EQ(sum, GpuMs{r.gpus} * r.run_ms) << r.id;
      EXPECT_EQ(lines.size(), static_cast<std::size_t>(r.preemptions) + 1) << r.id;
      EXPECT_EQ(lines.back()->site, r.site) << r.id;
    }
    EXPECT_EQ(static_cast<std::size_t>(jobs_that_ran), by_job.size()) << t;
  }
}

// A restart refund gives back the overhead (300 s x GPUs) at the rate of the segment that paid
// it, at that segment's end; one per preemption.
TEST(GoldenStatement, RestartRefundsMatchTheirSegments) {
  const Outcome& o = outcome();
  for (const std::string& t : kTenants) {
    const Statement& s = o.statements.at(t);
    int preemptions = 0;
    for (const JobRecord& r : o.result.jobs)
      if (r.tenant == t) preemptions += r.preemptions;
    EXPECT_EQ(s.refunds.size(), static_cast<std::size_t>(preemptions)) << t;
    for (const StatementLine& f : s.refunds) {
      EXPECT_EQ(f.note, "restart after preemption");
      const std::string hold = f.ref.substr(0, f.ref.find('/'));
      const StatementLine* seg = nullptr;
      for (const StatementLine& l : s.jobs)
        if (l.ref == hold) seg = &l;
      ASSERT_NE(seg, nullptr) << f.ref;
      EXPECT_EQ(seg->job, f.job);
      EXPECT_EQ(seg->at, f.at) << f.ref;
      EXPECT_EQ(f.amount, *usage_cost(GpuMs{o.rec(f.job).gpus} * 300 * kSecond, seg->rate)) << f.ref;
    }
  }
}

// The figures of the comment at the top, pinned.
TEST(GoldenStatement, FiguresCheckedByHand) {
  const Outcome& o = outcome();
  const Statement& s4 = o.statements.at("startup-0004");
  ASSERT_EQ(s4.grants.size(), 2u);
  EXPECT_EQ(total(s4.grants), 220'000'000);
  ASSERT_FALSE(s4.jobs.empty());
  EXPECT_EQ(s4.jobs[0].job, "job-6");
  EXPECT_EQ(s4.jobs[0].site, "lyon");
  EXPECT_EQ(s4.jobs[0].gpu_ms, 2'497'000);
  EXPECT_EQ(s4.jobs[0].amount, 849'674);
  std::vector<const StatementLine*> job13;
  Micro before_day_1 = 0;
  for (const StatementLine& l : s4.jobs) {
    if (l.job == "job-13") job13.push_back(&l);
    if (l.at < kDay) before_day_1 += l.amount;
  }
  ASSERT_EQ(job13.size(), 2u);
  EXPECT_EQ(job13[0]->site, "lyon");
  EXPECT_EQ(job13[0]->gpu_ms, 4'686'000);
  EXPECT_EQ(job13[0]->amount, 1'594'542);
  EXPECT_EQ(job13[1]->site, "paris");
  EXPECT_EQ(job13[1]->gpu_ms, 11'512'000);
  EXPECT_EQ(job13[1]->amount, 5'596'112);
  EXPECT_EQ(o.rec("job-13").run_ms, 16'198'000);
  ASSERT_EQ(s4.refunds.size(), 1u);
  EXPECT_EQ(s4.refunds[0].amount, 145'834);
  EXPECT_EQ(before_day_1, 41'421'192);
  ASSERT_EQ(s4.expiries.size(), 1u);
  EXPECT_EQ(s4.expiries[0].at, kDay);
  EXPECT_EQ(s4.expiries[0].note, "workshop");
  EXPECT_EQ(s4.expiries[0].amount, 120'000'000 - before_day_1);
  EXPECT_EQ(total(s4.jobs), 61'174'806);
  EXPECT_EQ(s4.closing, 80'392'220);

  const Statement& s1 = o.statements.at("startup-0001");
  EXPECT_EQ(total(s1.grants), 550'000'000);
  EXPECT_EQ(s1.refunds.size(), 11u);
  EXPECT_EQ(total(s1.refunds), 14'175'006);
  EXPECT_EQ(s1.jobs.size(), 74u);
  EXPECT_EQ(total(s1.jobs), 558'979'248);
  EXPECT_EQ(s1.closing, 5'195'758);
  GpuMs job18 = 0;
  int job18_lines = 0;
  for (const StatementLine& l : s1.jobs) {
    if (l.job != "job-18") continue;
    job18 += l.gpu_ms;
    ++job18_lines;
  }
  EXPECT_EQ(job18_lines, 3);
  EXPECT_EQ(job18, 16 * GpuMs{5'230'000});
}

}  // namespace
}  // namespace hexa
