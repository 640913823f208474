// The variants of a comparison run on several threads (sim/compare_run.h): the same figures,
// table, explanation and reports as one after the other, in the same order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/compare.h"
#include "sim/compare_run.h"
#include "sim/report_html.h"
#include "sim/scenario.h"
#include "sim/scenario_override.h"

namespace hexa {
namespace {

const std::string kScenario = HEXA_SOURCE_DIR "/tests/golden/report-scenario.yaml";

std::vector<CompareVariant> load_variants(const std::string& compare) {
  auto overrides = parse_compare("--compare", compare);
  EXPECT_TRUE(overrides.ok()) << overrides.status().message();
  std::vector<CompareVariant> out;
  for (const Override& o : *overrides) {
    auto sc = load_scenario(kScenario, std::nullopt, {o});
    EXPECT_TRUE(sc.ok()) << sc.status().message();
    out.push_back({o.label(), std::move(sc).value()});
  }
  return out;
}

// A report without its wall time, the one figure that differs between any two runs.
nlohmann::ordered_json without_wall(nlohmann::ordered_json j) {
  for (auto& v : j["variants"]) v["report"].erase("wall_s");
  return j;
}

struct Outputs {
  std::string text, json, html;
};

Outputs compare_with(unsigned jobs) {
  std::vector<CompareVariant> variants = load_variants("policy=fifo,las,fair");
  CompareRunOptions opt;
  opt.jobs = jobs;
  auto runs = run_variants(variants, opt);
  EXPECT_TRUE(runs.ok()) << runs.status().message();
  if (!runs.ok()) return {};
  const auto j = without_wall(compare_json("policy", *runs));
  return {compare_text("policy", *runs), j.dump(2), report_html(j, "compare")};
}

TEST(CompareRun, ThreeVariantsOnThreeThreadsGiveTheSequentialOutputByteForByte) {
  const Outputs one = compare_with(1), three = compare_with(3);
  ASSERT_FALSE(one.text.empty());
  EXPECT_EQ(one.text, three.text);
  EXPECT_EQ(one.json, three.json);
  EXPECT_EQ(one.html, three.html);
  // The variants differ, so a run filed under the wrong label would show.
  EXPECT_NE(one.json.find("\"policy\": \"las\""), std::string::npos);
  const auto fifo = one.text.find("policy=fifo"), las = one.text.find("policy=las");
  EXPECT_LT(fifo, las);
  EXPECT_LT(las, one.text.find("policy=fair"));
}

TEST(CompareRun, RunsComeBackInTheOrderGivenWithTheirOwnFigures) {
  std::vector<CompareVariant> variants = load_variants("policy=fifo,las,fair");
  variants.push_back(std::move(load_variants("policy=fifo").front()));  // --compare refuses a value twice
  CompareRunOptions opt;
  opt.jobs = 4;
  std::vector<std::string> started;
  std::vector<double> fractions;
  opt.started = [&](const std::string& label) { started.push_back(label); };
  opt.progress = [&](double f) { fractions.push_back(f); };
  auto runs = run_variants(variants, opt);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 4u);
  const char* policies[] = {"fifo", "las", "fair", "fifo"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*runs)[i].label, variants[i].label);
    EXPECT_EQ((*runs)[i].report["policy"], policies[i]) << i;
    EXPECT_TRUE(variants[i].scenario.trace.jobs.empty()) << "freed once run";
  }
  EXPECT_EQ((*runs)[0].metrics.finished, (*runs)[3].metrics.finished);
  EXPECT_EQ((*runs)[0].metrics.jct.avg, (*runs)[3].metrics.jct.avg) << "the same variant twice: the same run";
  EXPECT_EQ(started.size(), 4u);
  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0) << "all variants done";
  for (double f : fractions) EXPECT_TRUE(f >= 0 && f <= 1) << f;
}

TEST(CompareRun, ThreadsAreBoundedByJobsAndVariants) {
  EXPECT_EQ(compare_threads(1, 5), 1u);
  EXPECT_EQ(compare_threads(3, 2), 2u) << "never more threads than variants";
  EXPECT_EQ(compare_threads(8, 8), 8u);
  EXPECT_GE(compare_threads(0, 64), 1u) << "0: one per core";
  EXPECT_EQ(compare_threads(4, 0), 1u);
}

}  // namespace
}  // namespace hexa
