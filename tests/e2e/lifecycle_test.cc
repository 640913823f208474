// End to end: a real server and real agents on loopback run real processes: submit, run,
// finish, logs, cancel, time limit, preemption, quota and credit refusals, the statement.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

bool state_is(const Json& j, const char* s) { return j.is_object() && j.value("state", "") == s; }
bool ended_state(const Json& j) {
  return j.is_object() && !state_is(j, "pending") && !state_is(j, "running") && j.contains("state");
}

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud = LiveCloud::start(small_cloud(2, 2), {"--stop-grace-s", "1"});
    ASSERT_TRUE(cloud);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
    acme = cloud->token("member", "acme");
    cloud->start_agent("n0", 2);
    cloud->start_agent("n1", 2);
    ASSERT_TRUE(cloud->wait_node_up("n0"));
    ASSERT_TRUE(cloud->wait_node_up("n1"));
  }
  std::int64_t submit(Json body, int expect = 201) {
    Answer a = cloud->call("POST", "/v1/jobs", body, acme);
    EXPECT_EQ(a.status, expect) << a.body;
    return a.json.is_object() ? a.json.value("id", std::int64_t{-1}) : -1;
  }
  std::unique_ptr<LiveCloud> cloud;
  std::string acme;
};

TEST_F(Lifecycle, ARealJobRunsFinishesAndIsCharged) {
  std::int64_t id = submit({{"gpus", 2}, {"time_limit_s", 600},
                            {"command", {"sh", "-c", "echo hello from $HEXA_JOB_ID on $CUDA_VISIBLE_DEVICES; echo oops >&2"}}});
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); });
  ASSERT_TRUE(state_is(job, "finished")) << job.dump();
  EXPECT_EQ(job["exit_code"], 0);
  EXPECT_EQ(job["nodes"].size(), 1u);
  Answer out = cloud->call("GET", "/v1/jobs/" + std::to_string(id) + "/logs", nullptr, acme);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "hello from " + std::to_string(id) + " on 0,1\n");
  EXPECT_EQ(out.headers["x-hexa-job-state"], "finished");
  Answer err = cloud->call("GET", "/v1/jobs/" + std::to_string(id) + "/logs?stream=stderr", nullptr, acme);
  EXPECT_EQ(err.body, "oops\n");
  // Charged: the statement has a line for its run, and the balance says it was consumed.
  Answer st = cloud->call("GET", "/v1/tenants/acme/statement?format=json", nullptr, acme);
  ASSERT_EQ(st.status, 200) << st.body;
  ASSERT_EQ(st.json["jobs"].size(), 1u) << st.body;
  EXPECT_EQ(st.json["jobs"][0]["job"], job["name"]);
  Answer bal = cloud->call("GET", "/v1/tenants/acme/balance", nullptr, acme);
  EXPECT_GT(bal.json["consumed_micro"].get<std::int64_t>(), 0);
  EXPECT_EQ(bal.json["consumed_micro"], job["credits_micro"]);
}

TEST_F(Lifecycle, AFailingJobIsFailedWithItsExitCode) {
  std::int64_t id = submit({{"command", {"sh", "-c", "exit 3"}}});
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); });
  EXPECT_TRUE(state_is(job, "failed")) << job.dump();
  EXPECT_EQ(job["exit_code"], 3);
  EXPECT_EQ(job["reason"], "failed: exit code 3");
}

// The job prints its pid: cancel kills that process.
TEST_F(Lifecycle, CancelStopsTheRunningProcess) {
  std::int64_t id = submit({{"command", {"sh", "-c", "echo $$; exec sleep 60"}}});
  Json job = cloud->wait_job(id, [](const Json& j) { return state_is(j, "running"); });
  ASSERT_TRUE(state_is(job, "running")) << job.dump();
  pid_t pid = 0;
  for (int i = 0; i < 200 && pid == 0; ++i, std::this_thread::sleep_for(25ms)) {
    std::string log = cloud->call("GET", "/v1/jobs/" + std::to_string(id) + "/logs", nullptr, acme).body;
    if (!log.empty() && log.back() == '\n') pid = std::stoi(log);
  }
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, 0), 0) << "the job's process runs";
  Answer a = cloud->call("DELETE", "/v1/jobs/" + std::to_string(id), nullptr, acme);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["state"], "cancelled");
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i, std::this_thread::sleep_for(25ms)) gone = ::kill(pid, 0) != 0;
  EXPECT_TRUE(gone) << "the job's process still runs after cancel";
  EXPECT_EQ(cloud->call("DELETE", "/v1/jobs/" + std::to_string(id), nullptr, acme).status, 409) << "already ended";
}

TEST_F(Lifecycle, AJobOverItsTimeLimitIsStopped) {
  std::int64_t id = submit({{"time_limit_s", 1}, {"command", {"sleep", "60"}}});
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 20s);
  EXPECT_TRUE(state_is(job, "timeout")) << job.dump();
  EXPECT_LE(job["run_ms"].get<std::int64_t>(), 2000) << "stopped at its limit";
}

TEST_F(Lifecycle, AHigherPriorityJobPreemptsALowerOne) {
  std::int64_t low = submit({{"gpus", 2}, {"priority", 0}, {"command", {"sleep", "60"}}});
  std::int64_t low2 = submit({{"gpus", 2}, {"priority", 0}, {"command", {"sleep", "60"}}});
  cloud->wait_job(low, [](const Json& j) { return state_is(j, "running"); });
  cloud->wait_job(low2, [](const Json& j) { return state_is(j, "running"); });
  std::int64_t high = submit({{"gpus", 2}, {"priority", 10}, {"command", {"sleep", "60"}}});
  Json h = cloud->wait_job(high, [](const Json& j) { return state_is(j, "running"); });
  ASSERT_TRUE(state_is(h, "running")) << h.dump();
  Json a = cloud->as_admin("GET", "/v1/jobs/" + std::to_string(low)).json;
  Json b = cloud->as_admin("GET", "/v1/jobs/" + std::to_string(low2)).json;
  EXPECT_EQ(a["restarts"].get<int>() + b["restarts"].get<int>(), 1) << "exactly one of them made room";
  EXPECT_TRUE(state_is(a, "pending") || state_is(b, "pending"));
}

// An agent that stops takes its node away: what ran there goes back to the queue (and runs on
// the other node), it does not end as "killed by signal 15".
TEST(LifecycleAgents, AStoppingAgentRequeuesItsJobs) {
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--stop-grace-s", "1"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  pid_t n0 = cloud->start_agent("n0", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0"));
  Answer a = cloud->as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"gpus", 2}, {"command", {"sleep", "60"}}});
  ASSERT_EQ(a.status, 201) << a.body;
  const std::int64_t id = a.json["id"];
  ASSERT_TRUE(state_is(cloud->wait_job(id, [](const Json& j) { return state_is(j, "running"); }), "running"));
  cloud->stop_agent(n0, SIGTERM);
  Json job = cloud->wait_job(id, [](const Json& j) { return j.value("restarts", 0) == 1; }, 10s);
  EXPECT_TRUE(state_is(job, "pending")) << job.dump();
  Answer nodes = cloud->as_admin("GET", "/v1/nodes");
  EXPECT_EQ(nodes.json["nodes"][0]["state"], "down") << nodes.body;
  cloud->start_agent("n1", 2);
  job = cloud->wait_job(id, [](const Json& j) { return state_is(j, "running"); });
  EXPECT_EQ(job["nodes"], Json::array({"n1"})) << job.dump();
}

TEST_F(Lifecycle, QuotaAndCreditRefusalsSayWhy) {
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "capped"}, {"quotas", {{{"max_gpus", 1}}}}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/capped/grants", {{"credits_micro", 100'000'000}}).status, 201);
  Answer q = cloud->call("POST", "/v1/jobs", {{"gpus", 2}, {"command", {"true"}}}, cloud->token("member", "capped"));
  ASSERT_EQ(q.status, 201) << q.body;
  EXPECT_EQ(q.json["state"], "rejected");
  EXPECT_NE(q.json["reason"].get<std::string>().find("quota"), std::string::npos) << q.body;
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "broke"}}).status, 201);
  Answer c = cloud->call("POST", "/v1/jobs", {{"command", {"true"}}}, cloud->token("member", "broke"));
  ASSERT_EQ(c.status, 201) << c.body;
  Json job = cloud->wait_job(c.json["id"], [](const Json& j) { return j.value("reason", "").starts_with("credits:"); }, 5s);
  EXPECT_TRUE(state_is(job, "pending")) << job.dump();
  EXPECT_EQ(job["reason"].get<std::string>().rfind("credits:", 0), 0u) << job.dump();
}

TEST_F(Lifecycle, TheCliSubmitsAndShows) {
  std::string out, err;
  ASSERT_EQ(cloud->hexa({"submit", "--gpus", "1", "--time", "5m", "--", "echo", "cli"}, acme, &out, &err), 0) << err;
  const std::int64_t id = std::stoll(out);
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); });
  EXPECT_TRUE(state_is(job, "finished")) << job.dump();
  ASSERT_EQ(cloud->hexa({"show", std::to_string(id), "--json"}, acme, &out, &err), 0) << err;
  EXPECT_EQ(Json::parse(out)["state"], "finished");
  ASSERT_EQ(cloud->hexa({"logs", std::to_string(id)}, acme, &out, &err), 0) << err;
  EXPECT_EQ(out, "cli\n");
  ASSERT_EQ(cloud->hexa({"queue", "--all", "--json"}, acme, &out, &err), 0) << err;
  EXPECT_EQ(Json::parse(out).size(), 1u);
  EXPECT_EQ(cloud->hexa({"submit", "--gpus", "0", "--", "true"}, acme, &out, &err), 2);
  EXPECT_NE(err.find("gpus"), std::string::npos) << err;
}

}  // namespace
}  // namespace hexa::testing
