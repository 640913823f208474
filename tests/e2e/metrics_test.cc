// /metrics of a live server that ran a few jobs, checked by Prometheus' own linter
// (`promtool check metrics`, Debian's prometheus package; docs/observability.md): names, units,
// _total counters, HELP and TYPE for every family. Every family of metric_families() (the list
// the Grafana dashboard is checked against, tests/server/metrics_test.cc) is exported.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "server/metrics.h"

namespace hexa::testing {
namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";

// promtool's verdict on a metrics page: its exit code, and what it said.
int promtool_check(const std::string& dir, const std::string& page, std::string* said) {
  const std::string file = dir + "/metrics.txt";
  std::ofstream(file, std::ios::binary) << page;
  std::string out, err;
  const int rc = run_program({"/bin/sh", "-c", std::string(kPromtool) + " check metrics < '" + file + "'"}, {}, &out, &err);
  *said = out + err;
  return rc;
}

bool promtool_here() {
  if (::access(kPromtool, X_OK) == 0) return true;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true")
    ADD_FAILURE() << kPromtool << " is missing: install Debian's prometheus package (scripts/setup.sh does)";
  return false;
}

TEST(Metrics, PromtoolFindsNoProblemAfterJobs) {
  if (!promtool_here()) GTEST_SKIP() << kPromtool << " is missing (Debian's prometheus package)";
  auto cloud = LiveCloud::start(small_cloud(2, 2));
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 1'000'000'000}}).status, 201);
  const std::string member = cloud->token("member", "acme");
  cloud->start_agent("n0", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0")) << cloud->agent_log("n0");
  std::vector<std::int64_t> ended;
  for (const char* cmd : {"true", "false"}) {
    Answer a = cloud->call("POST", "/v1/jobs", {{"command", {"sh", "-c", cmd}}}, member);
    ASSERT_EQ(a.status, 201) << a.body;
    ended.push_back(a.json["id"]);
  }
  Answer running = cloud->call("POST", "/v1/jobs", {{"command", {"sleep", "60"}}, {"gpus", 2}}, member);
  ASSERT_EQ(running.status, 201) << running.body;
  Answer pending = cloud->call("POST", "/v1/jobs", {{"command", {"true"}}, {"gpus", 2}, {"site", "site0"}}, member);
  ASSERT_EQ(pending.status, 201) << pending.body;
  for (std::int64_t id : ended) ASSERT_TRUE(ended_state(cloud->wait_job(id, ended_state)));
  ASSERT_TRUE(state_is(cloud->wait_job(running.json["id"], [](const Json& j) { return state_is(j, "running"); }), "running"));

  const std::string page = cloud->call("GET", "/metrics").body;
  std::string said;
  EXPECT_EQ(promtool_check(cloud->dir(), page, &said), 0) << said << "\n" << page;
  EXPECT_EQ(said, "") << page;
  for (const MetricFamily& f : metric_families())
    EXPECT_NE(page.find("# TYPE " + std::string(f.name) + " " + f.type + "\n"), std::string::npos) << f.name << "\n" << page;
  // What the jobs did shows.
  EXPECT_NE(page.find("hexa_jobs{state=\"running\",tenant_class=\"organisation\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("hexa_jobs{state=\"pending\",tenant_class=\"organisation\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("hexa_queue_length{site=\"site0\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("hexa_gpus{site=\"site0\",state=\"busy\"} 2\n"), std::string::npos) << page;
  EXPECT_NE(page.find("hexa_gpus{site=\"site0\",state=\"down\"} 2\n"), std::string::npos) << page;  // n1: no agent
  EXPECT_NE(page.find("hexa_jobs_ended_total{state=\"finished\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("hexa_jobs_ended_total{state=\"failed\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("hexa_agents_registered 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("hexa_agent_heartbeat_age_seconds{node=\"n0\"} "), std::string::npos) << page;
  EXPECT_TRUE(std::regex_search(page, std::regex("\nhexa_build_info\\{version=\"[0-9.]+\"\\} 1\n"))) << page;
  EXPECT_TRUE(std::regex_search(page, std::regex("\nhexa_api_requests_total\\{route=\"/v1/jobs\",code=\"201\"\\} 4\n"))) << page;
  EXPECT_TRUE(std::regex_search(page, std::regex("\nhexa_credits_consumed_total\\{tenant_class=\"organisation\"\\} [0-9.e-]+\n")))
      << page;
}

// The linter is strict, so the test above can fail: a counter without _total and a family
// without HELP are problems.
TEST(Metrics, PromtoolRefusesBadNames) {
  if (!promtool_here()) GTEST_SKIP() << kPromtool << " is missing (Debian's prometheus package)";
  char tmpl[] = "/tmp/hexa-promtool-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string said;
  EXPECT_NE(promtool_check(tmpl, "# HELP hexa_requests x\n# TYPE hexa_requests counter\nhexa_requests 1\n", &said), 0);
  EXPECT_NE(said.find("_total"), std::string::npos) << said;
  EXPECT_NE(promtool_check(tmpl, "# TYPE hexa_x_total counter\nhexa_x_total 1\n", &said), 0) << said;
  ::unlink((std::string(tmpl) + "/metrics.txt").c_str());
  ::rmdir(tmpl);
}

TEST(Metrics, SampleScrapeConfigIsValid) {
  if (!promtool_here()) GTEST_SKIP() << kPromtool << " is missing (Debian's prometheus package)";
  std::string out, err;
  EXPECT_EQ(run_program({kPromtool, "check", "config", HEXA_SOURCE_DIR "/deploy/prometheus.yml"}, {}, &out, &err), 0) << out << err;
}

}  // namespace
}  // namespace hexa::testing
