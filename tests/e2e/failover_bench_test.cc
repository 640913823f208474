// Benchmarks of failover (issue 15; not in the test command: DISABLED_, run by
// scripts/bench_failover.sh, figures in docs/PERFORMANCE.md "Failover (issue 15)"). Three real
// replicas on a real PostgreSQL (scripts/pg.sh). They print figures and assert only that each
// round worked: the machines are shared and noisy.
//   failover time over HEXA_BENCH_KILLS kills (20): from the kill -9 of the leader to the first
//     submit acknowledged by the new leader, median, p99, max;
//   follower lag under a submit storm: rows behind (X-Hexa-Behind-Rows) sampled on each
//     follower, and the time from a submit's acknowledgement to the job being readable on a follower.
#include <signal.h>

#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/bench_stats.h"
#include "e2e/failover_util.h"
#include "store/pg_fixture.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::unique_ptr<ReplicaSet> bench_set(const std::string& lease_s) {
  const std::string db = PgCluster::get().new_database();
  if (db.empty()) return nullptr;
  return ReplicaSet::start(small_cloud(2, 2), db, 3, {"--rate-limit", "0", "--lease-s", lease_s});
}

TEST(FailoverBench, DISABLED_FailoverTimeOverKills) {
  HEXA_NEED_PG();
  const int kills = static_cast<int>(env_num("HEXA_BENCH_KILLS", 20));
  const std::string lease = std::to_string(static_cast<int>(env_num("HEXA_BENCH_LEASE_S", 5)));
  auto set = bench_set(lease);
  ASSERT_TRUE(set);
  ASSERT_EQ(set->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = set->token("member", "acme");
  std::vector<double> took;
  for (int k = 0; k < kills; ++k) {
    const int old = set->wait_leader(30s);
    ASSERT_GE(old, 0) << "round " << k;
    const auto killed = Clock::now();
    set->signal(old, SIGKILL);
    // One submit, retried under the same key until acknowledged (each try goes round the list).
    const std::string key = "probe-" + std::to_string(k);
    Answer a;
    while (ms_since(killed) < 60'000) {
      a = set->call("POST", "/v1/jobs", {{"gpus", 1}, {"command", {"true"}}}, token, {{"Idempotency-Key", key}});
      if (a.status == 201 || a.status == 200) break;
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(a.status, 201) << "round " << k << ": " << a.body;
    took.push_back(ms_since(killed));
    ASSERT_TRUE(set->restart(old)) << set->log(old);
  }
  std::printf("failover over %d kills (lease %s s): median %.0f ms, p99 %.0f ms, min %.0f ms, max %.0f ms\n", kills,
              lease.c_str(), percentile(took, 0.5), percentile(took, 0.99), percentile(took, 0), percentile(took, 1));
}

TEST(FailoverBench, DISABLED_FollowerLagUnderLoad) {
  HEXA_NEED_PG();
  const double seconds = env_num("HEXA_BENCH_SECONDS", 10);
  const int clients = static_cast<int>(env_num("HEXA_BENCH_CLIENTS", 8));
  auto set = bench_set("5");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = set->token("member", "acme");
  const int leader = set->wait_leader(30s);
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % set->size();
  Storm storm(set->caller(), token, clients);
  std::vector<double> rows, visible_ms;
  std::atomic<bool> stop{false};
  // Rows behind, sampled on every follower every 20 ms.
  std::thread sampler([&] {
    while (!stop) {
      for (int i = 0; i < set->size(); ++i)
        if (i != leader) {
          Answer a = set->call_at(i, "GET", "/healthz");
          if (a.headers.count("x-hexa-behind-rows")) rows.push_back(std::atof(a.headers["x-hexa-behind-rows"].c_str()));
        }
      std::this_thread::sleep_for(20ms);
    }
  });
  // A submit to the leader, then the follower polled until it has the job.
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  for (int k = 0; Clock::now() < until; ++k) {
    Answer a = set->call_at(leader, "POST", "/v1/jobs", {{"gpus", 1}, {"command", {"true"}}}, token);
    ASSERT_EQ(a.status, 201) << a.body;
    const auto acked = Clock::now();
    const std::string job = "/v1/jobs/" + std::to_string(a.json.value("id", std::int64_t{0}));
    while (set->call_at(follower, "GET", job, nullptr, token).status != 200 && ms_since(acked) < 10'000)
      std::this_thread::sleep_for(1ms);
    visible_ms.push_back(ms_since(acked));
  }
  stop = true;
  sampler.join();
  storm.stop();
  std::printf("follower lag under %d clients for %.0f s (%zu acknowledged): rows behind p50 %.0f, p99 %.0f, max %.0f;"
              " acknowledged to readable on a follower p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu probes)\n",
              clients, seconds, storm.acked().size(), percentile(rows, 0.5), percentile(rows, 0.99), percentile(rows, 1),
              percentile(visible_ms, 0.5), percentile(visible_ms, 0.99), percentile(visible_ms, 1), visible_ms.size());
}

}  // namespace
}  // namespace hexa::testing
