// A run starts from the core its scenario's loader built (PreparedCore, sim/simulator.h) only
// when that core is exactly what the run would have built: the same run, state for state, and
// a fresh core whenever the knobs, tenants, set-up or trace changed since the load.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/scenario_override.h"
#include "test_files.h"

namespace hexa {
namespace {

// The France cloud over one day: declared tenants, learners in cohorts, start-ups, prices,
// grants, budgets and workshops, all of which the prepared core holds.
Scenario france_day() {
  std::vector<Override> shorter;
  for (const char* o : {"workload.startups.days=1", "learners.days=1"}) {
    auto parsed = parse_override("--set", o);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    shorter.push_back(*parsed);
  }
  auto sc = load_scenario(std::string(HEXA_SOURCE_DIR) + "/scenarios/france-2025.yaml", std::nullopt, shorter);
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

struct Outcome {
  SimResult result;
  std::unique_ptr<Core> core;  // the run's core, kept at its end
};

Outcome run(Scenario& sc, PreparedCore prepared) {
  Outcome out;
  sc.options.keep_core = &out.core;
  auto r = simulate(*sc.topology, sc.trace, sc.options, std::move(prepared));
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (r.ok()) out.result = std::move(r).value();
  return out;
}

std::string report_of(const SimResult& r) { return report_json(r, compute_metrics(r, MetricsDetail::kFull), -1).dump(); }

TEST(PreparedCore, TheLoadersCoreRunsExactlyAsAFreshOne) {
  Scenario sc = france_day();
  ASSERT_TRUE(sc.prepared.matches(*sc.topology, sc.trace, sc.options));
  const Core* loaders = sc.prepared.core.get();
  const std::size_t tenants = loaders->state().tenants.size();
  EXPECT_GT(tenants, sc.options.tenants.size()) << "the start-ups are tenants only the trace names";
  EXPECT_EQ(loaders->ledger().tenants().size(), tenants);
  // Before any event, the two cores are in the same state.
  auto fresh0 = Core::make(*sc.topology, sc.options.sched);
  ASSERT_TRUE(fresh0.ok());
  for (const AddTenant& t : sc.options.tenants) ASSERT_TRUE((*fresh0)->apply(t, 0).ok());
  for (const TraceJob& j : sc.trace.jobs) {
    if (!(*fresh0)->find_tenant(j.tenant)) {
      ASSERT_TRUE((*fresh0)->apply(AddTenant::root(j.tenant), 0).ok());
    }
  }
  for (const Command& c : sc.options.setup) ASSERT_TRUE((*fresh0)->apply(c, 0).ok());
  EXPECT_EQ((*fresh0)->digest(), loaders->digest());

  Outcome prepared = run(sc, std::move(sc.prepared));
  EXPECT_EQ(prepared.core.get(), loaders) << "the run started from the loader's core";
  Outcome fresh = run(sc, {});
  ASSERT_TRUE(prepared.core && fresh.core);
  EXPECT_GT(prepared.result.jobs.size(), 10'000u);
  EXPECT_EQ(prepared.core->digest(), fresh.core->digest());
  EXPECT_EQ(report_of(prepared.result), report_of(fresh.result));
}

TEST(PreparedCore, AChangedKnobSetUpOrTraceGetsAFreshCore) {
  Scenario sc = france_day();
  sc.options.sched.policy = "las";  // as --policy las does after the load
  EXPECT_FALSE(sc.prepared.matches(*sc.topology, sc.trace, sc.options));
  const Core* loaders = sc.prepared.core.get();
  Outcome las = run(sc, std::move(sc.prepared));
  EXPECT_NE(las.core.get(), loaders);
  EXPECT_EQ(las.result.policy, "las");

  Scenario other = france_day();
  ASSERT_TRUE(other.prepared.matches(*other.topology, other.trace, other.options));
  const std::vector<Command> setup = other.options.setup;
  other.options.setup.clear();  // as --no-credits does
  EXPECT_FALSE(other.prepared.matches(*other.topology, other.trace, other.options));
  other.options.setup = setup;
  other.options.tenants.pop_back();
  EXPECT_FALSE(other.prepared.matches(*other.topology, other.trace, other.options));
  other.options.tenants.push_back(sc.options.tenants.back());
  other.trace.jobs.pop_back();
  EXPECT_FALSE(other.prepared.matches(*other.topology, other.trace, other.options));
  other.trace.jobs.push_back(sc.trace.jobs.back());
  EXPECT_FALSE(other.prepared.matches(*sc.topology, other.trace, other.options)) << "another topology";
  EXPECT_TRUE(other.prepared.matches(*other.topology, other.trace, other.options));
}

TEST(PreparedCore, ATraceTenantItDoesNotHoldIsAnErrorNotAQuietDifference) {
  Scenario sc = france_day();
  sc.trace.jobs.back().tenant = "nobody-loaded-this-one";  // same count: matches() cannot see it
  ASSERT_TRUE(sc.prepared.matches(*sc.topology, sc.trace, sc.options));
  auto r = simulate(*sc.topology, sc.trace, sc.options, std::move(sc.prepared));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nobody-loaded-this-one"), std::string::npos) << r.status().message();
}

// The loader adds the trace's own tenants to its core, so a name the core refuses (a control
// character inside passes the trace's own checks) fails the load, naming the job, and nothing
// is run.
TEST(PreparedCore, ATraceTenantTheCoreRefusesFailsTheLoadNamingTheJob) {
  testing::write("jobs.csv", "id,tenant,submit_ms,gpus,gpu_type,duration_ms\nok-1,team,0,1,gpu,60000\nbad-2,te\x01am,0,1,gpu,60000\n");
  const std::string path = testing::write("s.yaml", "name: t\ncluster: 1x8\nworkload:\n  trace: {path: jobs.csv, format: hexa}\n");
  auto sc = load_scenario(path, std::nullopt);
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find(path + ": workload: job 'bad-2': "), std::string::npos) << sc.status().message();
  EXPECT_NE(sc.status().message().find("control characters"), std::string::npos) << sc.status().message();
}

}  // namespace
}  // namespace hexa
