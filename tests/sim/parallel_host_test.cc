// The host work that may use a second thread (sim/parallel_host.h): generating the start-ups'
// and the learners' workloads at once, the metrics' side pieces, the report's list of tenants
// and its text. Each must give the same bytes as the one-thread path, run after run.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sim/parallel_host.h"
#include "sim/report.h"
#include "sim/report_dump.h"
#include "sim/scenario.h"

namespace hexa {
namespace {

// Sets parallel_host for one test, and puts it back on.
class ParallelHostTest : public ::testing::Test {
 protected:
  void TearDown() override { set_parallel_host(true); }
};

// The France scenario cut to its first day (both generators run), loaded with the second thread
// on or off.
Scenario load_france_day(bool parallel) {
  set_parallel_host(parallel);
  std::vector<Override> cut;
  for (const char* s : {"learners.days=1", "workload.startups.days=1"}) cut.push_back(*parse_override("--set", s));
  auto sc = load_scenario(std::string(HEXA_SOURCE_DIR) + "/scenarios/france-2025.yaml", std::nullopt, cut);
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

// Every field of every job, and what the loader derived from the workloads (tenants, classes,
// set-up commands, notes), as text.
std::string describe(const Scenario& sc) {
  std::string out;
  for (const TraceJob& j : sc.trace.jobs) {
    out += j.id + ' ' + j.tenant + ' ' + std::to_string(j.submit) + ' ' + std::to_string(j.gpus) + ' ' +
           std::to_string(j.duration) + ' ' + std::to_string(j.time_limit) + ' ' + std::to_string(j.priority) + ' ' +
           std::to_string(j.preemptible) + ' ' + j.slice + ' ' + std::to_string(j.start_target) + ' ';
    for (const auto* list : {&j.gpu_types, &j.sites, &j.providers, &j.prefer})
      for (const std::string& s : *list) out += s + ',';
    out += '\n';
  }
  for (const AddTenant& t : sc.options.tenants) out += t.name + '/' + t.parent + ' ';
  for (const auto& [name, cls] : sc.options.classes) out += name + '=' + cls + ' ';
  for (const Command& c : sc.options.setup) out += std::to_string(c.index()) + ' ';
  for (const std::string& n : sc.trace.notes) out += n + '\n';
  return out;
}

TEST_F(ParallelHostTest, GeneratorsAtOnceGiveTheSameScenario) {
  const std::string serial = describe(load_france_day(false));
  ASSERT_GT(serial.size(), 1000u);
  EXPECT_EQ(describe(load_france_day(true)), serial);
  EXPECT_EQ(describe(load_france_day(true)), serial) << "the same again";
}

// The day's run, its metrics and report with the second thread off, on, and on again.
TEST_F(ParallelHostTest, MetricsAndReportAreTheSameBytes) {
  Scenario sc = load_france_day(true);
  auto result = simulate(*sc.topology, sc.trace, sc.options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  auto report = [&](bool parallel, MetricsDetail detail) {
    set_parallel_host(parallel);
    Metrics m = compute_metrics(*result, detail);
    // report_json shows the full metrics only (the command computes kText without a report).
    std::string out = report_text(*result, m, -1);
    if (detail == MetricsDetail::kFull) out += dump_report(report_json(*result, m, -1));
    return out;
  };
  for (MetricsDetail detail : {MetricsDetail::kFull, MetricsDetail::kText}) {
    const std::string serial = report(false, detail);
    ASSERT_GT(serial.size(), 1'000u);
    EXPECT_EQ(report(true, detail), serial);
    EXPECT_EQ(report(true, detail), serial) << "the same again";
  }
}

// A random JSON value: objects, arrays (some long, to be cut into pieces), strings with
// characters dump escapes (newlines included), numbers of every kind.
nlohmann::ordered_json random_json(std::mt19937_64& rng, int depth) {
  auto below = [&rng](std::uint64_t n) { return rng() % n; };
  switch (depth <= 0 ? below(5) : below(7)) {
    case 0: return nullptr;
    case 1: return below(2) == 0;
    case 2: return static_cast<std::int64_t>(rng()) >> below(60);
    case 3: return static_cast<double>(rng() % 100000) / 7.0;
    case 4: {
      std::string s;
      for (std::uint64_t i = below(12); i > 0; --i) s += "ab\n\"\\\t{[,: \x01"[below(12)];
      return s;
    }
    case 5: {
      auto a = nlohmann::ordered_json::array();
      const std::uint64_t n = below(4) == 0 ? 1000 + below(3000) : below(5);
      for (std::uint64_t i = 0; i < n; ++i) a.push_back(random_json(rng, n > 10 ? std::min(depth - 1, 1) : depth - 1));
      return a;
    }
    default: {
      auto o = nlohmann::ordered_json::object();
      for (std::uint64_t i = below(6); i > 0; --i) o["k" + std::to_string(below(20)) + "\n\""] = random_json(rng, depth - 1);
      return o;
    }
  }
}

TEST_F(ParallelHostTest, DumpIsDumpTwoForAnyValue) {
  std::mt19937_64 rng(20250);
  for (int i = 0; i < 100; ++i) {
    const nlohmann::ordered_json j = random_json(rng, 4);
    ASSERT_EQ(dump_report(j), j.dump(2)) << "value " << i;
  }
  for (const nlohmann::ordered_json& j : {nlohmann::ordered_json(), nlohmann::ordered_json::object(),
                                          nlohmann::ordered_json::array(), nlohmann::ordered_json(3)})
    EXPECT_EQ(dump_report(j), j.dump(2));
}

}  // namespace
}  // namespace hexa
