// The agent's loop against an in-memory server (fake_server.h): real processes, real files,
// no network. Each test runs the agent in a thread and stops it with its stop flag.
#include "agent/agent.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "agent/fake_server.h"

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

Json start_order(std::int64_t job, std::int64_t segment, std::vector<std::string> command) {
  return {{"kind", "start"}, {"job", job}, {"segment", segment}, {"restarts", 0}, {"name", "train"},
          {"tenant", "acme"}, {"command", command}, {"env", Json::object()}, {"gpus", {0}},
          {"rank", 0}, {"nodes", {"n1"}}};
}

Json stop_order(std::int64_t job, std::int64_t segment, int grace_ms) {
  return {{"kind", "stop"}, {"job", job}, {"segment", segment}, {"grace_ms", grace_ms}};
}

std::vector<std::string> sh(const std::string& script) { return {"/bin/sh", "-c", script}; }

// The agent in a thread, against its own fake server, in a fresh work dir.
class AgentRun {
 public:
  std::shared_ptr<FakeServer> server = std::make_shared<FakeServer>();
  AgentOptions opt;

  AgentRun() {
    char tmpl[] = "/tmp/hexa-agent-test-XXXXXX";
    work_ = ::mkdtemp(tmpl);
    opt.node = "n1";
    opt.token = server->token;
    opt.gpus = 8;
    opt.gpu_type = "H100";
    opt.work_dir = work_;
    opt.grace_ms = 2000;
    opt.poll_wait_ms = 200;  // the poll thread ends this soon after a stop
    opt.log_every_ms = 100;
    opt.final_report_ms = 1000;
    opt.say = [lines = lines_](const std::string& line) {
      std::lock_guard lock(lines->mu);
      lines->all.push_back(line);
    };
  }
  ~AgentRun() {
    if (thread_.joinable()) finish();
    std::error_code ec;
    fs::remove_all(work_, ec);
  }

  HttpClientFactory factory() const {
    return [s = server]() -> Result<std::unique_ptr<HttpClient>> {
      return std::unique_ptr<HttpClient>(std::make_unique<testing::FakeClient>(s));
    };
  }
  void start() {
    thread_ = std::thread([this] {
      code_ = run_agent(opt, factory(), stop_);
      ended_.store(true);
    });
  }
  // Whether it ended by itself within `within_ms`.
  bool ends_by_itself(int within_ms = 5000) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(within_ms);
    while (!ended_.load() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return ended_.load();
  }
  // Runs the agent in this thread (when it is expected to end by itself).
  int run_here() { return run_agent(opt, factory(), stop_); }
  // Asks it to stop; its exit code.
  int finish() {
    stop_.store(true);
    thread_.join();
    return code_;
  }
  bool registered(int times = 1) {
    return server->wait_until([&](const FakeState& s) { return s.registrations >= times; });
  }
  const Json* wait_exit(std::int64_t job, std::int64_t segment, int within_ms = 5000) {
    server->wait_until([&](const FakeState& s) { return s.exit_of(job, segment) != nullptr; }, within_ms);
    state_ = server->state();
    return state_.exit_of(job, segment);
  }
  bool wait_log(std::int64_t job, std::int64_t segment, const std::string& stream, const std::string& text) {
    return server->wait_until(
        [&](const FakeState& s) { return s.log(job, segment, stream).find(text) != std::string::npos; });
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(lines_->mu);
    return lines_->all;
  }
  int lines_with(const std::string& text) const {
    int n = 0;
    for (const std::string& l : lines()) n += l.find(text) != std::string::npos;
    return n;
  }
  std::string job_dir(const std::string& key) const { return fs::canonical(work_).string() + "/jobs/" + key; }

 private:
  struct Lines {
    std::mutex mu;
    std::vector<std::string> all;
  };
  std::string work_;
  std::shared_ptr<Lines> lines_ = std::make_shared<Lines>();
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::thread thread_;
  int code_ = -1;
  FakeState state_;
};

TEST(Agent, RunsAJobShipsItsOutputThenReportsItsExit) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("echo hi; echo err >&2; exit 3")));
  const Json* e = a.wait_exit(7, 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["exit_code"], 3);
  EXPECT_EQ((*e)["signal"], 0);
  EXPECT_EQ(a.finish(), 0);

  FakeState s = a.server->state();
  EXPECT_EQ(s.log(7, 1, "stdout"), "hi\n");
  EXPECT_EQ(s.log(7, 1, "stderr"), "err\n");
  // All its output reached the server before its exit did.
  std::size_t exit_seq = 0;
  for (const SeenRequest& r : s.of("/v1/agent/report"))
    if (r.status == 200 && !r.body["exits"].empty()) {
      exit_seq = r.seq;
      break;
    }
  ASSERT_GT(exit_seq, 0u);
  for (const SeenRequest& r : s.of("/v1/agent/logs")) EXPECT_LT(r.seq, exit_seq);
  // What it declared, and the token on every request, which it never printed.
  Json reg = s.of("/v1/agent/register").at(0).body;
  EXPECT_EQ(reg, Json::parse(R"({"node":"n1","gpus":8,"gpu_type":"H100","running":[]})"));
  for (const SeenRequest& r : s.requests) EXPECT_EQ(r.authorization, "Bearer " + a.server->token) << r.target;
  EXPECT_EQ(a.lines_with(a.server->token), 0);
  // The files stay in its work dir.
  EXPECT_EQ(slurp(a.job_dir("7-1") + "/stdout.log"), "hi\n");
}

TEST(Agent, GivesTheJobItsEnvironmentAndWorkDir) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  Json o = start_order(9, 3, sh("printf '%s|' \"$CUDA_VISIBLE_DEVICES\" \"$HEXA_JOB_ID\" \"$HEXA_NODE_RANK\" "
                                "\"$HEXA_NUM_NODES\" \"$HEXA_NODES\" \"$HEXA_RESTARTS\" \"$HEXA_SEGMENT\" \"$K\" "
                                "\"$HEXA_MASTER_ADDR\" \"$HEXA_MASTER_PORT\"; pwd -P"));
  o["env"] = {{"K", "V"}, {"HEXA_JOB_ID", "not this"}};
  o["gpus"] = {0, 1};
  o["rank"] = 1;
  o["nodes"] = {"n0", "n1"};
  o["restarts"] = 2;
  o["master_addr"] = "10.1.2.3";
  o["master_port"] = 29777;
  a.server->order(o);
  ASSERT_NE(a.wait_exit(9, 3), nullptr);
  EXPECT_EQ(a.server->state().log(9, 3, "stdout"), "0,1|9|1|2|n0,n1|2|3|V|10.1.2.3|29777|" + a.job_dir("9-3") + "\n");
}

TEST(Agent, StopOrderEndsAJobWithinItsGrace) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("echo up; exec sleep 30")));
  ASSERT_TRUE(a.wait_log(7, 1, "stdout", "up"));
  auto t0 = std::chrono::steady_clock::now();
  a.server->order(stop_order(7, 1, 5000));
  const Json* e = a.wait_exit(7, 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["signal"], SIGTERM);
  EXPECT_EQ((*e)["exit_code"], 128 + SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));  // SIGTERM did it
  a.server->order(stop_order(7, 1, 0));  // no longer running: ignored
  a.server->order(stop_order(99, 1, 0));  // never ran: ignored
  EXPECT_EQ(a.finish(), 0);
}

TEST(Agent, StopOrderKillsAJobThatIgnoresSigterm) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(8, 1, sh("trap '' TERM; echo up; sleep 30")));
  ASSERT_TRUE(a.wait_log(8, 1, "stdout", "up"));
  a.server->order(stop_order(8, 1, 200));
  const Json* e = a.wait_exit(8, 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["signal"], SIGKILL);
}

// The server frees a stopped job's GPUs at once; its processes have their grace. A job given
// those GPUs meanwhile starts only once they are gone: no GPU is used by two jobs at once.
TEST(Agent, AStartWaitsForTheGpusOfAStoppingJob) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(8, 1, sh("trap 'sleep 1; date +%s%N > ended; exit 0' TERM; echo up; while :; do sleep 0.05; done")));
  ASSERT_TRUE(a.wait_log(8, 1, "stdout", "up"));
  a.server->order(stop_order(8, 1, 5000));
  a.server->order(start_order(9, 1, sh("date +%s%N")));  // GPU 0 too
  Json other = start_order(10, 1, sh("echo other"));
  other["gpus"] = {1};  // another GPU: starts at once
  a.server->order(other);
  ASSERT_TRUE(a.wait_log(10, 1, "stdout", "other"));
  ASSERT_NE(a.wait_exit(9, 1), nullptr);
  ASSERT_TRUE(a.wait_log(9, 1, "stdout", "\n"));
  const double began = std::stod(a.server->state().log(9, 1, "stdout"));
  const double ended = std::stod(slurp(a.job_dir("8-1") + "/ended"));
  EXPECT_GT(began, ended) << "job 9 started on GPU 0 while job 8 still ran there";
  EXPECT_EQ(a.lines_with("waits for its GPUs, which job 8-1 still holds"), 1);
  // A job that waits and is stopped never starts.
  a.server->order(start_order(11, 1, sh("trap '' TERM; echo up; sleep 30")));
  ASSERT_TRUE(a.wait_log(11, 1, "stdout", "up"));
  a.server->order(stop_order(11, 1, 300));
  a.server->order(start_order(12, 1, sh("echo never")));
  a.server->order(stop_order(12, 1, 300));
  ASSERT_NE(a.wait_exit(11, 1), nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(fs::exists(a.job_dir("12-1") + "/stdout.log"));
  EXPECT_EQ(a.finish(), 0);
}

TEST(Agent, StaleEpochStopsEveryJobAndRegistersAgain) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("echo $$; exec sleep 30")));
  ASSERT_TRUE(a.wait_log(7, 1, "stdout", "\n"));
  pid_t pid = std::stoi(a.server->state().log(7, 1, "stdout"));
  a.server->make_stale();  // the waiting poll gets 409
  ASSERT_TRUE(a.registered(2));
  FakeState s = a.server->state();
  EXPECT_EQ(s.of("/v1/agent/register").at(1).body["running"], Json::array());
  EXPECT_EQ(::kill(pid, 0), -1);  // stopped, and reaped, before registering again
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(s.exit_of(7, 1), nullptr);  // the server counted it lost with the old epoch
  // It goes on with the new epoch.
  a.server->order(start_order(7, 2, sh("exit 0")));
  ASSERT_NE(a.wait_exit(7, 2), nullptr);
  EXPECT_EQ(a.finish(), 0);
}

TEST(Agent, StaleEpochOnAReportAlsoStartsOver) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->script("/v1/agent/report", 409, R"({"detail":"stale epoch"})");
  a.server->order(start_order(7, 1, sh("exit 0")));
  ASSERT_TRUE(a.registered(2));
  EXPECT_EQ(a.server->state().exit_of(7, 1), nullptr);
  EXPECT_EQ(a.lines_with("is stale"), 1);
}

TEST(Agent, ExitsAreSentAgainUntilAcknowledged) {
  AgentRun a;
  a.server->script("/v1/agent/report", 503, R"({"detail":"journal busy"})");
  a.server->script("/v1/agent/report", 503, R"({"detail":"journal busy"})");
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("exit 0")));
  ASSERT_NE(a.wait_exit(7, 1), nullptr);
  EXPECT_EQ(a.finish(), 0);
  std::vector<int> statuses;
  for (const SeenRequest& r : a.server->state().of("/v1/agent/report"))
    if (!r.body["exits"].empty()) statuses.push_back(r.status);
  EXPECT_EQ(statuses, (std::vector<int>{503, 503, 200}));  // and not once more after the 200
  EXPECT_EQ(a.lines_with("journal busy"), 1);               // said once
}

TEST(Agent, RegisterRefusedEndsWithCode2AndTheDetail) {
  AgentRun a;
  a.server->script("/v1/agent/register", 400, R"({"title":"Bad Request","detail":"node n1 is not in the cluster"})");
  EXPECT_EQ(a.run_here(), 2);
  ASSERT_EQ(a.lines_with("node n1 is not in the cluster"), 1);
  for (const std::string& l : a.lines()) EXPECT_EQ(l.find('\n'), std::string::npos);
}

TEST(Agent, RegisterWithABadTokenEndsWithCode2) {
  AgentRun a;
  a.opt.token = "hexa_not_the_token";
  EXPECT_EQ(a.run_here(), 2);
  EXPECT_EQ(a.lines_with("HTTP 401"), 1);
  EXPECT_EQ(a.lines_with("hexa_not_the_token"), 0);
}

TEST(Agent, RegisterRetriesWhileTheServerDoesNotAnswer) {
  AgentRun a;
  a.server->script("/v1/agent/register", 0);
  a.server->script("/v1/agent/register", 0);
  a.server->script("/v1/agent/register", 502, "<html>bad gateway</html>");
  a.start();
  ASSERT_TRUE(a.registered());
  EXPECT_EQ(a.server->state().of("/v1/agent/register").size(), 4u);
  EXPECT_EQ(a.finish(), 0);
  EXPECT_EQ(a.lines_with("retrying"), 1);
  EXPECT_EQ(a.lines_with("answers again"), 1);
}

TEST(Agent, ACommandThatCannotRunEndsWith127) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, {"/nonexistent/hexa-test-program"}));
  Json bad = start_order(8, 1, {});
  bad["command"] = "not an array";
  a.server->order(bad);
  const Json* e = a.wait_exit(7, 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["exit_code"], 127);
  ASSERT_NE(a.wait_exit(8, 1), nullptr);
  EXPECT_EQ((*a.wait_exit(8, 1))["exit_code"], 127);
  FakeState s = a.server->state();
  EXPECT_NE(s.log(7, 1, "stderr").find("cannot run '/nonexistent/hexa-test-program'"), std::string::npos);
  EXPECT_NE(s.log(8, 1, "stderr").find("\"command\" must be an array of strings"), std::string::npos);
}

TEST(Agent, AStartForARunningJobIsIgnored) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  Json o = start_order(7, 1, sh("echo once; sleep 0.3"));
  a.server->order(o);
  a.server->order(o);
  ASSERT_NE(a.wait_exit(7, 1), nullptr);
  a.server->order(o);  // ended: not run again either
  a.server->order(start_order(7, 2, sh("exit 0")));
  ASSERT_NE(a.wait_exit(7, 2), nullptr);
  FakeState s = a.server->state();
  EXPECT_EQ(s.log(7, 1, "stdout"), "once\n");
  int exits = 0;
  for (const Json& e : s.exits) exits += e["job"] == 7 && e["segment"] == 1;
  EXPECT_EQ(exits, 1);
}

TEST(Agent, StoppingTheAgentStopsItsJobsAndReportsTheirExits) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("echo up; exec sleep 30")));
  ASSERT_TRUE(a.wait_log(7, 1, "stdout", "up"));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(a.finish(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  FakeState s = a.server->state();
  const Json* e = s.exit_of(7, 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["signal"], SIGTERM);
  // The reports of a stopping agent say it leaves: the server requeues rather than ends its jobs.
  auto reports = s.of("/v1/agent/report");
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().body.value("leaving", false), true);
}

TEST(Agent, AStoppingAgentWithNoJobsStillSaysItLeaves) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  EXPECT_EQ(a.finish(), 0);
  auto reports = a.server->state().of("/v1/agent/report");
  ASSERT_FALSE(reports.empty()) << "the node would be lost only after the grace";
  EXPECT_EQ(reports.back().body.value("leaving", false), true);
}

TEST(Agent, StoppingTheAgentIsBoundedWhenTheServerIsGone) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("echo up; exec sleep 30")));
  ASSERT_TRUE(a.wait_log(7, 1, "stdout", "up"));
  for (int i = 0; i < 200; ++i) a.server->script("/v1/agent/report", 0);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(a.finish(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(6));
  EXPECT_EQ(a.lines_with("stopping without reporting 1 exit"), 1);
}

TEST(Agent, ShippingResumesFromTheServersSize) {
  AgentRun a;
  a.server->script("/v1/agent/logs", 200, R"({"size":0})");  // the first chunk is lost
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("echo hello")));
  ASSERT_NE(a.wait_exit(7, 1), nullptr);
  FakeState s = a.server->state();
  EXPECT_EQ(s.log(7, 1, "stdout"), "hello\n");
  int at_zero = 0;
  for (const SeenRequest& r : s.of("/v1/agent/logs")) at_zero += r.body["stream"] == "stdout" && r.body["offset"] == 0;
  EXPECT_EQ(at_zero, 2);
}

TEST(Agent, LargeOutputGoesInChunksOfAtMost64KiB) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  // 200000 bytes: 4 chunks.
  a.server->order(start_order(7, 1, sh("head -c 200000 /dev/zero | tr '\\0' x")));
  ASSERT_NE(a.wait_exit(7, 1), nullptr);
  FakeState s = a.server->state();
  EXPECT_EQ(s.log(7, 1, "stdout"), std::string(200000, 'x'));
  for (const SeenRequest& r : s.of("/v1/agent/logs"))
    EXPECT_LE(base64_decode(r.body["data_b64"].get<std::string>())->size(), 64u * 1024);
}

TEST(Agent, OutputWrittenAfterTheExitDoesNotHoldItUp) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  // A child that left the job's group (setsid) writes on after the job ended.
  a.server->order(start_order(7, 1, sh("setsid sh -c 'while :; do echo more; sleep 0.01; done' & echo $! >pid; exit 0")));
  const Json* e = a.wait_exit(7, 1);
  std::string pid = slurp(a.job_dir("7-1") + "/pid");
  if (!pid.empty()) ::kill(std::stoi(pid), SIGKILL);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ((*e)["exit_code"], 0);
}

TEST(Agent, TheHeartbeatCarriesTheRunningJobs) {
  AgentRun a;
  a.server->heartbeat_s = 1;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("exec sleep 30")));
  ASSERT_TRUE(a.server->wait_until(
      [](const FakeState& s) {
        for (const SeenRequest& r : s.of("/v1/agent/report"))
          if (r.body["exits"].empty() && r.body["running"] == Json::parse(R"([{"job":7,"segment":1}])")) return true;
        return false;
      },
      3000));
  EXPECT_EQ(a.finish(), 0);
}

TEST(Agent, ARevokedTokenStopsTheJobsAndEndsWithCode2) {
  AgentRun a;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("echo $$; exec sleep 30")));
  ASSERT_TRUE(a.wait_log(7, 1, "stdout", "\n"));
  pid_t pid = std::stoi(a.server->state().log(7, 1, "stdout"));
  a.server->revoke();
  ASSERT_TRUE(a.ends_by_itself());
  EXPECT_EQ(a.finish(), 2);
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(a.lines_with("refuses this node's token"), 1);
}

TEST(Agent, JobsRunAsTheJobUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  Result<JobUserChoice> choice = choose_job_user(false);
  ASSERT_TRUE(choice.ok());
  ASSERT_TRUE(choice->user.has_value());
  AgentRun a;
  a.opt.job_user = choice->user;
  a.start();
  ASSERT_TRUE(a.registered());
  a.server->order(start_order(7, 1, sh("id -u; touch made-here")));
  ASSERT_NE(a.wait_exit(7, 1), nullptr);
  EXPECT_EQ(a.server->state().log(7, 1, "stdout"), std::to_string(choice->user->uid) + "\n");
  struct stat st {};
  ASSERT_EQ(::stat((a.job_dir("7-1") + "/made-here").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, choice->user->uid);
}

TEST(Agent, BadOptionsEndWithCode2) {
  AgentRun a;
  a.opt.gpus = 0;
  EXPECT_EQ(a.run_here(), 2);
  EXPECT_EQ(a.lines_with("gpus: must be from 1 to 64"), 1);
  EXPECT_TRUE(a.server->state().requests.empty());
}

}  // namespace
}  // namespace hexa
