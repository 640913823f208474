// End to end, draining: `hexa nodes drain NODE [--reason] [--deadline]` and `resume`. With a
// deadline, what still runs there then is requeued and runs elsewhere; without one, it
// finishes there and nothing new starts there. The reason and the deadline survive a restart
// of the server.
#include <signal.h>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

class Drain : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud = LiveCloud::start(small_cloud(2, 2), {"--stop-grace-s", "1", "--node-grace-s", "30"});
    ASSERT_TRUE(cloud);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
    acme = cloud->token("member", "acme");
    op = cloud->token("operator");
    cloud->start_agent("n0", 2);
    cloud->start_agent("n1", 2);
    ASSERT_TRUE(cloud->wait_node_up("n0"));
    ASSERT_TRUE(cloud->wait_node_up("n1"));
  }
  std::int64_t submit(const Json& command) {
    Answer a = cloud->call("POST", "/v1/jobs", {{"gpus", 2}, {"time_limit_s", 600}, {"command", command}}, acme);
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json.is_object() ? a.json.value("id", std::int64_t{-1}) : -1;
  }
  Json running(std::int64_t id) {
    return cloud->wait_job(id, [](const Json& j) { return state_is(j, "running"); });
  }
  Json node(const std::string& name) {
    const Answer a = cloud->as_admin("GET", "/v1/nodes");
    for (const Json& n : a.json["nodes"])
      if (n["name"] == name) return n;
    return nullptr;
  }
  static std::string other(const std::string& n) { return n == "n0" ? "n1" : "n0"; }
  std::unique_ptr<LiveCloud> cloud;
  std::string acme, op;
};

TEST_F(Drain, AtTheDeadlineWhatRunsThereIsRequeuedAndRunsElsewhere) {
  const std::int64_t id = submit({"sh", "-c", "echo $$; exec sleep 120"});
  Json job = running(id);
  ASSERT_TRUE(state_is(job, "running")) << job.dump();
  const std::string busy = job["nodes"][0];
  const pid_t first = logged_pid(*cloud, id, 0, acme);
  ASSERT_GT(first, 0);
  std::string out, err;
  ASSERT_EQ(cloud->hexa({"nodes", "drain", busy, "--reason", "DIMM swap", "--deadline", "2s"}, op, &out, &err), 0) << err;
  EXPECT_EQ(out, "node " + busy + ": draining (DIMM swap); jobs still running in 2s are requeued\n");
  Json n = node(busy);
  EXPECT_EQ(n["state"], "draining");
  EXPECT_EQ(n["drain_reason"], "DIMM swap");
  EXPECT_TRUE(n["drain_deadline_ms"].is_number_integer()) << n.dump();
  EXPECT_TRUE(state_is(cloud->as_admin("GET", "/v1/jobs/" + std::to_string(id)).json, "running")) << "not before the deadline";
  // Requeued at the deadline (its process stopped) and run again on the other node.
  job = cloud->wait_job(id, [](const Json& j) { return state_is(j, "running") && j.value("segment", 0) == 2; }, 20s);
  ASSERT_TRUE(state_is(job, "running")) << job.dump() << "\n" << cloud->server_log();
  EXPECT_EQ(job["restarts"], 1);
  EXPECT_EQ(job["nodes"], Json::array({other(busy)}));
  EXPECT_TRUE(gone(first)) << "the requeued segment's process still runs";
  ASSERT_EQ(cloud->hexa({"nodes"}, op, &out, &err), 0) << err;
  EXPECT_NE(out.find("REASON"), std::string::npos) << out;
  EXPECT_NE(out.find("DIMM swap"), std::string::npos) << out;
  // Resumed: up, and the reason is gone.
  ASSERT_EQ(cloud->hexa({"nodes", "resume", busy}, op, &out, &err), 0) << err;
  EXPECT_EQ(out, "node " + busy + ": up\n");
  n = node(busy);
  EXPECT_EQ(n["state"], "up");
  EXPECT_TRUE(n["drain_reason"].is_null());
  EXPECT_TRUE(n["drain_deadline_ms"].is_null());
  ASSERT_EQ(cloud->call("DELETE", "/v1/jobs/" + std::to_string(id), nullptr, acme).status, 200);
}

TEST_F(Drain, WithoutADeadlineTheJobFinishesThereAndNothingNewStarts) {
  const std::int64_t a = submit({"sh", "-c", "sleep 3; echo done"});
  Json job = running(a);
  ASSERT_TRUE(state_is(job, "running")) << job.dump();
  const std::string busy = job["nodes"][0];
  std::string out, err;
  ASSERT_EQ(cloud->hexa({"nodes", "drain", busy}, op, &out, &err), 0) << err;
  EXPECT_EQ(out, "node " + busy + ": draining\n");
  ASSERT_EQ(cloud->hexa({"nodes", "drain", other(busy), "--reason", "rack move"}, op, &out, &err), 0) << err;
  const std::int64_t b = submit({"true"});
  job = cloud->wait_job(a, [](const Json& j) { return ended_state(j); }, 20s);
  EXPECT_TRUE(state_is(job, "finished")) << job.dump();
  EXPECT_EQ(job["restarts"], 0) << "it ran to its end where it was";
  EXPECT_EQ(job["nodes"], Json::array({busy}));
  std::this_thread::sleep_for(1s);  // a pass or ten after its GPUs came free
  Json waiting = cloud->as_admin("GET", "/v1/jobs/" + std::to_string(b)).json;
  EXPECT_TRUE(state_is(waiting, "pending")) << "nothing new starts on a draining node: " << waiting.dump();
  ASSERT_EQ(cloud->hexa({"nodes", "resume", busy}, op, &out, &err), 0) << err;
  job = cloud->wait_job(b, [](const Json& j) { return ended_state(j); }, 20s);
  EXPECT_TRUE(state_is(job, "finished")) << job.dump();
  EXPECT_EQ(job["nodes"], Json::array({busy}));
  EXPECT_EQ(node(other(busy))["drain_reason"], "rack move");
}

TEST_F(Drain, BadRequestsAreRefusedAndChangeNothing) {
  std::string out, err;
  EXPECT_EQ(cloud->hexa({"nodes", "drain", "nope"}, op, &out, &err), 2);
  EXPECT_EQ(err, "hexa: node: no node named 'nope' in the cluster (HTTP 404)\n");
  EXPECT_EQ(cloud->hexa({"nodes", "drain", "n0", "--deadline", "soon"}, op, &out, &err), 2);
  EXPECT_NE(err.find("--deadline"), std::string::npos) << err;
  EXPECT_EQ(cloud->hexa({"nodes", "drain", "n0"}, acme, &out, &err), 2) << "a member may not drain";
  EXPECT_NE(err.find("403"), std::string::npos) << err;
  Answer a = cloud->call("POST", "/v1/nodes/n0/drain", {{"deadline_s", -1}}, op);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.json["field"], "deadline_s") << a.body;
  a = cloud->call("POST", "/v1/nodes/n0/drain", {{"why", "x"}}, op);
  EXPECT_EQ(a.status, 400) << a.body;
  a = cloud->call("POST", "/v1/nodes/n0/drain", {{"reason", std::string(2000, 'x')}}, op);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.json["field"], "reason") << a.body;
  a = cloud->call("POST", "/v1/nodes/n0/resume", {{"reason", "x"}}, op);
  EXPECT_EQ(a.status, 400) << "resume takes no body";
  EXPECT_EQ(node("n0")["state"], "up");
  EXPECT_EQ(node("n1")["state"], "up");
  EXPECT_TRUE(node("n0")["drain_reason"].is_null());
}

// The reason and the deadline are journaled: a server killed (SIGKILL) and started again keeps
// them, and requeues at the deadline what still runs there (the node's agent has its grace).
TEST_F(Drain, TheReasonAndTheDeadlineSurviveARestart) {
  const std::int64_t id = submit({"sleep", "120"});
  Json job = running(id);
  ASSERT_TRUE(state_is(job, "running")) << job.dump();
  const std::string busy = job["nodes"][0];
  Answer a = cloud->call("POST", "/v1/nodes/" + busy + "/drain", {{"reason", "firmware"}, {"deadline_s", 4}}, op);
  ASSERT_EQ(a.status, 200) << a.body;
  const Json deadline = a.json["drain_deadline_ms"];
  ASSERT_TRUE(deadline.is_number_integer()) << a.body;
  cloud->kill_server(SIGKILL);
  ASSERT_TRUE(cloud->restart_server());
  Json n = node(busy);
  EXPECT_EQ(n["state"], "draining");
  EXPECT_EQ(n["drain_reason"], "firmware");
  EXPECT_EQ(n["drain_deadline_ms"], deadline);
  // The agents still talk to the old address: what runs there is requeued by the deadline,
  // well before their grace (30 s) could lose the node.
  job = cloud->wait_job(id, [](const Json& j) { return j.value("restarts", 0) == 1; }, 20s);
  EXPECT_EQ(job["restarts"], 1) << job.dump();
  EXPECT_NE(cloud->server_log().find("node " + busy + ": drain deadline passed"), std::string::npos) << cloud->server_log();
  // A clean stop writes a snapshot: the next start has them from there.
  cloud->kill_server(SIGTERM);
  ASSERT_TRUE(cloud->restart_server());
  EXPECT_NE(cloud->server_log().find("restored the snapshot"), std::string::npos) << cloud->server_log();
  n = node(busy);
  EXPECT_EQ(n["drain_reason"], "firmware");
  EXPECT_EQ(n["drain_deadline_ms"], deadline);
}

}  // namespace
}  // namespace hexa::testing
