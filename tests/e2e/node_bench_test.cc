// Benchmarks of nodes for real (not in the test command: DISABLED_, run by
// scripts/bench_server.sh, figures in docs/PERFORMANCE.md). They print figures and assert
// nothing about time.
//   heartbeats the server absorbs from 2,000 agents at a 5 s interval while 48 clients submit;
//   agent killed -> its job running on another node, with the default grace (15 s).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/bench_stats.h"
#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using Headers = std::vector<std::pair<std::string, std::string>>;

// One simulated agent: what a real one sends each heartbeat (its orders, then a report listing
// the jobs it runs), without processes.
struct FakeAgent {
  std::string node;
  std::int64_t epoch = 0;
  std::set<std::pair<std::int64_t, std::int64_t>> running;  // (job, segment)
  Clock::time_point due;
};

struct Beats {
  std::atomic<long> ok{0}, stale{0}, failed{0};
};

// Registers, then beats every `every` until `stop`: GET orders (wait 0), POST report.
void beat(HttpClient& http, const Headers& h, std::vector<FakeAgent>& agents, Clock::duration every,
          const std::atomic<bool>& stop, Beats& b, std::vector<double>& lat) {
  for (FakeAgent& a : agents) {
    auto r = http.request("POST", "/v1/agent/register",
                          Json{{"node", a.node}, {"gpus", 8}, {"gpu_type", "gpu"}}.dump(), h, 30'000);
    if (r.ok() && r->status == 200) a.epoch = Json::parse(r->body).value("epoch", std::int64_t{0});
  }
  while (!stop) {
    auto next = std::min_element(agents.begin(), agents.end(), [](auto& x, auto& y) { return x.due < y.due; });
    if (Clock::now() < next->due) {
      std::this_thread::sleep_for(std::min<Clock::duration>(next->due - Clock::now(), 20ms));
      continue;
    }
    FakeAgent& a = *next;
    a.due += every;
    auto t0 = Clock::now();
    auto o = http.request("GET", "/v1/agent/orders?node=" + a.node + "&epoch=" + std::to_string(a.epoch) + "&wait_ms=0", "", h, 30'000);
    if (o.ok() && o->status == 200) {
      for (const Json& order : Json::parse(o->body)["orders"]) {
        auto key = std::make_pair(order["job"].get<std::int64_t>(), order["segment"].get<std::int64_t>());
        if (order["kind"] == "start") a.running.insert(key);
        else a.running.erase(key);
      }
    }
    Json running = Json::array();
    for (auto [job, seg] : a.running) running.push_back({{"job", job}, {"segment", seg}});
    auto r = http.request("POST", "/v1/agent/report",
                          Json{{"node", a.node}, {"epoch", a.epoch}, {"exits", Json::array()}, {"running", running}}.dump(), h,
                          30'000);
    lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (r.ok() && r->status == 200) ++b.ok;
    else if (r.ok() && r->status == 409) ++b.stale;
    else ++b.failed;
  }
}

TEST(NodeBench, DISABLED_HeartbeatsOf2000AgentsWhileSubmitting) {
  const int agents = static_cast<int>(env_num("HEXA_BENCH_AGENTS", 2000));
  const double seconds = env_num("HEXA_BENCH_SECONDS", 20);
  const int beaters = 8, submitters = 48;
  auto cloud = LiveCloud::start("name: bench\ncluster: \"" + std::to_string(agents) + "x8\"\nscheduler: {policy: fifo}\n",
                                {"--rate-limit", "0"});  // one admin token beats for every node
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string member = cloud->token("member", "acme");
  const Headers admin_h = {{"Authorization", "Bearer " + cloud->admin()}, {"Content-Type", "application/json"}};
  const Headers member_h = {{"Authorization", "Bearer " + member}, {"Content-Type", "application/json"}};
  std::atomic<bool> stop{false};
  Beats beats;
  std::vector<std::vector<FakeAgent>> groups(beaters);
  std::vector<std::vector<double>> beat_lat(beaters);
  const auto t_start = Clock::now();
  for (int n = 0; n < agents; ++n) {
    FakeAgent a;
    a.node = "n" + std::to_string(n);
    a.due = t_start + std::chrono::milliseconds(5000LL * n / agents);  // spread over the interval
    groups[static_cast<std::size_t>(n % beaters)].push_back(a);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < beaters; ++i)
    threads.emplace_back([&, i] {
      auto http = HttpClient::make(cloud->url());
      if (http.ok()) beat(**http, admin_h, groups[static_cast<std::size_t>(i)], 5s, stop, beats, beat_lat[static_cast<std::size_t>(i)]);
    });
  std::this_thread::sleep_for(6s);  // every agent registered and beating
  const long beats_before = beats.ok.load();
  std::atomic<long> submits{0}, submit_failed{0};
  const std::string body = R"({"gpus":1,"time_limit_s":3600,"command":["python","train.py"]})";
  std::atomic<bool> stop_submits{false};
  std::vector<std::thread> subs;
  for (int i = 0; i < submitters; ++i)
    subs.emplace_back([&] {
      auto http = HttpClient::make(cloud->url());
      if (!http.ok()) return;
      while (!stop_submits) {
        auto r = (*http)->request("POST", "/v1/jobs", body, member_h, 30'000);
        if (r.ok() && r->status == 201) ++submits;
        else ++submit_failed;
      }
    });
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop_submits = true;
  for (auto& t : subs) t.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const long beats_during = beats.ok.load() - beats_before;
  stop = true;
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& v : beat_lat) all.insert(all.end(), v.begin(), v.end());
  Answer nodes = cloud->as_admin("GET", "/v1/nodes");
  int down = 0;
  for (const Json& n : nodes.json["nodes"]) down += n["state"] != "up";
  std::printf("heartbeats: %d agents every 5 s (orders + report each) while %d clients submit for %.1f s: %.0f heartbeats/s "
              "absorbed (%ld stale, %ld failed), heartbeat p50 %.2f ms p99 %.2f ms; %.0f durable submits/s (%ld failed); "
              "%d nodes lost\n",
              agents, submitters, wall, static_cast<double>(beats_during) / wall, beats.stale.load(), beats.failed.load(),
              percentile(all, 0.5), percentile(all, 0.99), static_cast<double>(submits.load()) / wall, submit_failed.load(), down);
  EXPECT_EQ(down, 0);
  EXPECT_EQ(beats.failed.load() + beats.stale.load(), 0);
}

// Real agents, the default grace and heartbeat: kill -9 the agent of a job's node, measure until
// the job runs on another node; `HEXA_BENCH_ROUNDS` times (the job moves back and forth).
TEST(NodeBench, DISABLED_AgentKillToRunningElsewhere) {
  const int rounds = static_cast<int>(env_num("HEXA_BENCH_ROUNDS", 3));
  auto cloud = LiveCloud::start(small_cloud(2, 2));
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  std::map<std::string, pid_t> agent = {{"n0", cloud->start_agent("n0", 2)}, {"n1", cloud->start_agent("n1", 2)}};
  ASSERT_TRUE(cloud->wait_node_up("n0") && cloud->wait_node_up("n1"));
  Answer a = cloud->as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"gpus", 2}, {"command", {"sleep", "3600"}}});
  ASSERT_EQ(a.status, 201);
  const std::int64_t id = a.json["id"];
  std::vector<double> secs;
  for (int r = 0; r < rounds; ++r) {
    Json job = cloud->wait_job(id, [&](const Json& j) { return j.value("state", "") == "running" && j.value("segment", 0) == r + 1; }, 60s);
    ASSERT_EQ(job.value("segment", 0), r + 1) << job.dump();
    const std::string node = job["nodes"][0];
    const auto t0 = Clock::now();
    cloud->stop_agent(agent[node], SIGKILL);
    job = cloud->wait_job(id, [&](const Json& j) { return j.value("state", "") == "running" && j.value("segment", 0) == r + 2; }, 60s);
    ASSERT_EQ(job.value("segment", 0), r + 2) << job.dump();
    secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    agent[node] = cloud->start_agent(node, 2);  // back, for the next round
    ASSERT_TRUE(cloud->wait_node_up(node, 30s));
  }
  std::printf("agent killed -> its job running on another node (grace 15 s, heartbeat 5 s), %d rounds: median %.1f s, "
              "max %.1f s (target: grace + 5 s = 20 s)\n",
              rounds, percentile(secs, 0.5), percentile(secs, 1.0));
}

}  // namespace
}  // namespace hexa::testing
