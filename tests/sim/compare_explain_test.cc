// The explained comparison (sim/compare_explain.h) on small scenarios whose differences are
// known by construction: who gains or loses finished jobs, and which mechanism moved them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/compare_explain.h"
#include "sim/scenario.h"
#include "sim/scenario_override.h"
#include "sim/simulator.h"
#include "test_files.h"

namespace hexa {
namespace {

// One node of 8 GPUs. "poor" (a start-up) asks for ten 1-GPU jobs of one hour (limit one hour)
// at 1 credit per GPU-hour; "rich" (a company) for eight 1-GPU jobs of four hours. Both are
// granted credits; poor's grant is the knob.
const char* kTrace = R"(id,tenant,submit_ms,gpus,gpu_type,duration_ms,time_limit_ms
r1,rich,0,1,H100,14400000,14400000
r2,rich,0,1,H100,14400000,14400000
r3,rich,0,1,H100,14400000,14400000
r4,rich,0,1,H100,14400000,14400000
r5,rich,0,1,H100,14400000,14400000
r6,rich,0,1,H100,14400000,14400000
r7,rich,0,1,H100,14400000,14400000
r8,rich,0,1,H100,14400000,14400000
p1,poor,0,1,H100,3600000,3600000
p2,poor,0,1,H100,3600000,3600000
p3,poor,0,1,H100,3600000,3600000
p4,poor,0,1,H100,3600000,3600000
p5,poor,0,1,H100,3600000,3600000
p6,poor,0,1,H100,3600000,3600000
p7,poor,0,1,H100,3600000,3600000
p8,poor,0,1,H100,3600000,3600000
p9,poor,0,1,H100,3600000,3600000
p10,poor,0,1,H100,3600000,3600000
)";

const char* kMoney = R"(name: explain-credits
seed: 1
cluster:
  sites:
    - name: s0
      blocks:
        - {count: 1, nodes: 1, gpus_per_node: 8, gpu_type: H100}
scheduler: {policy: fifo}
tenants:
  - {name: rich, class: company}
  - {name: poor, class: startup}
workload:
  trace: {path: jobs.csv, format: hexa}
credits:
  prices:
    - {gpu_type: H100, credits_per_gpu_hour: 1.0}
  grants:
    - {tenant: rich, programme: p, credits: 1000, start_day: 0, expiry_day: 30}
    - {tenant: poor, programme: p, credits: 3, start_day: 0, expiry_day: 30}
)";

VariantRun run(const std::string& scenario, const std::string& knob) {
  std::vector<Override> sets;
  if (!knob.empty()) {
    auto o = parse_override("--compare", knob);
    EXPECT_TRUE(o.ok()) << o.status().message();
    sets.push_back(*o);
  }
  auto sc = load_scenario(scenario, std::nullopt, sets);
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  VariantRun v{knob.empty() ? "base" : knob, compute_metrics(*r), r->credits_on, {}};
  v.report = report_json(*r, v.metrics, -1);
  return v;
}

const GroupShift* find(const std::vector<GroupShift>& v, const std::string& name) {
  for (const GroupShift& g : v)
    if (g.name == name) return &g;
  return nullptr;
}

// poor's 3 credits cover three one-hour jobs: the other seven wait on credits forever. With 20
// credits all ten finish: poor (class startup) gains 7 jobs, rich and its class move by none,
// and the mechanism is credits: one tenant no longer runs out.
TEST(CompareExplain, ATenantWhoseCreditsLastGainsTheJobsAndCreditsAreTheReason) {
  testing::write("jobs.csv", kTrace);
  const std::string path = testing::write("money.yaml", kMoney);
  const std::vector<VariantRun> runs = {run(path, "credits.grants.1.credits=3"), run(path, "credits.grants.1.credits=20")};
  ASSERT_EQ(runs[0].metrics.finished, 11);
  ASSERT_EQ(runs[1].metrics.finished, 18);
  const Explanation e = explain(runs[0], runs[1]);
  EXPECT_EQ(e.finished_b - e.finished_a, 7);
  const GroupShift* startup = find(e.classes, "startup");
  const GroupShift* company = find(e.classes, "company");
  ASSERT_TRUE(startup && company);
  EXPECT_EQ(startup->finished_delta(), 7);
  EXPECT_EQ(startup->ran_out_count_a, 1);
  EXPECT_EQ(startup->ran_out_count_b, 0);
  EXPECT_NEAR(startup->credits_b - startup->credits_a, 7.0, 1e-6) << "seven more GPU-hours at 1 credit";
  EXPECT_EQ(company->finished_delta(), 0);
  ASSERT_EQ(e.gainers.size(), 1u);
  EXPECT_EQ(e.gainers[0].name, "poor");
  EXPECT_EQ(e.gainers[0].cls, "startup");
  EXPECT_GE(e.gainers[0].ran_out_a, 0);
  EXPECT_LT(e.gainers[0].ran_out_b, 0);
  EXPECT_TRUE(e.losers.empty());
  ASSERT_FALSE(e.mechanisms.empty());
  EXPECT_EQ(e.mechanisms[0].name, "credits");
  EXPECT_NE(e.mechanisms[0].words.find("1 tenants ran out of credits later or not at all (+7 finished jobs"),
            std::string::npos)
      << e.mechanisms[0].words;
  EXPECT_NE(e.mechanisms[0].words.find("jobs held back by credits 7 -> 0"), std::string::npos) << e.mechanisms[0].words;

  const std::string text = explain_text(runs);
  EXPECT_NE(text.find("gains most: poor (startup): +7 jobs"), std::string::npos) << text;
  EXPECT_NE(text.find("no longer ran out of credits"), std::string::npos) << text;
  EXPECT_NE(text.find("why, credits:"), std::string::npos) << text;
  const auto j = compare_json("credits.grants.1.credits", runs);
  ASSERT_TRUE(j.contains("explain"));
  EXPECT_EQ(j["explain"][0]["gainers"][0]["name"], "poor");
  EXPECT_EQ(j["explain"][0]["mechanisms"][0]["name"], "credits");
}

// Two identical runs: nothing parts, and the explanation says so.
TEST(CompareExplain, IdenticalVariantsHaveNoMovesAndNoMechanism) {
  testing::write("jobs.csv", kTrace);
  const std::string path = testing::write("money.yaml", kMoney);
  const std::vector<VariantRun> runs = {run(path, ""), run(path, "seed=1")};
  const Explanation e = explain(runs[0], runs[1]);
  EXPECT_TRUE(e.gainers.empty());
  EXPECT_TRUE(e.losers.empty());
  EXPECT_TRUE(e.mechanisms.empty());
  EXPECT_NE(explain_text(runs).find("no mechanism moved"), std::string::npos);
}

// ---- the Mulhouse question (docs/simulator.md, "Fewer GPUs, more jobs finished") -------------
// A tenant whose grant cannot pay for all its jobs: which jobs the money pays for depends on
// the order they start in, and capacity changes that order. One tenant, 10 credits at 1 credit
// per GPU-hour; at t = 0 one 8-GPU job of an hour (8 credits), then ten 1-GPU jobs of an hour
// (1 credit each). Site "old" has 4 GPUs; site "new" 8, online from day `online_day`.
//   new open at once: the big job starts on "new" (holds 8), two small ones on "old" (2); the
//     money is spent: 3 jobs finish, 8 wait on credits forever.
//   new open on day 1: the big job cannot start; the small ones backfill on "old", four at a
//     time, and spend the 10 credits; on day 1 the big one cannot be paid for: 10 jobs finish.
// Same money spent, same GPU-hours, 7 more jobs finished with fewer GPUs for longer.
const char* kShortOfMoney = R"(id,tenant,submit_ms,gpus,gpu_type,duration_ms,time_limit_ms
big,t,0,8,H100,3600000,3600000
s1,t,0,1,H100,3600000,3600000
s2,t,0,1,H100,3600000,3600000
s3,t,0,1,H100,3600000,3600000
s4,t,0,1,H100,3600000,3600000
s5,t,0,1,H100,3600000,3600000
s6,t,0,1,H100,3600000,3600000
s7,t,0,1,H100,3600000,3600000
s8,t,0,1,H100,3600000,3600000
s9,t,0,1,H100,3600000,3600000
s10,t,0,1,H100,3600000,3600000
)";

const char* kLateSite = R"(name: late-site
seed: 1
cluster:
  sites:
    - name: old
      blocks:
        - {count: 1, nodes: 1, gpus_per_node: 4, gpu_type: H100}
    - name: new
      online_day: 0
      blocks:
        - {count: 1, nodes: 1, gpus_per_node: 8, gpu_type: H100}
scheduler: {policy: fair}
tenants:
  - {name: t, class: startup}
workload:
  trace: {path: jobs.csv, format: hexa}
credits:
  prices:
    - {gpu_type: H100, credits_per_gpu_hour: 1.0}
  grants:
    - {tenant: t, programme: p, credits: 10, start_day: 0, expiry_day: 30}
)";

TEST(CompareExplain, MulhouseQuestionFewerGpusForLongerFinishMoreJobsOfATenantShortOfMoney) {
  testing::write("jobs.csv", kShortOfMoney);
  const std::string path = testing::write("late.yaml", kLateSite);
  const std::vector<VariantRun> runs = {run(path, "cluster.sites.new.online_day=0"),
                                        run(path, "cluster.sites.new.online_day=1")};
  EXPECT_EQ(runs[0].metrics.finished, 3);
  EXPECT_EQ(runs[1].metrics.finished, 10);
  EXPECT_NEAR(runs[0].metrics.credits_consumed, 10.0, 1e-6);
  EXPECT_NEAR(runs[1].metrics.credits_consumed, 10.0, 1e-6) << "the same money, spent on other jobs";
  EXPECT_NEAR(runs[0].metrics.gpu_hours, runs[1].metrics.gpu_hours, 1e-6) << "the same GPU time";
  const Explanation e = explain(runs[0], runs[1]);
  ASSERT_EQ(e.gainers.size(), 1u);
  EXPECT_EQ(e.gainers[0].name, "t");
  EXPECT_EQ(e.gainers[0].finished_delta(), 7);
  EXPECT_DOUBLE_EQ(e.gainers[0].ran_out_a, 0.0) << "short at once: the big job took 8 of the 10 credits";
  EXPECT_DOUBLE_EQ(e.gainers[0].ran_out_b, 86400.0) << "short on day 1, when the big job could start";
  ASSERT_EQ(e.mechanisms.size(), 1u) << "neither capacity used nor prices moved: credits alone";
  EXPECT_EQ(e.mechanisms[0].name, "credits");
  EXPECT_NE(e.mechanisms[0].words.find("1 tenants ran out of credits later or not at all (+7 finished jobs"),
            std::string::npos)
      << e.mechanisms[0].words;
}

}  // namespace
}  // namespace hexa
