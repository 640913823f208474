// Benchmarks of the live server (not in the test command: DISABLED_, run by
// scripts/bench_server.sh, figures in docs/PERFORMANCE.md). They print figures and assert
// nothing about time: the machines are shared and noisy.
//   durable submits per second from 64 keep-alive clients, submit latency p50/p99;
//   submit to process running on an idle node, median and p99;
//   restart with 100,000 jobs (10,000 running): time until the server answers;
//   journal bytes per job, snapshot size and write time at 100,000 jobs.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/bench_stats.h"
#include "e2e/live_cloud.h"
#include "store/pg_fixture.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A cluster of `nodes` x 8 GPUs whose nodes the admin registers itself (no agent processes):
// jobs start and are never reported, so what is measured is the server alone.
void register_all(LiveCloud& c, int nodes) {
  for (int n = 0; n < nodes; ++n)
    ASSERT_EQ(c.as_admin("POST", "/v1/agent/register", {{"node", "n" + std::to_string(n)}, {"gpus", 8}, {"gpu_type", "gpu"}}).status,
              200);
}

std::string metric(LiveCloud& c, const std::string& name) {
  std::string body = c.call("GET", "/metrics").body;
  std::size_t at = body.find("\n" + name + " ");
  if (at == std::string::npos) return "?";
  at += name.size() + 2;
  return body.substr(at, body.find('\n', at) - at);
}

// A histogram's count and sum (seconds) as /metrics has them now.
std::pair<double, double> histogram(LiveCloud& c, const std::string& name) {
  auto num = [&](const std::string& series) {
    std::string v = metric(c, series);
    return v == "?" ? 0.0 : std::strtod(v.c_str(), nullptr);
  };
  return {num(name + "_count"), num(name + "_sum")};
}

// Where a storm's time went: journal commits (how many, mean ms, mean batch) and scheduling
// passes (mean ms), from the differences of /metrics over the storm.
std::string storm_breakdown(LiveCloud& c, std::pair<double, double> commit0, std::pair<double, double> pass0, long acked) {
  auto [commits, commit_s] = histogram(c, "hexa_journal_commit_seconds");
  auto [passes, pass_s] = histogram(c, "hexa_scheduling_pass_seconds");
  commits -= commit0.first, commit_s -= commit0.second, passes -= pass0.first, pass_s -= pass0.second;
  char out[200];
  std::snprintf(out, sizeof out, "commits %.0f (mean %.2f ms, %.1f submits each), passes %.0f (mean %.2f ms)", commits,
                commits > 0 ? 1000 * commit_s / commits : 0.0, commits > 0 ? static_cast<double>(acked) / commits : 0.0,
                passes, passes > 0 ? 1000 * pass_s / passes : 0.0);
  return out;
}

TEST(ServerBench, DISABLED_DurableSubmitsFrom64Clients) {
  const double seconds = env_num("HEXA_BENCH_SECONDS", 10);
  const int clients = static_cast<int>(env_num("HEXA_BENCH_CLIENTS", 64));
  const char* policy = std::getenv("HEXA_BENCH_POLICY") ? std::getenv("HEXA_BENCH_POLICY") : "fifo";
  // HEXA_BENCH_DB=postgresql: the journal in PostgreSQL (hexa serve --db), else SQLite.
  const std::string journal = std::getenv("HEXA_BENCH_DB") ? std::getenv("HEXA_BENCH_DB") : "sqlite";
  std::vector<std::string> args = {"--node-grace-s", "3600", "--rate-limit", "0"};
  if (journal == "postgresql") {
    HEXA_NEED_PG();
    args.insert(args.end(), {"--db", PgCluster::get().new_database()});
  }
  auto cloud = LiveCloud::start("name: bench\ncluster: \"1250x8\"\nscheduler: {policy: " + std::string(policy) + "}\n", args);
  ASSERT_TRUE(cloud);
  register_all(*cloud, 1250);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  std::atomic<bool> stop{false};
  std::atomic<long> ok{0}, failed{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  const auto commit0 = histogram(*cloud, "hexa_journal_commit_seconds");
  const auto pass0 = histogram(*cloud, "hexa_scheduling_pass_seconds");
  const std::string body = R"({"gpus":1,"time_limit_s":3600,"command":["python","train.py","--epochs","3"]})";
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      auto client = HttpClient::make(cloud->url());
      if (!client.ok()) return;
      const std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + token},
                                                                  {"Content-Type", "application/json"}};
      while (!stop) {
        auto t0 = Clock::now();
        auto r = (*client)->request("POST", "/v1/jobs", body, h, 30'000);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (r.ok() && r->status == 201) {
          ++ok;
          lat[static_cast<std::size_t>(i)].push_back(ms);
        } else {
          ++failed;
        }
      }
    });
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::printf("durable submits (%s): %d clients, policy %s, %.1f s: %ld acknowledged (%.0f/s), %ld failed; latency p50 %.2f ms, "
              "p99 %.2f ms; journal %s bytes\n",
              journal.c_str(), clients, policy, wall, ok.load(), static_cast<double>(ok.load()) / wall, failed.load(), percentile(all, 0.5),
              percentile(all, 0.99), metric(*cloud, "hexa_journal_bytes").c_str());
  std::printf("durable submits (%s): %s\n", journal.c_str(), storm_breakdown(*cloud, commit0, pass0, ok.load()).c_str());
  EXPECT_EQ(failed.load(), 0);
}

TEST(ServerBench, DISABLED_SubmitToProcessRunning) {
  const int n = static_cast<int>(env_num("HEXA_BENCH_JOBS", 200));
  auto cloud = LiveCloud::start(small_cloud(1, 8), {"--rate-limit", "0"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 1'000'000'000}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  cloud->start_agent("n0", 8);
  ASSERT_TRUE(cloud->wait_node_up("n0"));
  // Each job prints the wall-clock time it began, in ns; the agent ships it back.
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto wall0 = std::chrono::system_clock::now();
    Answer a = cloud->call("POST", "/v1/jobs", {{"command", {"date", "+%s%N"}}}, token);
    ASSERT_EQ(a.status, 201);
    const std::string id = std::to_string(a.json["id"].get<std::int64_t>());
    std::string log;
    for (int k = 0; k < 4000 && log.empty(); ++k) {
      log = cloud->call("GET", "/v1/jobs/" + id + "/logs", nullptr, token).body;
      if (log.empty()) std::this_thread::sleep_for(2ms);
    }
    ASSERT_FALSE(log.empty()) << "job " << id << " never ran";
    const double began_ns = std::stod(log);
    const double sent_ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(wall0.time_since_epoch()).count());
    ms.push_back((began_ns - sent_ns) / 1e6);
  }
  std::printf("submit to process running: %d jobs one after another on an idle node: median %.1f ms, p99 %.1f ms, "
              "max %.1f ms\n",
              n, percentile(ms, 0.5), percentile(ms, 0.99), percentile(ms, 1.0));
}

// 100,000 jobs, 10,000 of them running (1,250 nodes x 8 GPUs, registered by the admin), then
// kill -9 and start again: from the new process to its first answer, with the last snapshot
// and without any.
TEST(ServerBench, DISABLED_RestartWith100kJobs) {
  const int jobs = static_cast<int>(env_num("HEXA_BENCH_JOBS", 100000));
  auto cloud = LiveCloud::start("name: bench\ncluster: \"1250x8\"\nscheduler: {policy: fifo}\n",
                                {"--node-grace-s", "3600", "--snapshot-every", "1000000000", "--rate-limit", "0"});
  ASSERT_TRUE(cloud);
  register_all(*cloud, 1250);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i)
    threads.emplace_back([&] {
      auto client = HttpClient::make(cloud->url());
      const std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + token}};
      while (next++ < jobs) (void)(*client)->request("POST", "/v1/jobs", R"({"gpus":1,"command":["sleep","3600"]})", h, 30'000);
    });
  for (auto& t : threads) t.join();
  const std::string journal = metric(*cloud, "hexa_journal_bytes");
  // A snapshot now: SIGTERM writes one on the way out; then restart from it.
  cloud->kill_server(SIGTERM);
  long snap_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(cloud->dir() + "/state/snapshots"))
    snap_bytes = std::max<long>(snap_bytes, static_cast<long>(std::filesystem::file_size(e.path())));
  auto t0 = Clock::now();
  ASSERT_TRUE(cloud->restart_server(120s)) << cloud->server_log();
  double with_snapshot = std::chrono::duration<double>(Clock::now() - t0).count();
  cloud->kill_server(SIGKILL);
  std::filesystem::remove_all(cloud->dir() + "/state/snapshots");
  t0 = Clock::now();
  ASSERT_TRUE(cloud->restart_server(300s)) << cloud->server_log();
  double replay = std::chrono::duration<double>(Clock::now() - t0).count();
  Answer running = cloud->as_admin("GET", "/v1/jobs?state=running&limit=1000");
  std::printf("restart with %d jobs (%zu+ running): answers after %.2f s from the snapshot, %.2f s replaying the whole "
              "journal; journal %s bytes (%.0f bytes per job); snapshot %ld bytes\n",
              jobs, running.json["jobs"].size(), with_snapshot, replay, journal.c_str(), std::atof(journal.c_str()) / jobs,
              snap_bytes);
  // The server logs each snapshot it writes ("snapshot at row N: B bytes in T ms").
  const std::string log = cloud->server_log();
  std::size_t at = log.rfind("snapshot at row");
  if (at != std::string::npos) std::printf("last %s\n", log.substr(at, log.find('\n', at) - at).c_str());
}

}  // namespace
}  // namespace hexa::testing
