// The keeper between the agent and each job (agent/process.h): it records the job's exit, it
// outlives the supervisor that started it, and another supervisor adopts its job.
#include "agent/process.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/atomic_file.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;

TimeMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void nap() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<ProcessExit> wait_exit(Supervisor& sup, const std::string& key, DurationMs within = 10'000) {
  TimeMs deadline = now_ms() + within;
  while (now_ms() < deadline) {
    for (ProcessExit& e : sup.tick(now_ms()))
      if (e.key == key) return e;
    nap();
  }
  return std::nullopt;
}

bool wait_for_text(const std::string& path, const std::string& text, DurationMs within = 5000) {
  TimeMs deadline = now_ms() + within;
  while (now_ms() < deadline) {
    if (slurp(path).find(text) != std::string::npos) return true;
    nap();
  }
  return false;
}

// Reaps what ends among our children (we are a subreaper: released keepers become ours) and
// says whether `pid` is gone.
bool gone(pid_t pid, DurationMs within = 5000) {
  TimeMs deadline = now_ms() + within;
  while (now_ms() < deadline) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (!process_start_time(pid)) return true;
    nap();
  }
  return false;
}

class KeeperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
  void SetUp() override {
    char tmpl[] = "/tmp/hexa-keeper-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  ProcessSpec spec(std::vector<std::string> argv) const {
    ProcessSpec s;
    s.argv = std::move(argv);
    s.workdir = dir_ + "/work";
    s.stdout_path = dir_ + "/out.txt";
    s.stderr_path = dir_ + "/err.txt";
    s.exit_path = dir_ + "/exit";
    return s;
  }
  std::string dir_;
};

TEST_F(KeeperTest, TheKeeperRecordsTheExitInItsFile) {
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"sh", "-c", "exit 3"})).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 3);
  EXPECT_EQ(slurp(dir_ + "/exit"), "3 0\n");
  EXPECT_FALSE(fs::exists(dir_ + "/exit.tmp"));
}

TEST_F(KeeperTest, ASignalledJobIsRecordedWithItsSignal) {
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"sleep", "30"})).ok());
  sup.stop("j", now_ms(), 5000);
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, SIGTERM);
  EXPECT_EQ(e->exit_code, 128 + SIGTERM);
  EXPECT_EQ(slurp(dir_ + "/exit"), "143 15\n");
}

TEST_F(KeeperTest, IdsNameTheKeeperAndTheJobWithTheirStartTimes) {
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"sleep", "30"}));
  ASSERT_TRUE(pid.ok());
  std::optional<ProcessIds> ids = sup.ids("j");
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->job, *pid);
  EXPECT_NE(ids->keeper, *pid);
  EXPECT_EQ(getpgid(*pid), *pid) << "the job leads its group";
  EXPECT_EQ(getsid(ids->keeper), ids->keeper) << "the keeper has a session of its own";
  EXPECT_EQ(slurp("/proc/" + std::to_string(ids->keeper) + "/comm"), "hexa-keeper\n");
  EXPECT_TRUE(same_process(ids->keeper, ids->keeper_start));
  EXPECT_TRUE(same_process(ids->job, ids->job_start));
  EXPECT_FALSE(same_process(ids->job, ids->job_start + 1)) << "another start time: another process";
  EXPECT_FALSE(sup.ids("other"));
}

TEST_F(KeeperTest, TheKeeperHoldsNothingOfTheAgentsOpen) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);  // not close-on-exec: an agent's descriptor the keeper must not keep
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"sleep", "30"})).ok());
  pid_t keeper = sup.ids("j")->keeper;
  std::vector<std::string> open;
  TimeMs deadline = now_ms() + 5000;
  do {  // it closes them right after it has told the job's pid
    open.clear();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(keeper) + "/fd", ec))
      open.push_back(e.path().filename().string());
    if (open.size() <= 3) break;
    nap();
  } while (now_ms() < deadline);
  EXPECT_LE(open.size(), 3u) << "0, 1 and 2 (/dev/null) only";
  close(fds[0]);
  close(fds[1]);
}

TEST_F(KeeperTest, AReleasedJobRunsOnAndAnotherSupervisorAdoptsIt) {
  ProcessIds ids;
  {
    Supervisor first;
    ASSERT_TRUE(first.start("j", spec({"sh", "-c", "echo started; sleep 1; exit 7"})).ok());
    ids = *first.ids("j");
    first.release();
  }  // its destructor kills nothing: released
  ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "started"));
  EXPECT_TRUE(same_process(ids.job, ids.job_start)) << "the job runs on";
  Supervisor second;
  ASSERT_TRUE(second.adopt("j", ids, dir_ + "/exit", "").ok());
  EXPECT_TRUE(second.running("j"));
  std::optional<ProcessExit> e = wait_exit(second, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 7) << "the real exit code, read from the keeper's file";
  EXPECT_EQ(e->signal, 0);
}

TEST_F(KeeperTest, AnAdoptedJobIsStoppedThroughItsGroup) {
  ProcessIds ids;
  {
    Supervisor first;
    ASSERT_TRUE(first.start("j", spec({"sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.1; done"})).ok());
    ids = *first.ids("j");
    ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "up"));
    first.release();
  }
  Supervisor second;
  ASSERT_TRUE(second.adopt("j", ids, dir_ + "/exit", "").ok());
  second.stop("j", now_ms(), 5000);
  std::optional<ProcessExit> e = wait_exit(second, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0) << "it trapped SIGTERM and exited 0 within the grace";
  EXPECT_TRUE(wait_for_text(dir_ + "/out.txt", "bye"));
}

TEST_F(KeeperTest, AnAdoptedJobIgnoringSigtermIsKilledAtTheGrace) {
  ProcessIds ids;
  {
    Supervisor first;
    ASSERT_TRUE(first.start("j", spec({"sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.1; done"})).ok());
    ids = *first.ids("j");
    ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "up"));
    first.release();
  }
  Supervisor second;
  ASSERT_TRUE(second.adopt("j", ids, dir_ + "/exit", "").ok());
  second.stop("j", now_ms(), 200);
  std::optional<ProcessExit> e = wait_exit(second, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, SIGKILL);
}

TEST_F(KeeperTest, AdoptionNeedsTheKeeperAliveWithItsStartTime) {
  Supervisor sup;
  ProcessIds ids;
  ids.keeper = getpid();
  ids.keeper_start = process_start_time(getpid()).value() + 1;  // a reused pid
  ids.job = getpid();
  Status s = sup.adopt("j", ids, dir_ + "/exit", "");
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.message();
  EXPECT_NE(s.message().find("is not running"), std::string::npos) << s.message();
  EXPECT_FALSE(sup.running("j"));
}

TEST_F(KeeperTest, AnAdoptedJobWhoseKeeperDiesWithoutAnExitIsLostAndKilled) {
  ProcessIds ids;
  {
    Supervisor first;
    ASSERT_TRUE(first.start("j", spec({"sh", "-c", "echo up; while :; do sleep 0.1; done"})).ok());
    ids = *first.ids("j");
    ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "up"));
    first.release();
  }
  Supervisor second;
  ASSERT_TRUE(second.adopt("j", ids, dir_ + "/exit", "").ok());
  ASSERT_EQ(kill(ids.keeper, SIGKILL), 0);
  std::optional<ProcessExit> e = wait_exit(second, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, -1) << "no exit file: the status is lost";
  EXPECT_TRUE(gone(ids.job)) << "what was left of the job is killed";
}

TEST_F(KeeperTest, AKeeperStopsItsJobOnceTheAgentIsPastItsFence) {
  ASSERT_TRUE(write_heard_file(dir_ + "/heard", now_ms(), 8000).ok());
  Supervisor sup;
  ProcessSpec s = spec({"sh", "-c", "trap 'echo fenced; exit 0' TERM; echo up; while :; do sleep 0.1; done"});
  s.heard_path = dir_ + "/heard";
  ASSERT_TRUE(sup.start("j", s).ok());
  ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "up"));  // its trap is set
  EXPECT_TRUE(sup.tick(now_ms()).empty()) << "heard: not fenced";
  ASSERT_TRUE(write_heard_file(dir_ + "/heard", now_ms() - 60'000, 8000).ok());  // unheard for a minute
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->fenced);
  EXPECT_EQ(e->exit_code, 0) << "SIGTERM first: it ended its own way";
  EXPECT_EQ(slurp(dir_ + "/exit"), "0 0 fenced\n");
  EXPECT_NE(slurp(dir_ + "/out.txt").find("fenced"), std::string::npos);
}

TEST_F(KeeperTest, AHeardAgentsJobIsNotFenced) {
  ASSERT_TRUE(write_heard_file(dir_ + "/heard", now_ms(), 60'000).ok());
  Supervisor sup;
  ProcessSpec s = spec({"sh", "-c", "sleep 0.5; exit 4"});
  s.heard_path = dir_ + "/heard";
  ASSERT_TRUE(sup.start("j", s).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->fenced);
  EXPECT_EQ(e->exit_code, 4);
  // No fence in the file (a server that gives none), or no file: never fenced.
  ASSERT_TRUE(write_heard_file(dir_ + "/heard", 0, 0).ok());
  ASSERT_TRUE(sup.start("k", spec({"sh", "-c", "sleep 0.3; exit 5"})).ok());
  std::optional<ProcessExit> k = wait_exit(sup, "k");
  ASSERT_TRUE(k);
  EXPECT_FALSE(k->fenced);
  EXPECT_EQ(k->exit_code, 5);
}

// The record (ProcessSpec::record) comes before the job's program: the agent's crash in between
// must leave nothing running that the next agent cannot find.
TEST_F(KeeperTest, TheJobsProgramRunsOnlyOnceItIsRecorded) {
  ProcessSpec s = spec({"sh", "-c", "touch " + dir_ + "/ran"});
  ProcessIds seen;
  bool ran_before = true, alive = false;
  s.record = [&](const ProcessIds& ids) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // time for a program that did not wait
    ran_before = fs::exists(dir_ + "/ran");
    alive = same_process(ids.keeper, ids.keeper_start) && same_process(ids.job, ids.job_start);
    seen = ids;
    return Status::Ok();
  };
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", s);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  EXPECT_FALSE(ran_before) << "the program ran before its record";
  EXPECT_TRUE(alive) << "the ids name the keeper and the job";
  EXPECT_EQ(seen.job, *pid);
  EXPECT_EQ(sup.ids("j")->keeper, seen.keeper);
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_FALSE(e->fenced);
  EXPECT_TRUE(fs::exists(dir_ + "/ran"));
}

TEST_F(KeeperTest, ARecordThatFailsEndsTheJobBeforeItsProgramRuns) {
  ProcessSpec s = spec({"sh", "-c", "touch " + dir_ + "/ran; sleep 30"});
  ProcessIds seen;
  s.record = [&](const ProcessIds& ids) {
    seen = ids;
    return Status::Unavailable("disk full");
  };
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", s);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("cannot record it: disk full"), std::string::npos) << pid.status().message();
  EXPECT_NE(slurp(dir_ + "/err.txt").find("cannot record it for 'sh': disk full"), std::string::npos);
  EXPECT_FALSE(sup.running("j"));
  EXPECT_TRUE(gone(seen.keeper));
  EXPECT_TRUE(gone(seen.job));
  EXPECT_FALSE(fs::exists(dir_ + "/ran")) << "the program ran";
  EXPECT_FALSE(fs::exists(dir_ + "/exit")) << "not an exit to report";
}

// The agent killed inside its record (a crash between fork and record): the keeper never gets
// the go, so the job never runs, and its exit says fenced (the server counts it lost).
TEST_F(KeeperTest, AJobWhoseAgentDiesBeforeRecordingItNeverRuns) {
  ProcessSpec s = spec({"sh", "-c", "touch " + dir_ + "/ran; sleep 30"});
  const std::string ids_path = dir_ + "/ids";
  s.record = [ids_path](const ProcessIds& ids) {
    (void)write_atomically(ids_path, std::to_string(ids.keeper) + " " + std::to_string(ids.job));
    (void)::kill(::getpid(), SIGKILL);
    return Status::Ok();
  };
  pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {  // the agent, in a process of its own, as the real one
    Supervisor sup;
    (void)sup.start("j", s);
    ::_exit(0);
  }
  int st = 0;
  ASSERT_EQ(::waitpid(agent, &st, 0), agent);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << st;
  pid_t keeper = 0, job = 0;
  std::istringstream(slurp(ids_path)) >> keeper >> job;
  ASSERT_GT(keeper, 0);
  ASSERT_GT(job, 0);
  EXPECT_TRUE(gone(keeper));
  EXPECT_TRUE(gone(job));
  EXPECT_EQ(slurp(dir_ + "/exit"), "127 0 fenced\n");
  EXPECT_FALSE(fs::exists(dir_ + "/ran")) << "the program ran, unrecorded";
}

// An agent frozen (SIGSTOP) between its record and its go wakes past its fence: by then the
// server may run the job elsewhere. The keeper looks at the fence when the go comes. (Its
// fence while it waits for the job would stop the job too, but only once it ran a little.)
TEST_F(KeeperTest, AKeeperPastTheFenceWhenTheGoComesNeverRunsTheJob) {
  const std::string heard = dir_ + "/heard";
  ASSERT_TRUE(write_heard_file(heard, now_ms(), 8000).ok());
  ProcessSpec s = spec({"sh", "-c", "touch " + dir_ + "/ran"});
  s.heard_path = heard;
  // Frozen a minute between the record and the go: the heard file is that old when the go comes.
  s.record = [heard](const ProcessIds&) { return write_heard_file(heard, now_ms() - 60'000, 8000); };
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", s).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->fenced);
  EXPECT_FALSE(fs::exists(dir_ + "/ran")) << "the program ran past the fence";
}

TEST(ProcessFiles, StartTimesAndExitFiles) {
  EXPECT_TRUE(process_start_time(getpid()));
  EXPECT_FALSE(process_start_time(0));
  EXPECT_FALSE(process_start_time(-5));
  char tmpl[] = "/tmp/hexa-exit-file-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_TRUE(write_exit_file(dir + "/exit", 3, 0).ok());
  std::optional<ProcessExit> e = read_exit_file(dir + "/exit");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 3);
  EXPECT_EQ(e->signal, 0);
  ASSERT_TRUE(write_atomically(dir + "/fenced", "143 15 fenced\n").ok());
  std::optional<ProcessExit> f = read_exit_file(dir + "/fenced");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->fenced);
  EXPECT_EQ(f->signal, 15);
  EXPECT_FALSE(e->fenced);
  for (const char* bad : {"", "3", "3 0", "x 0\n", "3 0\nmore", "999 0\n", "3 -2\n", "3 0 fence\n"}) {
    ASSERT_TRUE(write_atomically(dir + "/bad", bad).ok());
    EXPECT_FALSE(read_exit_file(dir + "/bad")) << "'" << bad << "'";
  }
  EXPECT_FALSE(read_exit_file(dir + "/missing"));
  EXPECT_FALSE(read_exit_file(""));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace hexa
