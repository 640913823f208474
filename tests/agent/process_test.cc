#include "agent/process.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hexa {
namespace {

namespace fs = std::filesystem;

TimeMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void nap() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls tick() until `key` is reported (or the deadline); the other exits are dropped.
std::optional<ProcessExit> wait_exit(Supervisor& sup, const std::string& key, DurationMs within = 5000) {
  TimeMs deadline = now_ms() + within;
  while (now_ms() < deadline) {
    for (ProcessExit& e : sup.tick(now_ms()))
      if (e.key == key) return e;
    nap();
  }
  return std::nullopt;
}

// Polls tick() until all of `keys` are reported (or the deadline).
std::map<std::string, ProcessExit> wait_exits(Supervisor& sup, const std::vector<std::string>& keys,
                                              DurationMs within = 5000) {
  std::map<std::string, ProcessExit> got;
  TimeMs deadline = now_ms() + within;
  while (got.size() < keys.size() && now_ms() < deadline) {
    for (ProcessExit& e : sup.tick(now_ms())) got[e.key] = e;
    nap();
  }
  return got;
}

bool wait_for_text(const std::string& path, const std::string& text, DurationMs within = 5000) {
  TimeMs deadline = now_ms() + within;
  while (now_ms() < deadline) {
    if (slurp(path).find(text) != std::string::npos) return true;
    nap();
  }
  return false;
}

// True once no process of the group is left. This test program is a child subreaper (see
// SetUpTestSuite), so the group's orphans become our children when their shell dies: their
// zombies are reaped here rather than waiting on the container's init, which is slow at it.
bool group_gone(pid_t pgid, DurationMs within = 3000) {
  TimeMs deadline = now_ms() + within;
  while (now_ms() < deadline) {
    siginfo_t info;
    while (waitid(P_PGID, static_cast<id_t>(pgid), &info, WEXITED | WNOHANG) == 0 && info.si_pid != 0) {
    }
    if (kill(-pgid, 0) == -1 && errno == ESRCH) return true;
    nap();
  }
  return false;
}

class ProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }

  void SetUp() override {
    char tmpl[] = "/tmp/hexa-process-test-XXXXXX";
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
    return s;
  }
  std::string out() const { return slurp(dir_ + "/out.txt"); }
  std::string err() const { return slurp(dir_ + "/err.txt"); }

  std::string dir_;
};

TEST_F(ProcessTest, OutputLandsInItsFiles) {
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"sh", "-c", "echo to-out; echo to-err >&2"}));
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  EXPECT_GT(*pid, 0);
  EXPECT_TRUE(sup.running("j"));
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "j");
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_EQ(e->signal, 0);
  EXPECT_FALSE(sup.running("j"));
  EXPECT_EQ(out(), "to-out\n");
  EXPECT_EQ(err(), "to-err\n");
  mode_t mask = umask(0);
  umask(mask);
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/out.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640 & ~mask);
}

TEST_F(ProcessTest, OutputFilesAreTruncated) {
  { std::ofstream(dir_ + "/out.txt") << "old content that is much longer than the new\n"; }
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"echo", "new"})).ok());
  ASSERT_TRUE(wait_exit(sup, "j"));
  EXPECT_EQ(out(), "new\n");
}

TEST_F(ProcessTest, OneFileForBothStreams) {
  Supervisor sup;
  ProcessSpec s = spec({"sh", "-c", "echo one; echo two >&2; echo three"});
  s.stderr_path = s.stdout_path;
  ASSERT_TRUE(sup.start("j", s).ok());
  ASSERT_TRUE(wait_exit(sup, "j"));
  EXPECT_EQ(out(), "one\ntwo\nthree\n");
}

TEST_F(ProcessTest, StdinIsDevNull) {
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"sh", "-c", "cat; echo done"})).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_EQ(out(), "done\n");
}

TEST_F(ProcessTest, EnvironmentIsTheAgentsPlusTheSpecs) {
  ASSERT_EQ(setenv("HEXA_TEST_INHERITED", "from-agent", 1), 0);
  ASSERT_EQ(setenv("HEXA_TEST_REPLACED", "old", 1), 0);
  Supervisor sup;
  ProcessSpec s = spec({"sh", "-c", "echo $HEXA_JOB_ID $HEXA_TEST_INHERITED $HEXA_TEST_REPLACED"});
  s.env["HEXA_JOB_ID"] = "j-42";
  s.env["HEXA_TEST_REPLACED"] = "new";
  ASSERT_TRUE(sup.start("j", s).ok());
  ASSERT_TRUE(wait_exit(sup, "j"));
  EXPECT_EQ(out(), "j-42 from-agent new\n");
  unsetenv("HEXA_TEST_INHERITED");
  unsetenv("HEXA_TEST_REPLACED");
}

// Regression (tests/e2e/token_leak_test.cc found it): a job inherited HEXA_TOKEN from the shell
// that started its agent, an admin's token given to any tenant's code.
TEST_F(ProcessTest, TheAgentsTokenVariablesAreNotInherited) {
  ASSERT_EQ(setenv("HEXA_TOKEN", "hexa_agent_shell_secret", 1), 0);
  ASSERT_EQ(setenv("HEXA_TOKEN_FILE", "/etc/hexa/admin.token", 1), 0);
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"env"})).ok());
  ASSERT_TRUE(wait_exit(sup, "j"));
  EXPECT_EQ(out().find("HEXA_TOKEN"), std::string::npos) << out();
  ProcessSpec own = spec({"sh", "-c", "echo $HEXA_TOKEN"});
  own.env["HEXA_TOKEN"] = "the-submitters-own";  // what the submit gives, the job gets
  ASSERT_TRUE(sup.start("k", own).ok());
  ASSERT_TRUE(wait_exit(sup, "k"));
  EXPECT_EQ(out(), "the-submitters-own\n");
  unsetenv("HEXA_TOKEN");
  unsetenv("HEXA_TOKEN_FILE");
}

TEST_F(ProcessTest, ReplacedVariableAppearsOnce) {
  ASSERT_EQ(setenv("HEXA_TEST_ONCE", "old", 1), 0);
  Supervisor sup;
  ProcessSpec s = spec({"env"});
  s.env["HEXA_TEST_ONCE"] = "new";
  ASSERT_TRUE(sup.start("j", s).ok());
  ASSERT_TRUE(wait_exit(sup, "j"));
  std::string o = out();
  EXPECT_NE(o.find("HEXA_TEST_ONCE=new\n"), std::string::npos) << o;
  EXPECT_EQ(o.find("HEXA_TEST_ONCE=old"), std::string::npos) << o;
  unsetenv("HEXA_TEST_ONCE");
}

TEST_F(ProcessTest, ExitCodeIsReported) {
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"sh", "-c", "exit 3"})).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 3);
  EXPECT_EQ(e->signal, 0);
}

TEST_F(ProcessTest, StopIsSigtermToTheGroup) {
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"sleep", "30"})).ok());
  TimeMs t0 = now_ms();
  sup.stop("j", t0, 10 * kSecond);
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, SIGTERM);
  EXPECT_EQ(e->exit_code, 128 + SIGTERM);
  EXPECT_LT(now_ms() - t0, 3000);
}

TEST_F(ProcessTest, IgnoredSigtermIsFollowedBySigkillAfterTheGrace) {
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"sh", "-c", "trap '' TERM; echo ready; sleep 30"}));
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "ready"));  // the trap is set
  TimeMs t0 = now_ms();
  sup.stop("j", t0, 200);
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  TimeMs took = now_ms() - t0;
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, SIGKILL);
  EXPECT_EQ(e->exit_code, 128 + SIGKILL);
  EXPECT_GE(took, 200);
  EXPECT_LT(took, 3000);
  EXPECT_TRUE(group_gone(*pid));  // the sleep too
}

TEST_F(ProcessTest, NoKillBeforeTheGraceEnds) {
  // On the supervisor's clock: ticks before kill_at send nothing.
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"sh", "-c", "trap '' TERM; echo ready; sleep 30"}));
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "ready"));
  sup.stop("j", 1000, 500);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(sup.tick(1499).empty());
    nap();
  }
  EXPECT_TRUE(sup.running("j"));
  TimeMs deadline = now_ms() + 5000;
  std::vector<ProcessExit> exits;
  while (exits.empty() && now_ms() < deadline) {
    exits = sup.tick(1500);
    nap();
  }
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].signal, SIGKILL);
  EXPECT_TRUE(group_gone(*pid));
}

TEST_F(ProcessTest, BackgroundChildDiesOnStop) {
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"sh", "-c", "sleep 30 & echo ready; wait"}));
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "ready"));
  sup.stop("j", now_ms(), 200);
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, SIGTERM);
  EXPECT_TRUE(group_gone(*pid));
}

TEST_F(ProcessTest, BackgroundChildIgnoringSigtermDiesWithItsLeader) {
  // The leader dies of SIGTERM at once; the child that ignores it is SIGKILLed when the leader
  // is reaped, long before the grace would end.
  Supervisor sup;
  Result<pid_t> pid =
      sup.start("j", spec({"sh", "-c", "(trap '' TERM; echo ready; exec sleep 30) & wait"}));
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(wait_for_text(dir_ + "/out.txt", "ready"));
  sup.stop("j", now_ms(), 60 * kSecond);
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, SIGTERM);
  EXPECT_TRUE(group_gone(*pid));
}

TEST_F(ProcessTest, BackgroundChildDiesWhenTheJobExits) {
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"sh", "-c", "sleep 30 & exit 0"}));
  ASSERT_TRUE(pid.ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_TRUE(group_gone(*pid));
}

TEST_F(ProcessTest, TheJobLeadsItsOwnGroup) {
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"sleep", "30"}));
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(getpgid(*pid), *pid);
  EXPECT_NE(getpgid(*pid), getpgrp());
  sup.stop("j", now_ms(), 0);
  ASSERT_TRUE(wait_exit(sup, "j"));
}

TEST_F(ProcessTest, MissingProgramExits127WithTheReasonInStderr) {
  Supervisor sup;
  ProcessSpec s = spec({"hexa-no-such-program", "x"});
  s.env["PATH"] = "/usr/bin:/bin";  // searchable by anyone (else EACCES wins, as in execvp)
  Result<pid_t> pid = sup.start("j", s);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 127);
  EXPECT_EQ(e->signal, 0);
  EXPECT_EQ(err(), "hexa agent: cannot run 'hexa-no-such-program': No such file or directory\n");
}

TEST_F(ProcessTest, MissingPathExits127) {
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"/nonexistent/prog"})).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 127);
  EXPECT_EQ(err(), "hexa agent: cannot run '/nonexistent/prog': No such file or directory\n");
}

TEST_F(ProcessTest, NotExecutableExits127) {
  std::string prog = dir_ + "/not-exec";
  { std::ofstream(prog) << "#!/bin/sh\necho hi\n"; }
  ASSERT_EQ(chmod(prog.c_str(), 0644), 0);
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({prog})).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 127);  // root too: no x bit at all
  EXPECT_NE(err().find("Permission denied"), std::string::npos) << err();
}

TEST_F(ProcessTest, ScriptWithoutShebangRunsInSh) {
  std::string prog = dir_ + "/script";
  { std::ofstream(prog) << "echo from-script \"$1\"\n"; }
  ASSERT_EQ(chmod(prog.c_str(), 0755), 0);
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({prog, "arg"})).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_EQ(out(), "from-script arg\n");
}

TEST_F(ProcessTest, ThePathIsTheJobs) {
  fs::create_directories(dir_ + "/bin");
  std::string prog = dir_ + "/bin/hexa-test-tool";
  { std::ofstream(prog) << "#!/bin/sh\necho tool\n"; }
  ASSERT_EQ(chmod(prog.c_str(), 0755), 0);
  Supervisor sup;
  ProcessSpec s = spec({"hexa-test-tool"});
  s.env["PATH"] = "/nonexistent:" + dir_ + "/bin:/usr/bin:/bin";
  ASSERT_TRUE(sup.start("j", s).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0) << err();
  EXPECT_EQ(out(), "tool\n");
}

TEST_F(ProcessTest, WorkdirIsCreatedAndEntered) {
  Supervisor sup;
  ProcessSpec s = spec({"sh", "-c", "pwd -P"});
  s.workdir = dir_ + "/a/b/c";
  ASSERT_FALSE(fs::exists(s.workdir));
  ASSERT_TRUE(sup.start("j", s).ok());
  ASSERT_TRUE(wait_exit(sup, "j"));
  EXPECT_TRUE(fs::is_directory(s.workdir));
  EXPECT_EQ(out(), fs::canonical(s.workdir).string() + "\n");
  mode_t mask = umask(0);
  umask(mask);
  struct stat st {};
  ASSERT_EQ(stat(s.workdir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755 & ~mask);
}

TEST_F(ProcessTest, ExistingWorkdirIsFine) {
  fs::create_directories(dir_ + "/work");
  Supervisor sup;
  ASSERT_TRUE(sup.start("j", spec({"true"})).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);
}

TEST_F(ProcessTest, WorkdirThatIsAFileIsAnError) {
  { std::ofstream(dir_ + "/work") << "x"; }
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({"true"}));
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("workdir"), std::string::npos);
  EXPECT_TRUE(sup.keys().empty());
}

TEST_F(ProcessTest, OutputFileThatCannotBeMadeIsAnError) {
  Supervisor sup;
  ProcessSpec s = spec({"true"});
  s.stdout_path = dir_ + "/no/such/dir/out.txt";
  Result<pid_t> pid = sup.start("j", s);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(pid.status().message().find("stdout"), std::string::npos);
  EXPECT_FALSE(sup.running("j"));
}

TEST_F(ProcessTest, EmptyArgvIsInvalid) {
  Supervisor sup;
  Result<pid_t> pid = sup.start("j", spec({}));
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kInvalid);
  pid = sup.start("j", spec({""}));
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kInvalid);
  EXPECT_TRUE(sup.keys().empty());
}

TEST_F(ProcessTest, BadEnvironmentNameIsInvalid) {
  Supervisor sup;
  ProcessSpec s = spec({"true"});
  s.env["A=B"] = "c";
  Result<pid_t> pid = sup.start("j", s);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kInvalid);
}

TEST_F(ProcessTest, DuplicateKeyIsRefused) {
  Supervisor sup;
  Result<pid_t> first = sup.start("j", spec({"sleep", "30"}));
  ASSERT_TRUE(first.ok());
  ProcessSpec other = spec({"true"});
  other.stdout_path = dir_ + "/other.txt";
  Result<pid_t> second = sup.start("j", other);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kConflict);
  EXPECT_FALSE(fs::exists(dir_ + "/other.txt"));  // refused before anything was made
  EXPECT_TRUE(sup.running("j"));
  EXPECT_EQ(kill(*first, 0), 0);
  sup.stop("j", now_ms(), 0);
  ASSERT_TRUE(wait_exit(sup, "j"));
  // Once reported, the key is free again.
  ASSERT_TRUE(sup.start("j", spec({"true"})).ok());
  ASSERT_TRUE(wait_exit(sup, "j"));
}

TEST_F(ProcessTest, KeysAndRunning) {
  Supervisor sup;
  EXPECT_TRUE(sup.keys().empty());
  EXPECT_TRUE(sup.tick(now_ms()).empty());
  sup.stop("unknown", now_ms(), 100);  // fine
  ProcessSpec a = spec({"sleep", "30"});
  ProcessSpec b = spec({"sleep", "30"});
  b.stdout_path = dir_ + "/b.out";
  b.stderr_path = dir_ + "/b.err";
  ASSERT_TRUE(sup.start("b", b).ok());
  ASSERT_TRUE(sup.start("a", a).ok());
  EXPECT_EQ(sup.keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(sup.running("a"));
  EXPECT_FALSE(sup.running("c"));
  sup.stop("a", now_ms(), 0);
  ASSERT_TRUE(wait_exit(sup, "a"));
  EXPECT_EQ(sup.keys(), (std::vector<std::string>{"b"}));
}

TEST_F(ProcessTest, SignalsAreResetForTheJob) {
  // The agent ignores SIGUSR1 and blocks SIGUSR2; its jobs get neither.
  struct sigaction ign {}, old_action {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &ign, &old_action), 0);
  sigset_t usr2, old_mask;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr2, &old_mask), 0);
  Supervisor sup;
  Result<pid_t> p1 = sup.start("usr1", spec({"sleep", "30"}));
  ProcessSpec s2 = spec({"sleep", "30"});
  s2.stdout_path = dir_ + "/2.out";
  s2.stderr_path = dir_ + "/2.err";
  Result<pid_t> p2 = sup.start("usr2", s2);
  ASSERT_EQ(sigprocmask(SIG_SETMASK, &old_mask, nullptr), 0);
  ASSERT_EQ(sigaction(SIGUSR1, &old_action, nullptr), 0);
  ASSERT_TRUE(p1.ok());
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(kill(*p1, SIGUSR1), 0);
  ASSERT_EQ(kill(*p2, SIGUSR2), 0);
  std::map<std::string, ProcessExit> exits = wait_exits(sup, {"usr1", "usr2"});
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits["usr1"].signal, SIGUSR1);
  EXPECT_EQ(exits["usr2"].signal, SIGUSR2);
}

TEST_F(ProcessTest, DestructorLeavesNoChild) {
  pid_t a = 0, b = 0;
  {
    Supervisor sup;
    Result<pid_t> ra = sup.start("a", spec({"sleep", "30"}));
    ProcessSpec sb = spec({"sh", "-c", "sleep 30 & echo ready; wait"});
    sb.stdout_path = dir_ + "/b.out";
    sb.stderr_path = dir_ + "/b.err";
    Result<pid_t> rb = sup.start("b", sb);
    ASSERT_TRUE(ra.ok());
    ASSERT_TRUE(rb.ok());
    a = *ra;
    b = *rb;
    ASSERT_TRUE(wait_for_text(dir_ + "/b.out", "ready"));
    sup.stop("a", now_ms(), 10 * kSecond);  // one stopping, one not
  }
  int st = 0;
  EXPECT_EQ(waitpid(a, &st, WNOHANG), -1);  // reaped already
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(waitpid(b, &st, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(group_gone(a));
  EXPECT_TRUE(group_gone(b));
}

TEST_F(ProcessTest, RunsAsNobodyWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  Result<std::pair<uid_t, gid_t>> nobody = lookup_user("nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.status().message();
  Supervisor sup;
  ProcessSpec s = spec({"sh", "-c", "id -u; id -g; id -G; echo written > mine.txt && echo ok"});
  s.uid = nobody->first;
  s.gid = nobody->second;
  ASSERT_TRUE(sup.start("j", s).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0) << err();
  std::string g = std::to_string(nobody->second);
  EXPECT_EQ(out(), std::to_string(nobody->first) + "\n" + g + "\n" + g + "\nok\n");
  EXPECT_EQ(nobody->first, 65534u);
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/out.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody->first);
  EXPECT_EQ(st.st_gid, nobody->second);
  ASSERT_EQ(stat((dir_ + "/work").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody->first);
  ASSERT_EQ(stat((dir_ + "/work/mine.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody->first);
}

TEST_F(ProcessTest, NobodyCannotTouchRootsFiles) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  Result<std::pair<uid_t, gid_t>> nobody = lookup_user("nobody");
  ASSERT_TRUE(nobody.ok());
  std::string secret = dir_ + "/secret";
  { std::ofstream(secret) << "x"; }
  ASSERT_EQ(chmod(secret.c_str(), 0600), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  Supervisor sup;
  ProcessSpec s = spec({"cat", secret});
  s.uid = nobody->first;  // no gid: nobody's own group
  ASSERT_TRUE(sup.start("j", s).ok());
  std::optional<ProcessExit> e = wait_exit(sup, "j");
  ASSERT_TRUE(e);
  EXPECT_NE(e->exit_code, 0);
  EXPECT_NE(err().find("Permission denied"), std::string::npos) << err();
}

TEST(LookupUser, KnownAndUnknown) {
  Result<std::pair<uid_t, gid_t>> root = lookup_user("root");
  ASSERT_TRUE(root.ok()) << root.status().message();
  EXPECT_EQ(root->first, 0u);
  EXPECT_EQ(root->second, 0u);
  Result<std::pair<uid_t, gid_t>> none = lookup_user("hexa-no-such-user");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(lookup_user("").ok());
}

}  // namespace
}  // namespace hexa
