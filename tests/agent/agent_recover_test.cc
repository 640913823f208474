// An agent that restarts on the same work dir (a crash, an upgrade by SIGUSR1) takes over what
// the previous one left: running jobs adopted, ended ones reported with their real exit, the
// rest left out (killed). Also checkpoints: the job's file, noticed and reported at once.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "agent/agent.h"
#include "agent/cgroup.h"
#include "agent/clock.h"
#include "agent/fake_server.h"
#include "agent/job_records.h"
#include "agent/process.h"

namespace hexa {
namespace {

using testing::FakeServer;
using testing::FakeState;
using testing::Json;
using testing::SeenRequest;
namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Json start_order(std::int64_t job, std::int64_t segment, const std::string& script) {
  return {{"kind", "start"}, {"job", job}, {"segment", segment}, {"restarts", 0}, {"name", "train"},
          {"tenant", "acme"}, {"command", {"/bin/sh", "-c", script}}, {"env", Json::object()}, {"gpus", {0}},
          {"rank", 0}, {"nodes", {"n1"}}};
}

// One agent in a thread, on a given work dir, against its own fake server; stopped by its stop
// flag, or by its leave flag (SIGUSR1's).
class Agent {
 public:
  std::shared_ptr<FakeServer> server = std::make_shared<FakeServer>();
  AgentOptions opt;
  std::atomic<bool> leave{false};

  explicit Agent(const std::string& work) {
    opt.node = "n1";
    opt.token = server->token;
    opt.gpus = 8;
    opt.gpu_type = "H100";
    opt.work_dir = work;
    opt.grace_ms = 2000;
    opt.poll_wait_ms = 200;
    opt.log_every_ms = 100;
    opt.final_report_ms = 1000;
    opt.leave_jobs = &leave;
    opt.say = [lines = lines_](const std::string& line) {
      std::lock_guard lock(lines->mu);
      lines->all.push_back(line);
    };
  }
  ~Agent() {
    if (thread_.joinable()) finish();
  }
  void start() {
    HttpClientFactory f = [s = server]() -> Result<std::unique_ptr<HttpClient>> {
      return std::unique_ptr<HttpClient>(std::make_unique<testing::FakeClient>(s));
    };
    thread_ = std::thread([this, f] { code_ = run_agent(opt, f, stop_); });
  }
  int said_count(const std::string& text) const {
    std::lock_guard lock(lines_->mu);
    int n = 0;
    for (const std::string& l : lines_->all) n += l.find(text) != std::string::npos;
    return n;
  }
  int finish() {
    stop_.store(true);
    thread_.join();
    return code_;
  }
  int leave_jobs() {
    leave.store(true);
    thread_.join();
    return code_;
  }
  bool registered() {
    return server->wait_until([](const FakeState& s) { return s.registrations >= 1; });
  }
  const Json* wait_exit(std::int64_t job, std::int64_t segment, int within_ms = 10'000) {
    server->wait_until([&](const FakeState& s) { return s.exit_of(job, segment) != nullptr; }, within_ms);
    state_ = server->state();
    return state_.exit_of(job, segment);
  }
  bool said(const std::string& text) const {
    std::lock_guard lock(lines_->mu);
    for (const std::string& l : lines_->all)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
  std::string all_lines() const {
    std::lock_guard lock(lines_->mu);
    std::string out;
    for (const std::string& l : lines_->all) out += l + "\n";
    return out;
  }

 private:
  struct Lines {
    std::mutex mu;
    std::vector<std::string> all;
  };
  std::shared_ptr<Lines> lines_ = std::make_shared<Lines>();
  std::atomic<bool> stop_{false};
  std::thread thread_;
  int code_ = -1;
  FakeState state_;
};

bool wait_for(const std::function<bool()>& pred, int within_ms = 10'000) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(within_ms);
  while (std::chrono::steady_clock::now() < until) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {  // released keepers are ours (subreaper)
    }
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class AgentRecover : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
  void SetUp() override {
    char tmpl[] = "/tmp/hexa-recover-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work = tmpl;
  }
  void TearDown() override {
    for (pid_t p : to_kill) ::kill(-p, SIGKILL);
    std::error_code ec;
    fs::remove_all(work, ec);
  }
  // Runs a first agent that starts `script` as job 7-1, waits for `marker` in its output, and
  // leaves it running (SIGUSR1's way). The job's record.
  // Job 7-1 left running by an agent that exits (SIGUSR1), once its output shows `marker`; the
  // fence the server gave that agent: `fence_ms` (0: the fake server's default).
  JobStateRecord leave_a_job(const std::string& script, const std::string& marker, DurationMs fence_ms = 0) {
    Agent first(work);
    if (fence_ms > 0) first.server->fence_ms = fence_ms;
    first.start();
    EXPECT_TRUE(first.registered());
    first.server->order(start_order(7, 1, script));
    EXPECT_TRUE(wait_for([&] { return slurp(work + "/jobs/7-1/stdout.log").find(marker) != std::string::npos; }));
    EXPECT_EQ(first.leave_jobs(), 0);
    EXPECT_TRUE(first.said("leaving 1 job(s) for the next agent")) << first.all_lines();
    std::optional<JobStateRecord> r = JobRecords(work).read_state({7, 1});
    EXPECT_TRUE(r);
    if (r) to_kill.push_back(r->ids.job);
    return r.value_or(JobStateRecord{});
  }
  std::string work;
  std::vector<pid_t> to_kill;
};

TEST_F(AgentRecover, ANewAgentAdoptsARunningJobAndReportsItsRealExit) {
  JobStateRecord r = leave_a_job("echo pid $$; i=0; while [ $i -lt 20 ]; do echo line $i; i=$((i+1)); sleep 0.1; done; exit 3",
                            "line 2");
  ASSERT_TRUE(same_process(r.ids.job, r.ids.job_start)) << "the job runs on without an agent";
  Agent second(work);
  second.start();
  ASSERT_TRUE(second.registered());
  FakeState s = second.server->state();
  EXPECT_EQ(s.of("/v1/agent/register").at(0).body["running"], Json::parse(R"([{"job":7,"segment":1}])"))
      << "listed as running at registration";
  const Json* e = second.wait_exit(7, 1);
  ASSERT_NE(e, nullptr) << second.all_lines();
  EXPECT_EQ((*e)["exit_code"], 3);
  EXPECT_EQ((*e)["signal"], 0);
  EXPECT_TRUE(second.said("job 7-1: still running (pid " + std::to_string(r.ids.job) + "): adopted")) << second.all_lines();
  std::string out = second.server->state().log(7, 1, "stdout");
  EXPECT_EQ(out.find("pid " + std::to_string(r.ids.job) + "\n"), 0u) << "its output, all of it, from the start: " << out;
  EXPECT_NE(out.find("line 19\n"), std::string::npos) << out;
  EXPECT_EQ(second.finish(), 0);
  EXPECT_TRUE(fs::exists(work + "/records/7-1/done")) << "acknowledged: marked, never reported again";
}

TEST_F(AgentRecover, AJobThatEndedWhileNoAgentRanIsReportedWithItsExit) {
  JobStateRecord r = leave_a_job("echo up; sleep 0.3; exit 5", "up");
  ASSERT_TRUE(wait_for([&] { return fs::exists(work + "/records/7-1/exit"); }));
  Agent second(work);
  second.start();
  ASSERT_TRUE(second.registered());
  EXPECT_EQ(second.server->state().of("/v1/agent/register").at(0).body["running"].size(), 1u);
  const Json* e = second.wait_exit(7, 1);
  ASSERT_NE(e, nullptr) << second.all_lines();
  EXPECT_EQ((*e)["exit_code"], 5);
  EXPECT_EQ(second.server->state().log(7, 1, "stdout"), "up\n");
  EXPECT_TRUE(second.said("ended while no agent ran (exited with code 5)")) << second.all_lines();
  EXPECT_EQ(second.finish(), 0);
  // A third agent has nothing to say of it.
  Agent third(work);
  third.start();
  ASSERT_TRUE(third.registered());
  EXPECT_TRUE(third.server->state().of("/v1/agent/register").at(0).body["running"].empty());
  EXPECT_EQ(third.finish(), 0);
  EXPECT_TRUE(third.server->state().exits.empty()) << "not reported twice";
}

TEST_F(AgentRecover, AJobWithoutAnExitStatusIsLeftOutAndKilled) {
  JobStateRecord r = leave_a_job("echo up; while :; do sleep 0.1; done", "up");
  ASSERT_EQ(::kill(r.ids.keeper, SIGKILL), 0);  // no exit status will be written
  ASSERT_TRUE(wait_for([&] { return !same_process(r.ids.keeper, r.ids.keeper_start); }));
  ASSERT_TRUE(same_process(r.ids.job, r.ids.job_start));
  Agent second(work);
  second.start();
  ASSERT_TRUE(second.registered());
  EXPECT_TRUE(second.server->state().of("/v1/agent/register").at(0).body["running"].empty())
      << "left out: the server counts it lost and requeues it";
  EXPECT_TRUE(second.said("job 7-1: cannot reattach (its keeper is gone and left no exit status")) << second.all_lines();
  EXPECT_TRUE(wait_for([&] { return !same_process(r.ids.job, r.ids.job_start); })) << "what was left of it is killed";
  EXPECT_EQ(second.finish(), 0);
  EXPECT_TRUE(second.server->state().exits.empty());
}

TEST_F(AgentRecover, AStaleStateNamingAReusedPidIsNotSignalled) {
  fs::create_directories(work + "/records/9-2");
  JobStateRecord fake;
  fake.key = {9, 2};
  fake.ids.keeper = ::getpid();  // this test: alive, but not with that start time
  fake.ids.keeper_start = process_start_time(::getpid()).value() + 1;
  fake.ids.job = ::getpid();
  fake.ids.job_start = fake.ids.keeper_start;
  ASSERT_TRUE(JobRecords(work).write_state(fake).ok());
  Agent second(work);
  second.start();  // were it to signal our group, this test would die
  ASSERT_TRUE(second.registered());
  EXPECT_TRUE(second.said("job 9-2: cannot reattach")) << second.all_lines();
  EXPECT_TRUE(second.server->state().of("/v1/agent/register").at(0).body["running"].empty());
  EXPECT_EQ(second.finish(), 0);
}

TEST_F(AgentRecover, AStoppedAgentStopsAdoptedJobsToo) {
  JobStateRecord r = leave_a_job("echo up; while :; do sleep 0.1; done", "up");
  Agent second(work);
  second.start();
  ASSERT_TRUE(second.registered());
  EXPECT_EQ(second.finish(), 0);
  EXPECT_TRUE(wait_for([&] { return !same_process(r.ids.job, r.ids.job_start); }));
  FakeState s = second.server->state();
  const Json* e = s.exit_of(7, 1);
  ASSERT_NE(e, nullptr) << second.all_lines();
  EXPECT_EQ((*e)["signal"], SIGTERM);
}

TEST_F(AgentRecover, CheckpointsAreReportedAtOnceWithTheirSegment) {
  Agent a(work);
  a.server->heartbeat_s = 300;  // a report soon after a checkpoint is not the heartbeat
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(
      4, 2, "echo $HEXA_CHECKPOINT_DIR; test -d \"$HEXA_CHECKPOINT_DIR\" || exit 9; sleep 0.3; "
            "date > \"$HEXA_CHECKPOINT_DIR/model\" && date > \"$HEXA_CHECKPOINT_FILE.tmp\" && "
            "mv \"$HEXA_CHECKPOINT_FILE.tmp\" \"$HEXA_CHECKPOINT_FILE\"; sleep 30"));
  ASSERT_TRUE(a.server->wait_until(
      [](const FakeState& s) {
        for (const SeenRequest& r : s.of("/v1/agent/report"))
          if (r.body.contains("checkpoints")) return true;
        return false;
      },
      10'000))
      << a.all_lines();
  FakeState s = a.server->state();
  Json sent;
  for (const SeenRequest& r : s.of("/v1/agent/report"))
    if (r.body.contains("checkpoints")) sent = r.body["checkpoints"];
  EXPECT_EQ(sent, Json::parse(R"([{"job":4,"segment":2}])"));
  EXPECT_TRUE(fs::exists(work + "/checkpoints/4/model")) << "HEXA_CHECKPOINT_DIR is WORK/checkpoints/JOB";
  EXPECT_EQ(a.finish(), 0);
  EXPECT_TRUE(fs::exists(work + "/checkpoints/4/model")) << "kept after the job ends";
  int with = 0;
  for (const SeenRequest& r : a.server->state().of("/v1/agent/report")) with += r.body.contains("checkpoints");
  EXPECT_EQ(with, 1) << "one checkpoint, told once";
}

TEST_F(AgentRecover, AServerThatRefusesCheckpointsStillGetsTheExits) {
  Agent a(work);
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->script("/v1/agent/report", 400,
                   R"({"title":"Bad Request","status":400,"detail":"checkpoints: unknown field","field":"checkpoints"})");
  a.server->order(start_order(4, 1, "date > \"$HEXA_CHECKPOINT_FILE\"; sleep 0.5; exit 2"));
  const Json* e = a.wait_exit(4, 1);
  ASSERT_NE(e, nullptr) << a.all_lines();
  EXPECT_EQ((*e)["exit_code"], 2);
  EXPECT_TRUE(a.said("does not take checkpoints")) << a.all_lines();
  EXPECT_EQ(a.finish(), 0);
}

TEST_F(AgentRecover, TheCheckpointDirFlagMovesIt) {
  Agent a(work);
  a.opt.checkpoint_dir = work + "/shared/ckpt";
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(3, 1, "echo $HEXA_CHECKPOINT_DIR; touch \"$HEXA_CHECKPOINT_DIR/x\""));
  const Json* e = a.wait_exit(3, 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["exit_code"], 0);
  EXPECT_EQ(a.server->state().log(3, 1, "stdout"), work + "/shared/ckpt/3\n");
  EXPECT_TRUE(fs::exists(work + "/shared/ckpt/3/x"));
  EXPECT_EQ(a.finish(), 0);
}

// A job whose agent is gone stops at the fence the server gave (its keeper sees that the server
// has not heard the agent for that long): the next agent leaves it out, the server requeues it.
TEST_F(AgentRecover, AGoneAgentsJobStopsAtTheFenceAndIsLeftOut) {
  JobStateRecord r = leave_a_job("echo up; while :; do sleep 0.1; done", "up", 700);
  ASSERT_TRUE(wait_for([&] { return fs::exists(work + "/records/7-1/exit"); }, 5000)) << "fenced within the fence";
  EXPECT_EQ(slurp(work + "/records/7-1/exit"), "143 15 fenced\n");
  EXPECT_FALSE(same_process(r.ids.job, r.ids.job_start));
  Agent second(work);
  second.start();
  ASSERT_TRUE(second.registered());
  EXPECT_TRUE(second.server->state().of("/v1/agent/register").at(0).body["running"].empty());
  EXPECT_TRUE(second.said("job 7-1: stopped at the fence by its keeper while no agent ran")) << second.all_lines();
  EXPECT_EQ(second.finish(), 0);
  EXPECT_TRUE(second.server->state().exits.empty());
}

// The race the deterministic simulation found: the agent restarts while a keeper is stopping
// its job at the fence (a job that ignores SIGTERM: the keeper's SIGKILL is still 2 s away).
// Adopted, it would be reported running and then dropped once the keeper wrote its fenced exit,
// and the server would count it running to its time limit. The agent stops it and leaves it out.
TEST_F(AgentRecover, ANewAgentPastTheFenceStopsAJobItsKeeperIsStoppingAndLeavesItOut) {
  JobStateRecord r = leave_a_job("trap '' TERM; echo up; while :; do sleep 0.1; done", "up", 600);
  ASSERT_TRUE(same_process(r.ids.job, r.ids.job_start));
  ASSERT_TRUE(write_heard_file(work + "/records/heard", agent_now_ms() - 700, 600).ok());  // unheard past the fence
  Agent second(work);
  second.start();
  ASSERT_TRUE(second.registered());
  EXPECT_TRUE(second.server->state().of("/v1/agent/register").at(0).body["running"].empty()) << second.all_lines();
  EXPECT_TRUE(second.said("job 7-1: past the fence while no agent ran: stopped; left out")) << second.all_lines();
  EXPECT_FALSE(same_process(r.ids.job, r.ids.job_start)) << "gone before the registration";
  EXPECT_EQ(second.finish(), 0);
  EXPECT_TRUE(second.server->state().exits.empty());
}

// An agent the server hears (heartbeats well within the fence) keeps its jobs.
TEST_F(AgentRecover, AHeardAgentsJobsAreNotFenced) {
  Agent a(work);
  a.server->fence_ms = 2500;
  a.server->heartbeat_s = 1;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(5, 1, "sleep 4; exit 3"));
  const Json* e = a.wait_exit(5, 1, 15'000);
  ASSERT_NE(e, nullptr) << a.all_lines();
  EXPECT_EQ((*e)["exit_code"], 3) << a.all_lines();
  EXPECT_EQ(a.finish(), 0);
}

// Where cgroup v2 cannot be written (this kind of machine), jobs with limits run without them,
// and the agent says so once.
TEST_F(AgentRecover, LimitsWithoutCgroupV2AreSaidOnceAndTheJobsRun) {
  std::ifstream self("/proc/self/cgroup");
  std::string text((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
  std::optional<std::string> dir = cgroup_v2_dir(text, "/sys/fs/cgroup");
  if (dir && fs::exists("/sys/fs/cgroup/cgroup.controllers") &&
      ::access((*dir + "/cgroup.subtree_control").c_str(), W_OK) == 0)
    GTEST_SKIP() << "cgroup v2 is writable here: the limits apply";
  Agent a(work);
  a.start();
  ASSERT_TRUE(a.registered());
  for (int job : {1, 2}) {
    Json o = start_order(job, 1, "exit 0");
    o["memory_mb"] = 512;
    o["cpus"] = 2;
    a.server->order(o);
  }
  const Json* e1 = a.wait_exit(1, 1);
  const Json* e2 = a.wait_exit(2, 1);
  ASSERT_TRUE(e1 && e2) << a.all_lines();
  EXPECT_EQ((*e2)["exit_code"], 0);
  EXPECT_EQ(a.said_count("cgroup v2 not writable here ("), 1) << a.all_lines();
  EXPECT_EQ(a.said_count("no memory/CPU limits"), 1) << a.all_lines();
  EXPECT_EQ(a.finish(), 0);
}

}  // namespace
}  // namespace hexa
