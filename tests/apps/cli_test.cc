// The `hexa simulate` command line, run as a subprocess: bad input fails with a non-zero exit
// code and a message that names the flag or field and the rule, and writes no report; good
// input gives exit 0, a summary, the JSON report and the per-job CSV.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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
using testing::write;

namespace fs = std::filesystem;

const std::string kGolden = HEXA_SOURCE_DIR "/tests/golden/";

using testing::contains;
using testing::Exit;
using testing::read_file;

Exit simulate(const std::vector<std::string>& args) { return testing::run_hexa("simulate", args); }


// A bad run: a non-zero exit that is not the time limit's, each of `parts` in the message, and
// nothing written where the report was asked for.
void expect_bad(std::vector<std::string> args, const std::vector<std::string>& parts) {
  std::string report = temp_path("report.json");
  args.push_back("--report-json");
  args.push_back(report);
  args.push_back("--quiet");
  Exit e = simulate(args);
  EXPECT_EQ(e.code, 2) << "bad input exits 2:\n" << e.output();
  EXPECT_NE(e.code, 124) << "timed out:\n" << e.output();
  EXPECT_NE(e.code, -1) << "killed by a signal:\n" << e.output();
  for (const std::string& p : parts) EXPECT_TRUE(contains(e.output(), p)) << "no '" << p << "' in:\n" << e.output();
  EXPECT_FALSE(fs::exists(report)) << "a report was written for bad input";
}

const std::string kTrace = kGolden + "basic.csv";  // 10 jobs, all fit on 2x8

// ---- flags -----------------------------------------------------------------------------------

TEST(CliBadInput, UnknownPolicy) {
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", "2x8", "--policy", "lottery"},
             {"--policy", "lottery", "fifo", "backfill", "las", "srtf", "fair"});
}

TEST(CliBadInput, UnknownPlacement) {
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", "2x8", "--placement", "pack"},
             {"--placement", "pack", "topology", "count"});
}

TEST(CliBadInput, UnknownFormat) {
  expect_bad({"--trace", kTrace, "--format", "slurm", "--cluster", "2x8"}, {"--format", "slurm", "itp", "alibaba", "hexa"});
}

TEST(CliBadInput, TraceWithoutCluster) {
  expect_bad({"--trace", kTrace, "--format", "hexa"}, {"--cluster", "--trace"});
}

TEST(CliBadInput, NothingToReplay) { expect_bad({}, {"scenario", "--trace"}); }

TEST(CliBadInput, ScenarioAndTraceTogether) {
  expect_bad({kGolden + "small-scenario.yaml", "--trace", kTrace, "--format", "hexa", "--cluster", "2x8"},
             {"scenario", "--trace", "not both"});
}

TEST(CliBadInput, ClusterShorthandWithoutGpus) {
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", "80x"}, {"--cluster", "NODESxGPUS", "'80x'"});
}

TEST(CliBadInput, ClusterShorthandWithZeroNodes) {
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", "0x8"}, {"--cluster 0x8", "NODES", "between 1 and", "'0'"});
}

TEST(CliBadInput, ClusterShorthandWithTooManyGpusPerNode) {
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", "80x65"}, {"--cluster 80x65", "GPUS", "between 1 and 64", "'65'"});
}

// ---- files -----------------------------------------------------------------------------------

TEST(CliBadInput, TraceFileDoesNotExist) {
  std::string missing = temp_path("no-such-trace.csv");
  expect_bad({"--trace", missing, "--format", "hexa", "--cluster", "2x8"}, {"--trace", "no-such-trace.csv"});
}

TEST(CliBadInput, MalformedTraceLineNamesFileLineAndField) {
  std::string trace = write("bad.csv",
                            "id,tenant,submit_ms,gpus,gpu_type,duration_ms\n"
                            "j1,a,0,2,*,60000\n"
                            "j2,a,0,two,*,60000\n");
  expect_bad({"--trace", trace, "--format", "hexa", "--cluster", "2x8"}, {"bad.csv:3", "gpus", "integer", "'two'"});
}

TEST(CliBadInput, TraceWithUnknownColumn) {
  std::string trace = write("cols.csv",
                            "id,tenant,submit_ms,gpus,gpu_type,duration_ms,prio\n"
                            "j1,a,0,2,*,60000,3\n");
  expect_bad({"--trace", trace, "--format", "hexa", "--cluster", "2x8"}, {"cols.csv:1", "prio"});
}

TEST(CliBadInput, ClusterYamlWithUnknownKey) {
  std::string cluster = write("cluster.yaml",
                              "sites:\n"
                              "  - name: paris\n"
                              "    blocks:\n"
                              "      - {nodes: 2, gpus: 8, gpu_type: H100}\n");
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", cluster},
             {"cluster.yaml", "sites[0].blocks[0]", "unknown key 'gpus'", "gpus_per_node"});
}

TEST(CliBadInput, ClusterYamlWith65GpusPerNode) {
  std::string cluster = write("cluster.yaml",
                              "sites:\n"
                              "  - name: paris\n"
                              "    blocks:\n"
                              "      - {nodes: 2, gpus_per_node: 65, gpu_type: H100}\n");
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", cluster},
             {"cluster.yaml", "sites[0].blocks[0].gpus_per_node", "between 1 and 64", "'65'"});
}

TEST(CliBadInput, ClusterYamlDoesNotExist) {
  std::string missing = temp_path("no-such-cluster.yaml");
  expect_bad({"--trace", kTrace, "--format", "hexa", "--cluster", missing}, {"no-such-cluster.yaml", "cannot open"});
}

// The small golden scenario with one line replaced.
std::string scenario_with(const std::string& from, const std::string& to) {
  std::string text = read_file(kGolden + "small-scenario.yaml");
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return write("scenario.yaml", text);
}

TEST(CliBadInput, ScenarioWithUnknownKey) {
  expect_bad({scenario_with("seed: 7\n", "seed: 7\nschedular: {policy: fifo}\n")},
             {"scenario.yaml", "unknown key 'schedular'", "scheduler"});
}

TEST(CliBadInput, ScenarioWithUnknownWorkloadKey) {
  expect_bad({scenario_with("    days: 2\n", "    dayz: 2\n")}, {"scenario.yaml", "startups", "unknown key 'dayz'", "days"});
}

TEST(CliBadInput, ScenarioWithUnknownPolicy) {
  expect_bad({scenario_with("policy: fair", "policy: lottery")},
             {"policy", "unknown 'lottery'", "fifo", "backfill", "las", "srtf", "fair"});
}

// The message names the file and the key's path, as every other scenario error does.
TEST(CliBadInput, ScenarioWithUnknownPolicyNamesFileAndKey) {
  expect_bad({scenario_with("policy: fair", "policy: lottery")}, {"scenario.yaml: scheduler.policy", "'lottery'"});
}

TEST(CliBadInput, ScenarioNumberRangeIsReadable) {
  expect_bad({scenario_with("load: 0.7", "load: high")},
             {"scenario.yaml: workload.startups.load", "between 0.001 and 10", "'high'"});
}

TEST(CliBadInput, ScenarioWithBadNumber) {
  expect_bad({scenario_with("load: 0.7", "load: high")}, {"scenario.yaml", "load", "number", "'high'"});
}

TEST(CliBadInput, ScenarioFileDoesNotExist) {
  std::string missing = temp_path("no-such-scenario.yaml");
  expect_bad({missing}, {"no-such-scenario.yaml"});
}

// ---- good input ------------------------------------------------------------------------------

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

TEST(CliHappyPath, SmallTraceGivesSummaryReportAndJobsCsv) {
  std::string report = temp_path("report.json"), jobs = temp_path("jobs.csv");
  Exit e = simulate({"--trace", kTrace, "--format", "hexa", "--cluster", "2x8", "--policy", "backfill", "--quiet",
                     "--report-json", report, "--jobs-csv", jobs});
  ASSERT_EQ(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.output(), "jobs")) << e.output();
  EXPECT_TRUE(contains(e.output(), "10 submitted")) << e.output();

  ASSERT_TRUE(fs::exists(report));
  nlohmann::json j = nlohmann::json::parse(read_file(report));
  for (const char* key : {"jobs", "avg_jct_s", "p50_jct_s", "p95_jct_s", "p99_jct_s", "avg_queue_s", "makespan_s",
                          "utilization", "preemptions", "events", "wall_s"})
    EXPECT_TRUE(j.contains(key)) << "no key '" << key << "' in the report";
  EXPECT_EQ(j["jobs"], 10);
  EXPECT_EQ(j["policy"], "backfill");
  double util = j["utilization"].get<double>();
  EXPECT_GT(util, 0.0);
  EXPECT_LE(util, 1.0);
  EXPECT_GE(j["wall_s"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["makespan_s"].get<double>(), 6600.0);  // see GoldenHand.BasicBackfill...

  std::vector<std::string> rows = lines_of(read_file(jobs));
  ASSERT_EQ(rows.size(), 11u) << "a header and one line per job";
  EXPECT_EQ(rows[0].rfind("id,", 0), 0u) << rows[0];
  EXPECT_EQ(rows[1].rfind("j1,", 0), 0u) << rows[1];
}

TEST(CliHappyPath, ReportIsTheGoldenOneApartFromWallTime) {
  std::string report = temp_path("report.json");
  Exit e = simulate({"--trace", kTrace, "--format", "hexa", "--cluster", "2x8", "--quiet", "--report-json", report});
  ASSERT_EQ(e.code, 0) << e.output();
  nlohmann::ordered_json got = nlohmann::ordered_json::parse(read_file(report));
  got.erase("wall_s");
  EXPECT_EQ(got.dump(2) + "\n", read_file(kGolden + "basic.fifo.json"));
}

TEST(CliHappyPath, ImpossibleJobIsRejectedWithItsReasonAndTheRunEnds) {
  std::string report = temp_path("report.json"), jobs = temp_path("jobs.csv");
  std::string trace = write("impossible.csv",
                            "id,tenant,submit_ms,gpus,gpu_type,duration_ms\n"
                            "small,a,0,4,*,60000\n"
                            "giant,a,0,64,*,60000\n"
                            "after,b,30000,8,*,60000\n");
  Exit e = simulate({"--trace", trace, "--format", "hexa", "--cluster", "2x8", "--policy", "fifo", "--quiet",
                     "--report-json", report, "--jobs-csv", jobs});
  ASSERT_EQ(e.code, 0) << e.output();  // a timeout would give 124
  EXPECT_TRUE(contains(e.output(), "giant")) << e.output();
  nlohmann::json j = nlohmann::json::parse(read_file(report));
  EXPECT_EQ(j["jobs"], 3);
  EXPECT_EQ(j["finished"], 2);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(j["unfinished"], 0);
  ASSERT_EQ(j["rejections"].size(), 1u);
  EXPECT_EQ(j["rejections"][0]["id"], "giant");
  std::string reason = j["rejections"][0]["reason"];
  EXPECT_TRUE(contains(reason, "64")) << reason;
  EXPECT_TRUE(contains(reason, "16")) << reason;  // the largest pool it could have had
  // The rejected job does not block fifo's queue: "after" starts when it arrives.
  std::vector<std::string> rows = lines_of(read_file(jobs));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3].rfind("after,b,8,30000,30000,90000,", 0), 0u) << rows[3];
}

TEST(CliHappyPath, ScenarioWithSeedOverride) {
  std::string a = temp_path("a.json"), b = temp_path("b.json"), c = temp_path("c.json");
  std::string sc = kGolden + "small-scenario.yaml";
  ASSERT_EQ(simulate({sc, "--quiet", "--report-json", a}).code, 0);
  ASSERT_EQ(simulate({sc, "--quiet", "--seed", "7", "--report-json", b}).code, 0);
  Exit e = simulate({sc, "--quiet", "--seed", "8", "--report-json", c});
  ASSERT_EQ(e.code, 0) << e.output();
  EXPECT_TRUE(contains(e.output(), "Scenario small-scenario")) << e.output();
  auto without_wall = [](const std::string& path) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(read_file(path));
    j.erase("wall_s");
    return j.dump(2) + "\n";
  };
  EXPECT_EQ(without_wall(a), read_file(kGolden + "small-scenario.json"));
  EXPECT_EQ(without_wall(a), without_wall(b));
  EXPECT_NE(without_wall(a), without_wall(c));
}

}  // namespace
}  // namespace hexa
