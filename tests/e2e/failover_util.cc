#include "e2e/failover_util.h"

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Says its pid when it starts and when SIGTERM comes, then runs until stopped.
constexpr const char* kMarked =
    R"sh(echo "start $$"; trap 'echo "term $$"; exit 143' TERM; while :; do sleep 0.1; done)sh";

// What a segment's process said, in its agent's work dir: the pids it started as, and whether it was stopped.
struct Said {
  std::vector<pid_t> started;
  bool stopped = false;
};

Said read_said(const ReplicaSet& set, const std::string& node, std::int64_t job, int segment) {
  std::ifstream in(set.dir() + "/work-" + node + "/jobs/" + std::to_string(job) + "-" + std::to_string(segment) +
                   "/stdout.log");
  Said s;
  std::string word;
  long pid = 0;
  while (in >> word >> pid) {
    if (word == "start") s.started.push_back(static_cast<pid_t>(pid));
    if (word == "term") s.stopped = true;
  }
  return s;
}

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

bool running_first_segment(const Json& j) {
  return j.value("state", "") == "running" && j.value("segment", 0) == 1 && j["nodes"].size() == 1;
}

}  // namespace

std::vector<LongJob> start_long_jobs(ReplicaSet& set, const std::string& token, int n) {
  std::vector<LongJob> out;
  for (int k = 0; k < n; ++k) {
    Answer a = set.call("POST", "/v1/jobs", {{"gpus", 1}, {"command", {"sh", "-c", kMarked}}}, token);
    EXPECT_EQ(a.status, 201) << a.body;
    if (a.status != 201) return out;
    LongJob j;
    j.id = a.json.value("id", std::int64_t{-1});
    Json job = set.wait_job(j.id, running_first_segment);
    EXPECT_TRUE(running_first_segment(job)) << job.dump();
    if (!running_first_segment(job)) return out;
    j.node = job["nodes"][0].get<std::string>();
    for (auto until = Clock::now() + 10s; Clock::now() < until && j.pid == 0; std::this_thread::sleep_for(20ms)) {
      Said s = read_said(set, j.node, j.id, 1);
      if (!s.started.empty()) j.pid = s.started.front();
    }
    EXPECT_GT(j.pid, 0) << "job " << j.id << " never said its pid";
    out.push_back(j);
  }
  return out;
}

void check_long_jobs_kept_running(ReplicaSet& set, const std::vector<LongJob>& jobs) {
  for (const LongJob& j : jobs) {
    Answer a = set.as_admin("GET", "/v1/jobs/" + std::to_string(j.id));
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_TRUE(running_first_segment(a.json)) << "job " << j.id << " was stopped or requeued: " << a.json.dump();
    EXPECT_EQ(a.json["nodes"], Json::array({j.node})) << a.json.dump();
    Said s = read_said(set, j.node, j.id, 1);
    EXPECT_EQ(s.started, std::vector<pid_t>{j.pid}) << "job " << j.id << " was started again on " << j.node;
    EXPECT_FALSE(s.stopped) << "job " << j.id << "'s process was sent SIGTERM; agent log:\n" << set.agent_log(j.node);
    EXPECT_TRUE(alive(j.pid)) << "job " << j.id << "'s process " << j.pid << " is gone";
  }
}

bool wait_acked_past(Storm& storm, std::size_t count, std::chrono::milliseconds limit) {
  for (auto until = Clock::now() + limit; Clock::now() < until; std::this_thread::sleep_for(50ms))
    if (storm.acked().size() >= count) return true;
  return false;
}

void check_replicas_agree(ReplicaSet& set) {
  const int leader = set.wait_leader(30s);
  ASSERT_GE(leader, 0);
  Answer d = set.call_at(leader, "GET", "/v1/debug/digest", nullptr, set.admin());
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.json.value("ledger_total_micro", -1), 0) << "the ledger does not balance: " << d.body;
  const int fresh = set.add_replica();
  ASSERT_GE(fresh, 0);
  // The leader's digest, then every other replica's, then the leader's again: equal, and every
  // follower caught up (0 rows behind). The state may move meanwhile (agents report): retry.
  std::string why;
  for (int attempt = 0; attempt < 100; ++attempt, std::this_thread::sleep_for(200ms)) {
    const std::string before = set.call_at(leader, "GET", "/v1/debug/digest", nullptr, set.admin()).json.value("digest", "?");
    why.clear();
    for (int i = 0; i < set.size(); ++i) {
      if (i == leader || set.pid(i) == 0) continue;
      Answer f = set.call_at(i, "GET", "/v1/debug/digest", nullptr, set.admin());
      const std::string got = f.json.is_object() ? f.json.value("digest", "?") : "?";
      if (f.headers["x-hexa-role"] != "follower" || f.headers["x-hexa-behind-rows"] != "0" || got != before)
        why += "replica " + std::to_string(i) + (i == fresh ? " (fresh)" : "") + ": " + f.headers["x-hexa-role"] +
               ", behind " + f.headers["x-hexa-behind-rows"] + ", digest " + got + "; ";
    }
    const std::string after = set.call_at(leader, "GET", "/v1/debug/digest", nullptr, set.admin()).json.value("digest", "?");
    if (why.empty() && before == after) return;
    why = "leader " + std::to_string(leader) + ": digest " + before + " then " + after + "; " + why;
  }
  ADD_FAILURE() << "the replicas never agreed with the leader: " << why;
}

}  // namespace hexa::testing
