// Nodes for real (docs/server.md, Node loss and fencing), end to end with real agents: a killed
// agent's node is lost within the grace and its job runs elsewhere; a frozen agent (SIGSTOP past
// the grace) kills its stale job as soon as it wakes, and the job is charged once per segment
// that ran; an agent cut off from its server stops its job before the server's grace ends, and
// only then does the job start elsewhere.
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"
#include "e2e/tcp_proxy.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Says when it starts and when SIGTERM comes (wall-clock ns), then runs until stopped.
constexpr const char* kMarked =
    R"sh(echo "start $$ $(date +%s%N)"; trap 'echo "term $$ $(date +%s%N)"; exit 143' TERM; while :; do sleep 0.1; done)sh";

struct Mark {
  pid_t pid = 0;
  std::int64_t start_ns = 0, term_ns = 0;
};

// What a segment's process wrote, in the agent's work dir on `node`.
Mark read_mark(const LiveCloud& c, const std::string& node, std::int64_t job, int segment) {
  std::ifstream in(c.dir() + "/work-" + node + "/jobs/" + std::to_string(job) + "-" + std::to_string(segment) + "/stdout.log");
  Mark m;
  std::string word;
  long pid = 0;
  std::int64_t ns = 0;
  while (in >> word >> pid >> ns) {
    m.pid = static_cast<pid_t>(pid);
    (word == "start" ? m.start_ns : m.term_ns) = ns;
  }
  return m;
}

// Waits (10 s at most) until the segment's process has said it started.
Mark wait_mark(const LiveCloud& c, const std::string& node, std::int64_t job, int segment) {
  Mark m = read_mark(c, node, job, segment);
  for (auto until = Clock::now() + 10s; Clock::now() < until && !m.start_ns; m = read_mark(c, node, job, segment))
    std::this_thread::sleep_for(20ms);
  return m;
}

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

bool running_on(const Json& j, const std::string& node, int segment) {
  return j.value("state", "") == "running" && j.value("segment", 0) == segment && j["nodes"] == Json::array({node});
}

class NodeLoss : public ::testing::Test {
 protected:
  // Grace 4 s, heartbeat 1 s: the fence is 2/3 of the grace. Lost work is not refunded, so that
  // every segment that ran is charged.
  void SetUp() override {
    cloud = LiveCloud::start(small_cloud(2, 2, "  refunds: {preemption_pct: 100, failure_pct: 0}\n"),
                             {"--node-grace-s", "4", "--heartbeat-s", "1", "--stop-grace-s", "1"});
    ASSERT_TRUE(cloud);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  }
  // A job running on n0 (its agent started here, via `url` when given), then n1's agent up.
  std::int64_t job_on_n0(const std::string& url = "") {
    n0 = cloud->start_agent("n0", 2, "gpu", {}, url);
    EXPECT_TRUE(cloud->wait_node_up("n0"));
    Answer a = cloud->as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"gpus", 2}, {"command", {"sh", "-c", kMarked}}});
    EXPECT_EQ(a.status, 201) << a.body;
    const std::int64_t id = a.json.value("id", std::int64_t{-1});
    EXPECT_TRUE(running_on(cloud->wait_job(id, [](const Json& j) { return running_on(j, "n0", 1); }), "n0", 1));
    wait_mark(*cloud, "n0", id, 1);
    n1 = cloud->start_agent("n1", 2);
    EXPECT_TRUE(cloud->wait_node_up("n1"));
    return id;
  }
  Json wait_on_n1(std::int64_t id) {
    Json job = cloud->wait_job(id, [](const Json& j) { return running_on(j, "n1", 2); }, 30s);
    EXPECT_TRUE(running_on(job, "n1", 2)) << job.dump() << "\n" << cloud->server_log();
    return job;
  }
  std::unique_ptr<LiveCloud> cloud;
  pid_t n0 = 0, n1 = 0;
};

TEST_F(NodeLoss, AKilledAgentsJobRunsElsewhereWithinTheGrace) {
  const std::int64_t id = job_on_n0();
  const auto killed = Clock::now();
  cloud->stop_agent(n0, SIGKILL);
  wait_on_n1(id);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count();
  std::cout << "agent killed -> job running on another node: " << ms << " ms (grace 4000 ms)" << std::endl;
  Answer nodes = cloud->as_admin("GET", "/v1/nodes");
  EXPECT_EQ(nodes.json["nodes"][0]["state"], "down") << nodes.body;
  EXPECT_TRUE(alive(wait_mark(*cloud, "n1", id, 2).pid));
}

TEST_F(NodeLoss, AFrozenAgentKillsItsStaleJobWhenItWakesAndTheJobIsChargedOncePerSegment) {
  const std::int64_t id = job_on_n0();
  ASSERT_EQ(::kill(n0, SIGSTOP), 0);
  wait_on_n1(id);
  const Mark new_run = wait_mark(*cloud, "n1", id, 2), old_run = read_mark(*cloud, "n0", id, 1);
  ASSERT_TRUE(old_run.pid && new_run.pid);
  ASSERT_EQ(::kill(n0, SIGCONT), 0);
  auto until = Clock::now() + 10s;
  while (Clock::now() < until && alive(old_run.pid)) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(alive(old_run.pid)) << "the woken agent's stale job still runs\n" << cloud->agent_log("n0");
  EXPECT_TRUE(alive(new_run.pid)) << "the job's new run was touched";
  EXPECT_TRUE(cloud->wait_node_up("n0")) << "the woken agent registers again";
  // Cancelled: charged for both segments as the server counted them, never twice for a moment.
  ASSERT_EQ(cloud->as_admin("DELETE", "/v1/jobs/" + std::to_string(id)).status, 200);
  Json job = cloud->wait_job(id, [](const Json& j) { return j.value("state", "") == "cancelled"; });
  ASSERT_EQ(job.value("state", ""), "cancelled") << job.dump();
  const std::int64_t run_ms = job["run_ms"], span = job["ended_ms"].get<std::int64_t>() - job["started_ms"].get<std::int64_t>();
  EXPECT_LE(run_ms, span) << job.dump();
  EXPECT_GT(run_ms, 3000) << "segment 1 ran until its node was lost: " << job.dump();
  const std::int64_t price = run_ms * 2 * 1'000'000 / 3'600'000;  // 2 GPUs at 1 credit per GPU-hour
  EXPECT_NEAR(job["credits_micro"].get<double>(), static_cast<double>(price), 3.0) << job.dump();
}

// The job says it saved its progress (`hexa checkpoint`, through its agent): when its node is
// lost, only the work after that is lost, not the whole run.
TEST_F(NodeLoss, ANodeLossSendsAJobBackToTheCheckpointItReported) {
  n0 = cloud->start_agent("n0", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0"));
  const std::string script = std::string("sleep 3; ") + HEXA_BINARY + " checkpoint; sleep 600";
  Answer a = cloud->as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"gpus", 2}, {"command", {"sh", "-c", script}}});
  ASSERT_EQ(a.status, 201) << a.body;
  const std::int64_t id = a.json["id"];
  ASSERT_TRUE(running_on(cloud->wait_job(id, [](const Json& j) { return running_on(j, "n0", 1); }), "n0", 1));
  const std::string out = cloud->dir() + "/work-n0/jobs/" + std::to_string(id) + "-1/stdout.log";
  auto noted = [&] {
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    return text.str().find("checkpoint noted") != std::string::npos;
  };
  for (auto until = Clock::now() + 20s; Clock::now() < until && !noted();) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(noted());
  std::this_thread::sleep_for(500ms);  // the report on its way
  cloud->stop_agent(n0, SIGKILL);
  Json job = cloud->wait_job(id, [](const Json& j) { return j.value("restarts", 0) == 1; }, 30s);
  ASSERT_EQ(job.value("restarts", 0), 1) << job.dump();
  const std::int64_t run = job["run_ms"], lost = job["lost_ms"];
  EXPECT_GT(lost, 0) << job.dump();
  EXPECT_LT(lost, run - 2500) << "the 3 s before the checkpoint were kept: " << job.dump();
}

TEST_F(NodeLoss, ACutOffAgentStopsItsJobBeforeTheGraceEndsAndOnlyThenItRunsElsewhere) {
  TcpProxy proxy(url_port(cloud->url()));
  ASSERT_TRUE(proxy.ok());
  const std::int64_t id = job_on_n0(proxy.url());
  proxy.cut();
  wait_on_n1(id);
  const Mark new_run = wait_mark(*cloud, "n1", id, 2), old_run = read_mark(*cloud, "n0", id, 1);
  ASSERT_GT(old_run.term_ns, 0) << "the cut-off agent did not stop its job\n" << cloud->agent_log("n0");
  ASSERT_GT(new_run.start_ns, 0);
  EXPECT_LT(old_run.term_ns, new_run.start_ns) << "the job ran twice at once";
  EXPECT_FALSE(alive(old_run.pid));
  proxy.restore();
  EXPECT_TRUE(cloud->wait_node_up("n0", 30s)) << "the agent registers again once the cut is over\n" << cloud->agent_log("n0");
  EXPECT_TRUE(alive(new_run.pid));
}

}  // namespace
}  // namespace hexa::testing
