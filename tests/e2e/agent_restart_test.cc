// End to end: jobs outlive their agent. An agent SIGKILLed (a crash) or sent SIGUSR1 (an
// upgrade) and started again on the same work dir within the node grace adopts its jobs: they
// are not restarted, and their real exits reach the server. A job whose exit status did not
// survive is requeued, as is one its agent died before recording (it never ran). Also the stop
// grace through cancel, and `hexa checkpoint` in a job.
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

bool state_is(const Json& j, const char* s) { return j.is_object() && j.value("state", "") == s; }
bool ended_state(const Json& j) {
  return j.is_object() && j.contains("state") && !state_is(j, "pending") && !state_is(j, "running");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Dead (a zombie counts): SIGKILL is delivered when the process next runs, which on a loaded
// machine can be after the next agent looked.
bool gone(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] == 'Z' || stat[close + 2] == 'X';
}

// The live processes of this cloud's job `job` run as `segment`, by what their environment says
// (the Chaos test's monitor judges the same way; a zombie has none).
std::vector<pid_t> processes_of(const std::string& cloud_dir, std::int64_t job, int segment) {
  const std::string want[] = {"HEXA_E2E_CLOUD=" + cloud_dir, "HEXA_JOB_ID=" + std::to_string(job),
                              "HEXA_SEGMENT=" + std::to_string(segment)};
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string env = '\0' + slurp(e.path().string() + "/environ");
    bool all = true;
    for (const std::string& kv : want) all = all && env.find('\0' + kv + '\0') != std::string::npos;
    if (all) out.push_back(std::stoi(name));
  }
  return out;
}

int count_of(const std::string& text, const std::string& part) {
  int n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class AgentRestart : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud = LiveCloud::start(small_cloud(1, 2), {"--stop-grace-s", "1"});
    ASSERT_TRUE(cloud);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
    acme = cloud->token("member", "acme");
    agent = cloud->start_agent("n0", 2);
    ASSERT_TRUE(cloud->wait_node_up("n0"));
  }
  std::int64_t submit(const std::string& script) {
    Answer a = cloud->call("POST", "/v1/jobs", {{"command", {"sh", "-c", script}}}, acme);
    EXPECT_EQ(a.status, 201) << a.body;
    return a.json.is_object() ? a.json.value("id", std::int64_t{-1}) : -1;
  }
  std::string log(std::int64_t id) { return cloud->call("GET", "/v1/jobs/" + std::to_string(id) + "/logs", nullptr, acme).body; }
  bool wait_log(std::int64_t id, const std::string& text) {
    for (int i = 0; i < 400; ++i, std::this_thread::sleep_for(25ms))
      if (log(id).find(text) != std::string::npos) return true;
    return false;
  }
  std::string agent_log() const { return slurp(cloud->dir() + "/agent-n0.log"); }
  Json record(std::int64_t id, int segment) {
    return Json::parse(slurp(cloud->dir() + "/work-n0/records/" + std::to_string(id) + "-" + std::to_string(segment) + "/state"),
                       nullptr, false);
  }

  std::unique_ptr<LiveCloud> cloud;
  std::string acme;
  pid_t agent = 0;
};

// A job prints its pid, a line a second, then exits 3; its agent is SIGKILLed meanwhile and a
// new one starts on the same work dir: the same process runs on, and its exit 3 is the job's.
TEST_F(AgentRestart, AJobOutlivesAKilledAgentAndItsExitReachesTheServer) {
  std::int64_t id = submit(
      "echo pid $$ segment $HEXA_SEGMENT; i=0; while [ $i -lt 6 ]; do echo line $i; i=$((i+1)); sleep 1; done; exit 3");
  ASSERT_TRUE(wait_log(id, "line 1"));
  Json rec = record(id, 1);
  ASSERT_TRUE(rec.is_object());
  const pid_t pid = rec["job_pid"].get<pid_t>();
  cloud->stop_agent(agent, SIGKILL);
  ASSERT_EQ(::kill(pid, 0), 0) << "the job runs on without its agent";
  cloud->start_agent("n0", 2);
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  EXPECT_TRUE(state_is(job, "failed")) << job.dump() << "\n" << agent_log();
  EXPECT_EQ(job["exit_code"], 3) << job.dump();
  EXPECT_EQ(job["segment"], 1) << "not restarted";
  EXPECT_EQ(job["restarts"], 0);
  std::string out = log(id);
  EXPECT_EQ(count_of(out, "pid "), 1) << "one run only: " << out;
  EXPECT_EQ(out.find("pid " + std::to_string(pid) + " segment 1\n"), 0u) << out;
  EXPECT_NE(out.find("line 5\n"), std::string::npos) << "all its output: " << out;
  EXPECT_NE(agent_log().find("still running (pid " + std::to_string(pid) + "): adopted"), std::string::npos) << agent_log();
}

// Killed while no agent runs, keeper and all: no exit status survives. The new agent leaves it
// out; the server requeues it, and it runs to completion as a new segment.
TEST_F(AgentRestart, AJobWhoseExitDidNotSurviveIsRequeuedAndRunsToCompletion) {
  std::int64_t id = submit("echo segment $HEXA_SEGMENT; if [ $HEXA_SEGMENT = 1 ]; then sleep 60; fi; exit 0");
  ASSERT_TRUE(wait_log(id, "segment 1"));
  Json rec = record(id, 1);
  ASSERT_TRUE(rec.is_object());
  cloud->stop_agent(agent, SIGKILL);
  ASSERT_EQ(::kill(rec["keeper_pid"].get<pid_t>(), SIGKILL), 0);
  ASSERT_EQ(::kill(-rec["job_pid"].get<pid_t>(), SIGKILL), 0);
  for (int i = 0; i < 200 && !(gone(rec["keeper_pid"].get<pid_t>()) && gone(rec["job_pid"].get<pid_t>())); ++i)
    std::this_thread::sleep_for(25ms);
  cloud->start_agent("n0", 2);
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  EXPECT_TRUE(state_is(job, "finished")) << job.dump() << "\n" << agent_log();
  EXPECT_EQ(job["segment"], 2) << job.dump();
  EXPECT_NE(log(id).find("segment 2\n"), std::string::npos) << log(id);
  EXPECT_NE(agent_log().find("cannot reattach"), std::string::npos) << agent_log();
}

// The agent killed between a job's fork and its record (a crash point: the Chaos test's random
// kill -9 landed there now and then). The next agent cannot find the job and leaves it out; the
// server runs it again as segment 2, on this very node. Segment 1 must not be running then: its
// program never ran, since a job runs only once it is recorded.
TEST_F(AgentRestart, AJobItsKilledAgentHadNotRecordedNeverRunsBesideItsNextSegment) {
  cloud->stop_agent(agent, SIGTERM);  // leaving: the node is lost at once
  const pid_t armed = cloud->start_agent_with("n0", {"--gpus", "2", "--gpu-type", "gpu"},
                                              {{"HEXA_CRASH_AT", "agent.start.before_record"}});
  ASSERT_TRUE(cloud->wait_node_up("n0")) << agent_log();
  // In its job dir: "ran" says that its program ran; segment 1 would run long, beside segment 2.
  std::int64_t id = submit("echo ran > ran; if [ $HEXA_SEGMENT = 1 ]; then sleep 30; fi");
  siginfo_t end{};
  for (int i = 0; i < 400 && end.si_pid == 0; ++i) {  // 20 s at most; WNOWAIT: stop_agent reaps it
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(armed), &end, WEXITED | WNOHANG | WNOWAIT), 0);
    if (end.si_pid == 0) std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(end.si_pid, armed) << "the agent did not reach its crash point:\n" << agent_log();
  EXPECT_TRUE(end.si_code == CLD_KILLED && end.si_status == SIGKILL) << agent_log();
  cloud->stop_agent(armed, SIGKILL);
  cloud->start_agent("n0", 2);
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  EXPECT_TRUE(state_is(job, "finished")) << job.dump() << "\n" << agent_log();
  EXPECT_EQ(job["segment"], 2) << job.dump();
  EXPECT_TRUE(processes_of(cloud->dir(), id, 1).empty()) << "segment 1 runs on beside segment 2:\n" << agent_log();
  const std::string jobs = cloud->dir() + "/work-n0/jobs/" + std::to_string(id);
  EXPECT_FALSE(std::filesystem::exists(jobs + "-1/ran")) << "segment 1's program ran, unrecorded";
  EXPECT_TRUE(std::filesystem::exists(jobs + "-2/ran"));
  EXPECT_NE(agent_log().find("job " + std::to_string(id) + "-1: "), std::string::npos) << agent_log();
}

// SIGUSR1 (an upgrade): the agent exits at once, its job runs on for the next one.
TEST_F(AgentRestart, SigusrOneLeavesTheJobsForTheNextAgent) {
  // The job runs until the test says go (at most 30 s): however slow the machine, it still runs
  // when the agent leaves it.
  const std::string go = cloud->dir() + "/go";
  std::int64_t id = submit("echo up; for i in $(seq 300); do [ -e " + go + " ] && break; sleep 0.1; done; echo done; exit 0");
  ASSERT_TRUE(wait_log(id, "up"));
  const pid_t pid = record(id, 1)["job_pid"].get<pid_t>();
  cloud->stop_agent(agent, SIGUSR1);
  EXPECT_NE(agent_log().find("exiting now and leaving 1 job(s) for the next agent"), std::string::npos) << agent_log();
  EXPECT_EQ(::kill(pid, 0), 0) << "the job runs on";
  cloud->start_agent("n0", 2);
  std::ofstream{go};
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  EXPECT_TRUE(state_is(job, "finished")) << job.dump();
  EXPECT_EQ(job["segment"], 1);
  EXPECT_EQ(log(id), "up\ndone\n");
}

// Cancel: SIGTERM, then the server's --stop-grace-s (1 s here) before SIGKILL. A job that traps
// SIGTERM ends its own way within it; one that ignores it is killed at the grace.
TEST_F(AgentRestart, CancelGivesTheJobItsStopGrace) {
  std::int64_t trap = submit("trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.1; done");
  ASSERT_TRUE(wait_log(trap, "ready"));
  ASSERT_EQ(cloud->call("DELETE", "/v1/jobs/" + std::to_string(trap), nullptr, acme).status, 200);
  EXPECT_TRUE(wait_log(trap, "got TERM"));
  const std::string key = std::to_string(trap) + "-1";
  for (int i = 0; i < 200 && agent_log().find("job " + key + ": exited") == std::string::npos; ++i)
    std::this_thread::sleep_for(25ms);
  EXPECT_NE(agent_log().find("job " + key + ": exited with code 0"), std::string::npos) << agent_log();

  std::int64_t deaf = submit("trap '' TERM; echo ready; while :; do sleep 0.1; done");
  ASSERT_TRUE(wait_log(deaf, "ready"));
  const pid_t pid = record(deaf, 1)["job_pid"].get<pid_t>();
  ASSERT_EQ(cloud->call("DELETE", "/v1/jobs/" + std::to_string(deaf), nullptr, acme).status, 200);
  const std::string deaf_key = std::to_string(deaf) + "-1";
  for (int i = 0; i < 400 && agent_log().find("job " + deaf_key + ": killed") == std::string::npos; ++i)
    std::this_thread::sleep_for(25ms);
  EXPECT_NE(agent_log().find("job " + deaf_key + ": killed by signal 9"), std::string::npos) << agent_log();
  EXPECT_NE(::kill(pid, 0), 0) << "gone";
}

// `hexa checkpoint` from inside a job: no server, no token; its file in the job's dir.
TEST_F(AgentRestart, HexaCheckpointWorksFromInsideAJob) {
  std::int64_t id = submit(std::string("echo data > \"$HEXA_CHECKPOINT_DIR/state\" && ") + HEXA_BINARY +
                           " checkpoint && cat \"$HEXA_CHECKPOINT_FILE\" >/dev/null && echo saved");
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  EXPECT_TRUE(state_is(job, "finished")) << job.dump() << log(id);
  EXPECT_EQ(log(id), "checkpoint noted\nsaved\n");
  EXPECT_EQ(slurp(cloud->dir() + "/work-n0/checkpoints/" + std::to_string(id) + "/state"), "data\n");
  std::string out, err;
  EXPECT_EQ(cloud->hexa({"checkpoint"}, acme, &out, &err), 2);
  EXPECT_NE(err.find("HEXA_CHECKPOINT_FILE is not set"), std::string::npos) << err;
}

// A job's limits travel from its submit, through a snapshot (the server restarts before the
// job starts), to the agent's start order. Where cgroup v2 is not writable the agent runs it
// without them and says so once; where it is, the limits apply (agent tests).
TEST(AgentLimits, LimitsTravelFromTheSubmitThroughASnapshotToTheAgent) {
  if (std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers"))
    GTEST_SKIP() << "a cgroup v2 machine: the agent may apply the limits rather than say it cannot";
  // A snapshot after every batch: the restart reads the limits from the snapshot's host state.
  auto cloud = LiveCloud::start(small_cloud(1, 2), {"--stop-grace-s", "1", "--snapshot-every", "1"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  Answer a = cloud->as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"memory_mb", 256}, {"cpus", 1}, {"command", {"true"}}});
  ASSERT_EQ(a.status, 201) << a.body;
  const std::int64_t id = a.json["id"];
  std::this_thread::sleep_for(500ms);  // the snapshot is written off the core thread
  cloud->kill_server(SIGKILL);
  ASSERT_TRUE(cloud->restart_server());
  EXPECT_NE(cloud->server_log().find("restored the snapshot"), std::string::npos) << cloud->server_log();
  cloud->start_agent("n0", 2);
  Json job = cloud->wait_job(id, [](const Json& j) { return ended_state(j); }, 30s);
  EXPECT_TRUE(state_is(job, "finished")) << job.dump();
  const std::string log = slurp(cloud->dir() + "/agent-n0.log");
  EXPECT_NE(log.find("cgroup v2 not writable here ("), std::string::npos) << log;
  EXPECT_NE(log.find("no memory/CPU limits (job " + std::to_string(id) + "-1 asked for some)"), std::string::npos) << log;
}

}  // namespace
}  // namespace hexa::testing
