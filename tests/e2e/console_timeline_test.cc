// The job page's timeline end to end: a job requeued by a drain's deadline and resumed on the
// other node shows both run segments with their times and nodes, after a crash (replay of the
// journal), after a clean stop (the snapshot) and, once it ended, in its archived object.
#include <signal.h>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

TEST(ConsoleTimeline, ARequeuedJobShowsBothSegmentsAfterRestartsAndInTheArchive) {
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--stop-grace-s", "1", "--node-grace-s", "60"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  const std::string acme = cloud->token("member", "acme"), op = cloud->token("operator");
  cloud->start_agent("n0", 2);
  cloud->start_agent("n1", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0"));
  ASSERT_TRUE(cloud->wait_node_up("n1"));
  Answer a = cloud->call("POST", "/v1/jobs", {{"gpus", 2}, {"time_limit_s", 600}, {"command", {"sleep", "120"}}}, acme);
  ASSERT_EQ(a.status, 201) << a.body;
  const std::int64_t id = a.json["id"];
  Json job = cloud->wait_job(id, [](const Json& j) { return state_is(j, "running"); });
  ASSERT_TRUE(state_is(job, "running")) << job.dump();
  ASSERT_EQ(job["segments"].size(), 1u) << job.dump();
  const std::string first = job["nodes"][0], second = first == "n0" ? "n1" : "n0";
  ASSERT_EQ(cloud->call("POST", "/v1/nodes/" + first + "/drain", {{"deadline_s", 0}}, op).status, 200);
  job = cloud->wait_job(id, [](const Json& j) { return state_is(j, "running") && j.value("restarts", 0) == 1; });
  ASSERT_EQ(job["restarts"], 1) << job.dump();

  auto check = [&](const Json& j, const char* when) {
    const Json& s = j["segments"];
    ASSERT_EQ(s.size(), 2u) << when << ": " << j.dump();
    EXPECT_EQ(s[0]["segment"], 1) << when;
    EXPECT_EQ(s[0]["nodes"], Json::array({first})) << when;
    EXPECT_EQ(s[0]["how"], "requeued") << when;
    EXPECT_EQ(s[0]["started_ms"], j["started_ms"]) << when;
    EXPECT_GE(s[0]["ended_ms"].get<std::int64_t>(), s[0]["started_ms"].get<std::int64_t>()) << when;
    EXPECT_EQ(s[1]["segment"], 2) << when;
    EXPECT_EQ(s[1]["nodes"], Json::array({second})) << when;
    EXPECT_GE(s[1]["started_ms"].get<std::int64_t>(), s[0]["ended_ms"].get<std::int64_t>()) << when;
  };
  check(job, "live");
  EXPECT_TRUE(job["segments"][1]["ended_ms"].is_null());
  EXPECT_EQ(job["segments"][1]["how"], "running");
  const Json before = job["segments"];

  cloud->kill_server(SIGKILL);  // the journal is replayed: the segments are made again
  ASSERT_TRUE(cloud->restart_server_same_port());
  Answer g = cloud->call("GET", "/v1/jobs/" + std::to_string(id), nullptr, acme);
  ASSERT_EQ(g.status, 200) << g.body;
  check(g.json, "after a crash");
  EXPECT_EQ(g.json["segments"], before);

  cloud->kill_server(SIGTERM);  // a clean stop writes a snapshot: the next start reads them there
  ASSERT_TRUE(cloud->restart_server_same_port());
  EXPECT_NE(cloud->server_log().find("restored the snapshot"), std::string::npos) << cloud->server_log();
  g = cloud->call("GET", "/v1/jobs/" + std::to_string(id), nullptr, acme);
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.json["segments"], before);

  ASSERT_EQ(cloud->call("DELETE", "/v1/jobs/" + std::to_string(id), nullptr, acme).status, 200);
  job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); });
  check(job, "archived");
  EXPECT_EQ(job["segments"][1]["how"], "cancelled") << job.dump();
  EXPECT_EQ(job["segments"][1]["ended_ms"], job["ended_ms"]) << job.dump();
}

}  // namespace
}  // namespace hexa::testing
