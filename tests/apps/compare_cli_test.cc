// `hexa simulate --set` and `--compare` run as a user would: one column per variant, one JSON
// with every variant's report, and bad overrides stopped before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_hexa.h"
#include "test_files.h"

namespace hexa {
namespace {

using testing::contains;
using testing::Exit;
using testing::read_file;
using testing::temp_path;

const std::string kScenario = HEXA_SOURCE_DIR "/tests/golden/report-scenario.yaml";

Exit simulate(const std::vector<std::string>& args) { return testing::run_hexa("simulate", args); }

TEST(CliCompare, OneColumnPerVariantAndOneJson) {
  const std::string json = temp_path("compare.json"), html = temp_path("compare.html");
  Exit e = simulate({kScenario, "--compare", "policy=fifo,las,fair", "--report-json", json, "--report-html", html, "-q"});
  ASSERT_EQ(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.out, "Comparison of policy over 3 variants")) << e.out;
  // The header row names every variant, in order.
  const auto header = e.out.find("policy=fifo");
  ASSERT_NE(header, std::string::npos) << e.out;
  EXPECT_LT(header, e.out.find("policy=las"));
  EXPECT_LT(e.out.find("policy=las"), e.out.find("policy=fair"));
  for (const char* row : {"jobs finished", "p95 completion", "p95 wait", "p95 session start", "GPU time busy",
                          "busy at paris", "busy at lyon", "credits consumed", "energy", "carbon"})
    EXPECT_TRUE(contains(e.out, row)) << row << "\n" << e.out;
  const auto j = nlohmann::json::parse(read_file(json));
  EXPECT_EQ(j["compare"], "policy");
  ASSERT_EQ(j["variants"].size(), 3u);
  EXPECT_EQ(j["variants"][1]["label"], "policy=las");
  EXPECT_EQ(j["variants"][0]["report"]["policy"], "fifo");
  EXPECT_EQ(j["variants"][1]["report"]["policy"], "las");
  EXPECT_EQ(j["variants"][2]["report"]["policy"], "fair");
  EXPECT_TRUE(j["variants"][0]["report"].contains("timeline"));
  // Where each variant parts from the first, and why: in the text and in the JSON the page draws.
  EXPECT_TRUE(contains(e.out, "Where the variants part (each against policy=fifo):")) << e.out;
  EXPECT_TRUE(contains(e.out, "policy=las against policy=fifo: jobs finished")) << e.out;
  ASSERT_EQ(j["explain"].size(), 2u);
  EXPECT_EQ(j["explain"][1]["variant"], "policy=fair");
  const std::string page = read_file(html);
  EXPECT_TRUE(contains(page, "\"variants\"")) << "the page embeds the comparison JSON";
}

TEST(CliCompare, ASiteOverrideChangesTheRun) {
  // Lyon far dearer: with site choice "cheapest" the work moves to Paris. Money off: with money
  // on, "cheapest" ranks by the ledger's prices, not the price factor.
  Exit e = simulate({kScenario, "--no-credits", "--set", "site_choice=cheapest", "--compare",
                     "cluster.sites.lyon.price_factor=0.5,5", "-q"});
  ASSERT_EQ(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.out, "cluster.sites.lyon.price_factor=0.5")) << e.out;
  EXPECT_TRUE(contains(e.out, "cluster.sites.lyon.price_factor=5")) << e.out;
}

TEST(CliCompare, SetChangesOneRun) {
  const std::string json = temp_path("r.json");
  Exit e = simulate({kScenario, "--set", "policy=las", "--set", "cluster.sites.paris.pue=1.5", "--report-json", json, "-q"});
  ASSERT_EQ(e.code, 0) << e.output();
  const auto j = nlohmann::json::parse(read_file(json));
  EXPECT_EQ(j["policy"], "las");
  EXPECT_DOUBLE_EQ(j["energy"]["sites"][0]["pue"].get<double>(), 1.5);
}

// --report-summary: the headline figures without what grows with the run, for one run and for
// every variant of a comparison; each list left out is replaced by its count.
TEST(CliCompare, ReportSummaryLeavesOutTheListsAndSeries) {
  const std::string full = temp_path("full.json"), summary = temp_path("summary.json");
  ASSERT_EQ(simulate({kScenario, "--report-json", full, "-q"}).code, 0);
  Exit e = simulate({kScenario, "--report-json", summary, "--report-summary", "-q"});
  ASSERT_EQ(e.code, 0) << e.output();
  const auto f = nlohmann::json::parse(read_file(full)), s = nlohmann::json::parse(read_file(summary));
  EXPECT_EQ(s["summary"], true);
  for (const char* key : {"tenants", "timeline", "utilization_timeline", "rejections"}) EXPECT_FALSE(s.contains(key)) << key;
  EXPECT_FALSE(s["credits"].contains("tenants"));
  EXPECT_EQ(s["tenants_count"], f["tenants"].size());
  EXPECT_EQ(s["credits"]["tenants_count"], f["credits"]["tenants"].size());
  for (const char* key : {"finished", "avg_jct_s", "utilization", "gpu_hours", "sites", "classes", "cdf", "energy"})
    EXPECT_EQ(s[key], f[key]) << key;
  EXPECT_EQ(s["credits"]["classes"], f["credits"]["classes"]);
  EXPECT_LT(read_file(summary).size(), read_file(full).size() / 2);

  const std::string cmp = temp_path("cmp.json");
  e = simulate({kScenario, "--compare", "policy=fifo,fair", "--report-json", cmp, "--report-summary", "-q"});
  ASSERT_EQ(e.code, 0) << e.output();
  const auto c = nlohmann::json::parse(read_file(cmp));
  EXPECT_EQ(c["variants"][1]["report"]["summary"], true);
  EXPECT_FALSE(c["variants"][1]["report"].contains("tenants"));
  EXPECT_TRUE(c.contains("explain"));
}

// The reports without their wall times (`wall_s`, one per variant), the one figure that differs
// between any two runs.
std::string without_wall(const std::string& text) {
  static const std::regex kWall(R"("wall_s": ?[0-9.e+-]+,?)");
  return std::regex_replace(text, kWall, "");
}

TEST(CliCompare, VariantsOnThreeThreadsPrintAndWriteWhatOneThreadDoes) {
  auto run = [](const std::string& jobs) {
    const std::string json = temp_path("compare-" + jobs + ".json"), html = temp_path("compare-" + jobs + ".html");
    Exit e = simulate({kScenario, "--compare", "policy=fifo,las,fair", "--jobs", jobs, "--report-json", json,
                       "--report-html", html, "-q"});
    EXPECT_EQ(e.code, 0) << e.output();
    return std::vector<std::string>{e.out, without_wall(read_file(json)), without_wall(read_file(html))};
  };
  const auto one = run("1"), three = run("3");
  EXPECT_TRUE(contains(one[0], "Comparison of policy over 3 variants")) << one[0];
  EXPECT_EQ(one[0], three[0]) << "the table and the explanation";
  EXPECT_EQ(one[1], three[1]) << "the JSON report";
  EXPECT_EQ(one[2], three[2]) << "the HTML report";
  EXPECT_FALSE(contains(one[1], "wall_s")) << "all wall times taken out";
}

TEST(CliCompareBadInput, JobsNeedsCompare) {
  Exit e = simulate({kScenario, "--jobs", "2", "-q"});
  EXPECT_NE(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.output(), "--jobs: only with --compare")) << e.output();
  EXPECT_FALSE(contains(e.out, "Hexagone simulation")) << "nothing may run:\n" << e.out;
}

TEST(CliCompareBadInput, JobsAtLeastOne) {
  Exit e = simulate({kScenario, "--compare", "policy=fifo,las", "--jobs", "0", "-q"});
  EXPECT_NE(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.output(), "--jobs")) << e.output();
  EXPECT_FALSE(contains(e.out, "Comparison of")) << "nothing may run:\n" << e.out;
}

TEST(CliCompareBadInput, ReportSummaryNeedsReportJson) {
  Exit e = simulate({kScenario, "--report-summary", "-q"});
  EXPECT_NE(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.output(), "--report-summary: needs --report-json")) << e.output();
  EXPECT_FALSE(contains(e.out, "Hexagone simulation")) << "nothing may run:\n" << e.out;
}

// Bad overrides: exit 2, the flag and the path in the message, nothing run or written.
void expect_bad(std::vector<std::string> args, const std::vector<std::string>& parts) {
  const std::string json = temp_path("bad.json");
  args.insert(args.begin(), kScenario);
  for (const char* a : {"--report-json", "-q"}) args.push_back(a);
  args.insert(args.end() - 1, json);
  Exit e = simulate(args);
  EXPECT_EQ(e.code, 2) << e.output();
  for (const std::string& p : parts) EXPECT_TRUE(contains(e.output(), p)) << "no '" << p << "' in:\n" << e.output();
  EXPECT_FALSE(contains(e.out, "Comparison of")) << "nothing may run:\n" << e.out;
  EXPECT_FALSE(contains(e.out, "Hexagone simulation")) << "nothing may run:\n" << e.out;
  EXPECT_FALSE(std::filesystem::exists(json));
}

TEST(CliCompareBadInput, UnknownListItem) {
  expect_bad({"--compare", "cluster.sites.mulhouse.price_factor=1,2"},
             {"--compare cluster.sites.mulhouse.price_factor=1", "no item named 'mulhouse'", "paris, lyon"});
}

TEST(CliCompareBadInput, UnknownKey) {
  expect_bad({"--set", "scheduler.polcy=las"}, {"polcy", "--set scheduler.polcy=las"});
}

TEST(CliCompareBadInput, BadValueInTheLastVariantRunsNothing) {
  expect_bad({"--compare", "policy=fifo,lottery"}, {"lottery", "--compare policy=lottery"});
}

TEST(CliCompareBadInput, UnparsableValue) {
  expect_bad({"--set", "cluster.sites.paris.carbon_g_per_kwh=[1,"}, {"--set", "carbon_g_per_kwh", "not a YAML value"});
}

TEST(CliCompareBadInput, EmptyList) { expect_bad({"--compare", "policy="}, {"--compare", "no values"}); }

TEST(CliCompareBadInput, FlagAndOverrideOfTheSameKnob) {
  expect_bad({"--policy", "las", "--compare", "policy=fifo,fair"}, {"--policy", "--compare policy=fifo", "give one"});
}

TEST(CliCompareBadInput, NeedsAScenario) {
  Exit e = simulate({"--trace", HEXA_SOURCE_DIR "/tests/golden/basic.csv", "--format", "hexa", "--cluster", "2x8",
                     "--compare", "policy=fifo,las"});
  EXPECT_NE(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.output(), "--compare")) << e.output();
  EXPECT_TRUE(contains(e.output(), "scenario")) << e.output();
}

}  // namespace
}  // namespace hexa
