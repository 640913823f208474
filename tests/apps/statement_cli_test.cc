// The `hexa statement` command line, run as a subprocess: bad input exits 2 with a message that
// names the flag and the rule, and writes nothing; good input prints the tenant's statement
// (text, JSON or CSV), the same as the golden statements of tests/sim/statement_golden_test.cc.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_hexa.h"
#include "test_files.h"

namespace hexa {
namespace {

using testing::temp_path;

namespace fs = std::filesystem;

const std::string kGolden = HEXA_SOURCE_DIR "/tests/golden/";
const std::string kScenario = kGolden + "credits-scenario.yaml";

using testing::contains;
using testing::Exit;
using testing::read_file;

Exit statement(const std::vector<std::string>& args) { return testing::run_hexa("statement", args); }


// A bad run: exit 2, each of `parts` in the message, nothing on stdout and no --out file.
void expect_bad(std::vector<std::string> args, const std::vector<std::string>& parts) {
  std::string out = temp_path("statement.out");
  args.push_back("--out");
  args.push_back(out);
  args.push_back("--quiet");
  Exit e = statement(args);
  EXPECT_EQ(e.code, 2) << "bad input exits 2:\n" << e.err;
  for (const std::string& p : parts) EXPECT_TRUE(contains(e.err, p)) << "no '" << p << "' in:\n" << e.err;
  EXPECT_EQ(e.out, "") << "bad input printed to stdout";
  EXPECT_FALSE(fs::exists(out)) << "a statement was written for bad input";
}

// ---- bad input -------------------------------------------------------------------------------

TEST(StatementCliBadInput, UnknownTenantNamesSomeThatExist) {
  expect_bad({"--scenario", kScenario, "--tenant", "ghost"},
             {"--tenant", "no tenant 'ghost'", "credits-scenario.yaml", "startup-0001, startup-0002, startup-0003",
              "4 in all"});
}

TEST(StatementCliBadInput, ScenarioWithoutCredits) {
  expect_bad({"--scenario", kGolden + "small-scenario.yaml", "--tenant", "startup-0001"},
             {"--scenario", "small-scenario.yaml", "scenario has no credits section: statements need prices and grants"});
}

TEST(StatementCliBadInput, FromDayNotBeforeToDay) {
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--from-day", "3", "--to-day", "2"},
             {"--from-day 3 must be before --to-day 2"});
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--from-day", "1", "--to-day", "1"},
             {"--from-day 1 must be before --to-day 1"});
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--to-day", "0"},
             {"--from-day 0 (the default) must be before --to-day 0"});
}

TEST(StatementCliBadInput, FromDayAfterTheEndOfTheRun) {
  // The run ends during day 1; without --to-day the period ends with it.
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--from-day", "5"},
             {"--from-day 5 must be before the end of the run"});
}

TEST(StatementCliBadInput, NegativeDays) {
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--from-day=-1"},
             {"--from-day", "whole number of days", "from 0 to 36500", "'-1'"});
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--to-day", "-2"},
             {"--to-day", "whole number of days", "from 0 to 36500", "'-2'"});
}

TEST(StatementCliBadInput, DayNotAWholeNumber) {
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--to-day", "1.5"},
             {"--to-day", "whole number of days", "'1.5'"});
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--from-day", "two"},
             {"--from-day", "whole number of days", "'two'"});
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--to-day", "36501"},
             {"--to-day", "from 0 to 36500", "'36501'"});
}

TEST(StatementCliBadInput, UnknownFormat) {
  expect_bad({"--scenario", kScenario, "--tenant", "startup-0001", "--format", "pdf"},
             {"--format", "pdf", "text", "json", "csv"});
}

TEST(StatementCliBadInput, MissingTenant) { expect_bad({"--scenario", kScenario}, {"--tenant", "required"}); }

// Without --scenario the statement comes from the live server (tests/cli/statement_test.cc);
// none answers here, and the message points at --scenario.
TEST(StatementCliBadInput, MissingScenarioAsksTheServer) {
  expect_bad({"--tenant", "startup-0001", "--server", "http://127.0.0.1:1"},
             {"hexa: ", "without --scenario, hexa statement asks the server"});
}

TEST(StatementCliBadInput, ScenarioFileDoesNotExist) {
  std::string missing = temp_path("no-such-scenario.yaml");
  expect_bad({"--scenario", missing, "--tenant", "startup-0001"}, {"--scenario", "no-such-scenario.yaml"});
}

TEST(StatementCliBadInput, OutInAFolderThatDoesNotExist) {
  std::string out = temp_path("no-such-folder") + "/statement.txt";
  Exit e = statement({"--scenario", kScenario, "--tenant", "startup-0001", "--quiet", "--out", out});
  EXPECT_EQ(e.code, 2) << e.err;
  EXPECT_TRUE(contains(e.err, "--out")) << e.err;
  EXPECT_TRUE(contains(e.err, out)) << e.err;
  EXPECT_FALSE(fs::exists(out));
}

// ---- good input ------------------------------------------------------------------------------

// "12.345678" or "-0.000001" -> micro-credits, exactly.
std::int64_t micro(const std::string& credits) {
  bool negative = !credits.empty() && credits[0] == '-';
  std::string digits = credits.substr(negative ? 1 : 0);
  std::size_t dot = digits.find('.');
  EXPECT_NE(dot, std::string::npos) << credits;
  EXPECT_EQ(digits.size() - dot, 7u) << credits;
  std::int64_t v = std::stoll(digits.substr(0, dot)) * 1'000'000 + std::stoll(digits.substr(dot + 1));
  return negative ? -v : v;
}

std::int64_t section_sum(const nlohmann::json& lines) {
  std::int64_t sum = 0;
  for (const auto& l : lines) sum += micro(l["amount"].get<std::string>());
  return sum;
}

// Checks opening + in - out = closing on a parsed JSON statement; returns the closing.
std::int64_t check_adds_up(const nlohmann::json& j) {
  std::int64_t in = section_sum(j["grants"]) + section_sum(j["topups"]) + section_sum(j["refunds"]);
  std::int64_t out = section_sum(j["jobs"]) + section_sum(j["expiries"]);
  std::int64_t closing = micro(j["closing"].get<std::string>());
  EXPECT_EQ(micro(j["opening"].get<std::string>()) + in - out, closing) << j.dump(2);
  return closing;
}

TEST(StatementCliHappyPath, TextToStdout) {
  Exit e = statement({"--scenario", kScenario, "--tenant", "startup-0004", "--quiet"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_TRUE(contains(e.out, "startup-0004")) << e.out;
  EXPECT_TRUE(contains(e.out, "closing")) << e.out;
  EXPECT_TRUE(contains(e.out, " ok\n")) << e.out;  // the check line
  EXPECT_EQ(e.out, read_file(kGolden + "statements/startup-0004.txt"));
  EXPECT_EQ(e.err, "");
}

TEST(StatementCliHappyPath, JsonToAFileAddsUp) {
  std::string out = temp_path("statement.json");
  Exit e = statement({"--scenario", kScenario, "--tenant", "startup-0001", "--format", "json", "--quiet", "--out", out});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.out, "");
  ASSERT_TRUE(fs::exists(out));
  std::string text = read_file(out);
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["tenant"], "startup-0001");
  EXPECT_EQ(j["from"], 0);
  EXPECT_GT(j["jobs"].size(), 0u);
  check_adds_up(j);
  EXPECT_EQ(text, read_file(kGolden + "statements/startup-0001.json"));
}

TEST(StatementCliHappyPath, CsvToStdout) {
  Exit e = statement({"--scenario", kScenario, "--tenant", "startup-0004", "--format", "csv", "--quiet"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.out.rfind("section,at,ref,", 0), 0u) << e.out;
  EXPECT_EQ(e.out, read_file(kGolden + "statements/startup-0004.csv"));
}

// Windows in days: [0, 1) and [1, 2) chain (one's closing is the other's opening), each adds
// up, and together they hold the whole run's lines (the run ends before day 2).
TEST(StatementCliHappyPath, DayWindowsChain) {
  auto window = [](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--scenario", kScenario, "--tenant", "startup-0004", "--format", "json", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    Exit e = statement(args);
    EXPECT_EQ(e.code, 0) << e.err;
    return nlohmann::json::parse(e.out);
  };
  nlohmann::json day0 = window({"--to-day", "1"});
  nlohmann::json day1 = window({"--from-day", "1", "--to-day", "2"});
  nlohmann::json all = window({});
  EXPECT_EQ(day0["from"], 0);
  EXPECT_EQ(day0["to"], 86'400'000);
  EXPECT_EQ(day1["from"], 86'400'000);
  EXPECT_EQ(day1["to"], 172'800'000);
  std::int64_t closing0 = check_adds_up(day0);
  EXPECT_EQ(micro(day1["opening"].get<std::string>()), closing0);
  EXPECT_NE(closing0, 0);
  EXPECT_EQ(check_adds_up(day1), micro(all["closing"].get<std::string>()));
  EXPECT_EQ(day0["jobs"].size() + day1["jobs"].size(), all["jobs"].size());
  EXPECT_EQ(day1["expiries"].size(), 1u);  // the workshop grant expires at day 1 00:00
}

TEST(StatementCliHappyPath, SeedOverride) {
  Exit same = statement({"--scenario", kScenario, "--tenant", "startup-0001", "--format", "csv", "--seed", "11", "-q"});
  ASSERT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.out, read_file(kGolden + "statements/startup-0001.csv"));
  Exit other = statement({"--scenario", kScenario, "--tenant", "startup-0001", "--format", "csv", "--seed", "12", "-q"});
  ASSERT_EQ(other.code, 0) << other.err;
  EXPECT_NE(other.out, same.out);
}

}  // namespace
}  // namespace hexa
