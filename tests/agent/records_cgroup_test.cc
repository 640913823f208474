// The agent's records of its jobs (job_records.h), the cgroup v2 logic (cgroup.h) and whom jobs
// run as (--run-as).
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/agent.h"
#include "agent/cgroup.h"
#include "agent/job_records.h"

namespace hexa {
namespace {

namespace fs = std::filesystem;

class RecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hexa-records-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(work, ec);
  }
  std::string work;
};

TEST_F(RecordsTest, AStateRoundTripsAndNamesItsKey) {
  JobStateRecord r;
  r.key = {7, 3};
  r.rank = 1;
  r.ids = {100, 5000, 101, 5001};
  r.cgroup = "/sys/fs/cgroup/x/hexa-job-7-3";
  std::optional<JobStateRecord> back = parse_record(record_text(r), {7, 3});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->rank, 1);
  EXPECT_EQ(back->ids.keeper, 100);
  EXPECT_EQ(back->ids.keeper_start, 5000u);
  EXPECT_EQ(back->ids.job, 101);
  EXPECT_EQ(back->ids.job_start, 5001u);
  EXPECT_EQ(back->cgroup, r.cgroup);
  EXPECT_FALSE(parse_record(record_text(r), {7, 4})) << "another segment's state";
  EXPECT_FALSE(parse_record("{", {7, 3}));
  EXPECT_FALSE(parse_record(R"({"job":7,"segment":3})", {7, 3}));
  EXPECT_FALSE(parse_record(R"({"job":7,"segment":3,"rank":0,"keeper_pid":0,"keeper_start":1,"job_pid":5,"job_start":1})",
                            {7, 3}))
      << "pid 0 would signal our own group";
}

TEST_F(RecordsTest, JobKeysAreReadFromDirNamesExactly) {
  EXPECT_EQ(parse_job_key("7-1"), (JobKey{7, 1}));
  EXPECT_EQ(parse_job_key("123-45"), (JobKey{123, 45}));
  for (const char* bad : {"", "7", "7-", "-1", "a-1", "7-1x", "07-1", "7--1", "7-1-2"})
    EXPECT_FALSE(parse_job_key(bad)) << bad;
}

TEST_F(RecordsTest, PendingRecordsAreThoseNotMarkedDone) {
  JobRecords records(work);
  ASSERT_TRUE(records.prepare({7, 1}).ok());
  ASSERT_TRUE(records.prepare({8, 2}).ok());
  fs::create_directories(work + "/records/not-a-job");
  EXPECT_EQ(records.pending(), (std::vector<JobKey>{{7, 1}, {8, 2}}));
  records.mark_done({7, 1});
  EXPECT_EQ(records.pending(), (std::vector<JobKey>{{8, 2}}));
  ASSERT_TRUE(records.prepare({7, 1}).ok()) << "a start again begins a fresh record";
  EXPECT_EQ(records.pending(), (std::vector<JobKey>{{7, 1}, {8, 2}}));
  records.mark_done({99, 1});  // none: nothing made
  EXPECT_FALSE(fs::exists(work + "/records/99-1"));
}

TEST(Cgroup, TheV2PathComesFromTheZeroLine) {
  EXPECT_EQ(cgroup_v2_dir("0::/system.slice/hexa-agent.service\n", "/sys/fs/cgroup"),
            "/sys/fs/cgroup/system.slice/hexa-agent.service");
  EXPECT_EQ(cgroup_v2_dir("12:memory:/x\n1:cpu:/\n0::/\n", "/sys/fs/cgroup"), "/sys/fs/cgroup");
  EXPECT_FALSE(cgroup_v2_dir("4:memory:/a\n1:cpu:/\n", "/sys/fs/cgroup")) << "cgroup v1 only";
  EXPECT_FALSE(cgroup_v2_dir("0::/a/../../etc\n", "/sys/fs/cgroup"));
  EXPECT_FALSE(cgroup_v2_dir("0::relative\n", "/sys/fs/cgroup"));
}

TEST(Cgroup, LimitsBecomeMemoryMaxAndCpuMax) {
  EXPECT_EQ(memory_max_text(512), "536870912");
  EXPECT_EQ(memory_max_text(0), "max");
  EXPECT_EQ(cpu_max_text(4), "400000 100000");
  EXPECT_EQ(cpu_max_text(0), "max 100000");
  EXPECT_TRUE((JobLimits{1, 0}).any());
  EXPECT_FALSE((JobLimits{}).any());
}

TEST(Cgroup, NotACgroup2MountIsRefusedWithTheReason) {
  char tmpl[] = "/tmp/hexa-cgroup-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  JobCgroups g = JobCgroups::detect(tmpl);
  EXPECT_FALSE(g.available());
  EXPECT_EQ(g.why_not().rfind("cgroup v2 not writable here (", 0), 0u) << g.why_not();
  EXPECT_NE(g.why_not().find("not a cgroup2 mount"), std::string::npos) << g.why_not();
  Result<std::string> made = g.make({1, 1}, {});
  EXPECT_FALSE(made.ok());
  fs::remove(tmpl);
}

// On a machine where this process's cgroup v2 is writable and delegable: a job's cgroup with its
// limits. In a child process: detect() moves the process into a leaf of its own.
TEST(Cgroup, AJobCgroupGetsItsLimitsWhereCgroupV2IsWritable) {
  std::ifstream self("/proc/self/cgroup");
  std::string text((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
  std::optional<std::string> dir = cgroup_v2_dir(text, "/sys/fs/cgroup");
  if (!dir || ::access((*dir + "/cgroup.subtree_control").c_str(), W_OK) != 0 ||
      !fs::exists("/sys/fs/cgroup/cgroup.controllers"))
    GTEST_SKIP() << "cgroup v2 is not writable here (cgroup v1 or hybrid, or no delegation): nothing to test";
  pid_t pid = ::fork();
  if (pid == 0) {
    JobCgroups g = JobCgroups::detect();
    if (!g.available()) ::_exit(10);
    Result<std::string> p = g.make({1, 1}, {256, 2});
    if (!p.ok()) ::_exit(11);
    std::ifstream mem(*p + "/memory.max"), cpu(*p + "/cpu.max");
    std::string m, c1, c2;
    mem >> m;
    cpu >> c1 >> c2;
    JobCgroups::remove(*p);
    ::_exit(m == "268435456" && c1 == "200000" && c2 == "100000" ? 0 : 12);
  }
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0) << "10: not available, 11: cannot make, 12: wrong limits";
}

TEST(RunAs, UnknownUsersAndRootAreRefusedWithTheRule) {
  Result<JobUserChoice> none = choose_job_user(false, "hexa-no-such-user");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("--run-as hexa-no-such-user: no user"), std::string::npos)
      << none.status().message();
  Result<JobUserChoice> root = choose_job_user(false, "root");
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("only with --allow-root"), std::string::npos) << root.status().message();
  if (::geteuid() == 0) {
    Result<JobUserChoice> nobody = choose_job_user(false, "nobody");
    ASSERT_TRUE(nobody.ok()) << nobody.status().message();
    ASSERT_TRUE(nobody->user);
    EXPECT_EQ(nobody->user->name, "nobody");
    EXPECT_EQ(nobody->user->uid, 65534u);
    Result<JobUserChoice> as_root = choose_job_user(true, "root");
    ASSERT_TRUE(as_root.ok());
    EXPECT_FALSE(as_root->user) << "root is the agent's own user";
  } else {
    Result<JobUserChoice> other = choose_job_user(false, "nobody");
    ASSERT_FALSE(other.ok());
    EXPECT_NE(other.status().message().find("the agent must run as root"), std::string::npos);
  }
}

}  // namespace
}  // namespace hexa
