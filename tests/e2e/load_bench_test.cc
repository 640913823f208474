// The load test (not in the test command: DISABLED_, run by scripts/load_test.sh; figures in
// docs/PERFORMANCE.md and docs/RELIABILITY.md). The France month's start-ups (the workload of
// scenarios/france-2025.yaml: 30 days, load 0.85, its gang sizes, run times and skew), sized to
// a live cluster of real agents and replayed in HEXA_LOAD_SECONDS: arrivals and run times are
// compressed by the same factor, so each job is a real `sleep` of its compressed run time.
// It prints sustained submits/s, submit-to-start latency, API p99 under load and the server's
// peak memory, then checks the invariants: every acknowledged submit ran to completion once,
// the ledger balances, and the state equals a fresh replay of the journal. The soak mode is the
// same run, longer (scripts/load_test.sh --soak: an hour).
//   HEXA_LOAD_SECONDS (120), HEXA_LOAD_NODES (8, of 8 GPUs), HEXA_LOAD_TENANTS (300),
//   HEXA_LOAD_CLIENTS (8), HEXA_LOAD_SEED (1)
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/bench_stats.h"
#include "e2e/storm.h"
#include "sim/workload.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// The start-ups of scenarios/france-2025.yaml, for a cluster of `gpus`: gangs above an eighth of
// it are left out (a 1,024-GPU gang cannot run on 64 GPUs).
Trace france_startups(long gpus, int tenants, std::uint64_t seed) {
  StartupWorkload w;
  w.tenants = tenants;
  w.span = 30 * kDay;
  w.load = 0.85;
  w.cluster_gpus = gpus;
  w.median_minutes = 60;
  w.sigma = 1.7;
  w.min_minutes = 2;
  w.max_hours = 120;
  w.zipf = 1.0;
  w.limit_factor = 3.0;
  w.seed = seed;
  std::erase_if(w.gang_weights, [&](const auto& g) { return g.first > std::max<long>(1, gpus / 8); });
  return generate_startups(w);
}

long rss_peak_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmHWM:")) return std::atol(line.c_str() + 6);
  return -1;
}

struct Submitted {
  std::int64_t id = -1;
  double at_ms = 0;  // since the replay began
};

TEST(LoadBench, DISABLED_FranceStartupsAccelerated) {
  const double seconds = env_num("HEXA_LOAD_SECONDS", 120);
  const int nodes = static_cast<int>(env_num("HEXA_LOAD_NODES", 8));
  const int clients = static_cast<int>(env_num("HEXA_LOAD_CLIENTS", 8));
  const Trace trace = france_startups(nodes * 8L, static_cast<int>(env_num("HEXA_LOAD_TENANTS", 300)),
                                      static_cast<std::uint64_t>(env_num("HEXA_LOAD_SEED", 1)));
  const double factor = static_cast<double>(30 * kDay) / (seconds * 1000);  // simulated ms per real ms
  auto cloud = LiveCloud::start(small_cloud(nodes, 8), {"--stop-grace-s", "1"});
  ASSERT_TRUE(cloud);
  for (int n = 0; n < nodes; ++n) cloud->start_agent("n" + std::to_string(n), 8);
  for (int n = 0; n < nodes; ++n) ASSERT_TRUE(cloud->wait_node_up("n" + std::to_string(n))) << cloud->agent_log("n0");
  // The admin's set-up keeps to the rate limit as a script would: it waits when told to.
  auto setup = [&](const std::string& path, const Json& body) {
    Answer a;
    for (int i = 0; i < 100 && (a = cloud->as_admin("POST", path, body)).status == 429; ++i)
      std::this_thread::sleep_for(std::chrono::seconds(std::atoi(a.headers["retry-after"].c_str())));
    return a;
  };
  std::map<std::string, std::string> tokens;
  for (const TraceJob& j : trace.jobs) {
    if (tokens.count(j.tenant)) continue;
    ASSERT_EQ(setup("/v1/tenants", {{"name", j.tenant}}).status, 201);
    ASSERT_EQ(setup("/v1/tenants/" + j.tenant + "/grants", {{"credits_micro", 1'000'000'000'000}}).status, 201);
    Answer t = setup("/v1/tokens", {{"role", "member"}, {"tenant", j.tenant}});
    ASSERT_EQ(t.status, 201) << t.body;
    tokens[j.tenant] = t.json["token"];
  }

  // Clients take the jobs in order and submit each at its compressed arrival time.
  std::vector<Submitted> done(trace.jobs.size());
  std::vector<double> submit_ms;
  std::mutex mu;
  std::atomic<std::size_t> next{0};
  std::atomic<long> refused{0};
  std::atomic<bool> stop_reads{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < trace.jobs.size();) {
        const TraceJob& j = trace.jobs[i];
        std::this_thread::sleep_until(t0 + std::chrono::microseconds(static_cast<long>(1000.0 * static_cast<double>(j.submit) / factor)));
        const double run_s = std::max(0.02, static_cast<double>(j.duration) / factor / 1000);
        Json body{{"gpus", j.gpus}, {"command", {"sleep", std::to_string(run_s)}},
                  {"time_limit_s", static_cast<long>(std::ceil(run_s * 3)) + 5}};
        for (int attempt = 0; attempt < 100; ++attempt) {
          auto t = Clock::now();
          Answer a = cloud->call("POST", "/v1/jobs", body, tokens.at(j.tenant), {{"Idempotency-Key", j.id}});
          if (a.status == 201 || a.status == 200) {
            std::lock_guard lock(mu);
            submit_ms.push_back(ms_since(t));
            done[i] = {a.json["id"].get<std::int64_t>(), ms_since(t0)};
            break;
          }
          ++refused;
          std::this_thread::sleep_for(50ms);
        }
      }
    });
  std::vector<double> read_ms;  // the API under load: a member lists its jobs, again and again
  std::thread reader([&] {
    const std::string& token = tokens.begin()->second;
    while (!stop_reads) {
      auto t = Clock::now();
      if (cloud->call("GET", "/v1/jobs?limit=50", nullptr, token).status == 200) read_ms.push_back(ms_since(t));
      std::this_thread::sleep_for(20ms);
    }
  });
  for (auto& t : threads) t.join();
  const double submit_wall_s = ms_since(t0) / 1000;

  // Every job ends; then submit-to-start latency from the jobs themselves.
  std::vector<double> wait_ms;
  std::size_t completed = 0, acked = 0;
  for (const Submitted& s : done) {
    if (s.id < 0) continue;
    ++acked;
    Json j = cloud->wait_job(s.id, [](const Json& v) { return v.value("state", "") != "pending" && v.value("state", "") != "running"; },
                             std::chrono::milliseconds(static_cast<long>(seconds * 1000) + 60'000));
    completed += j.value("state", "") == "finished";
    if (j["started_ms"].is_number()) wait_ms.push_back(j["started_ms"].get<double>() - j["submitted_ms"].get<double>());
  }
  stop_reads = true;
  reader.join();
  const long rss = rss_peak_kib(cloud->server_pid());
  std::printf("load: %zu jobs of %d tenants (France start-ups, month in %.0f s) on %d nodes x 8 GPUs, %d clients\n"
              "load: %.1f submits/s sustained, submit p50 %.1f ms p99 %.1f ms, %ld refused and retried\n"
              "load: submit to start p50 %.0f ms p99 %.0f ms; API GET /v1/jobs p50 %.1f ms p99 %.1f ms (%zu reads)\n"
              "load: %zu of %zu acknowledged jobs finished; server peak RSS %.1f MiB\n",
              trace.jobs.size(), static_cast<int>(tokens.size()), seconds, nodes, clients,
              static_cast<double>(acked) / submit_wall_s, percentile(submit_ms, 0.5), percentile(submit_ms, 0.99),
              refused.load(), percentile(wait_ms, 0.5), percentile(wait_ms, 0.99), percentile(read_ms, 0.5),
              percentile(read_ms, 0.99), read_ms.size(), completed, acked, static_cast<double>(rss) / 1024);
  EXPECT_EQ(acked, trace.jobs.size()) << "every submit acknowledged";
  EXPECT_EQ(completed, acked) << "every acknowledged job finished";
  std::map<std::string, std::int64_t> keys;
  for (std::size_t i = 0; i < done.size(); ++i)
    if (done[i].id >= 0) keys[trace.jobs[i].id] = done[i].id;
  check_acked(*cloud, keys, 0);
  check_fresh_replay(*cloud);
}

}  // namespace
}  // namespace hexa::testing
