// Benchmark of the web console's API calls with 100,000 jobs in the system (not in the test
// command: DISABLED_, run by scripts/bench_console.sh, figures in docs/PERFORMANCE.md). Every
// page's calls, as an admin and as a member, timed from a keep-alive client: p50, p99, max.
// Prints figures; asserts nothing about time (shared, noisy machines).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/bench_stats.h"
#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Sends `body` to `target` with `method` from 32 threads, `count` times in all (`target` may hold
// "{i}": the request's number).
void flood(const std::string& url, const std::string& token, const std::string& method, int count,
           const std::function<std::string(int)>& target, const std::string& body) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t)
    threads.emplace_back([&] {
      auto client = HttpClient::make(url);
      const std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + token}};
      for (int i; (i = next++) < count;) (void)(*client)->request(method, target(i), body, h, 60'000);
    });
  for (auto& t : threads) t.join();
}

struct Timed {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t bytes = 0;
  int status = 0;
};

Timed time_call(HttpClient& client, const std::string& token, const std::string& target, int reps) {
  std::vector<double> ms;
  Timed t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    auto r = client.request("GET", target, "", {{"Authorization", "Bearer " + token}}, 60'000);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    t.status = r.ok() ? r->status : -1;
    t.bytes = r.ok() ? r->body.size() : 0;
  }
  t.p50 = percentile(ms, 0.5), t.p99 = percentile(ms, 0.99), t.max = *std::max_element(ms.begin(), ms.end());
  return t;
}

TEST(ConsoleBench, DISABLED_DashboardCallsWith100kJobs) {
  const int jobs = static_cast<int>(env_num("HEXA_BENCH_JOBS", 100000));
  const int cancels = jobs * 3 / 10;
  const int reps = static_cast<int>(env_num("HEXA_BENCH_REPS", 30));
  auto cloud = LiveCloud::start(
      "name: bench\ncluster: \"1250x8\"\nscheduler: {policy: fifo}\ncredits:\n  prices:\n"
      "    - {gpu_type: gpu, credits_per_gpu_hour: 1}\n",
      {"--node-grace-s", "3600", "--snapshot-every", "1000000000", "--rate-limit", "0"});
  ASSERT_TRUE(cloud);
  for (int n = 0; n < 1250; ++n)
    ASSERT_EQ(cloud->as_admin("POST", "/v1/agent/register", {{"node", "n" + std::to_string(n)}, {"gpus", 8}, {"gpu_type", "gpu"}}).status, 200);
  const std::vector<std::pair<std::string, std::string>> tenants = {
      {"acme", ""}, {"acme-vision", "acme"}, {"school", ""}, {"beta", ""}};
  for (const auto& [name, parent] : tenants) {
    Json t{{"name", name}};
    if (!parent.empty()) t["parent"] = parent;
    if (name == "school") t["kind"] = "programme";
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", t).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/" + name + "/grants", {{"credits_micro", std::int64_t{1} << 50}}).status, 201);
  }
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/budget", {{"limit_micro", std::int64_t{1} << 49}}).status, 200);
  std::vector<std::string> tokens;
  for (const auto& [name, parent] : tenants) tokens.push_back(cloud->token("member", name));
  auto t0 = Clock::now();
  // Each tenant a quarter: 10,000 run (every GPU), the rest wait; then 30% of all are cancelled
  // (the newest first: waiting ones), so that the archive holds ended jobs too.
  std::vector<std::thread> submitters;
  for (std::size_t k = 0; k < tokens.size(); ++k)
    submitters.emplace_back([&, k] {
      flood(cloud->url(), tokens[k], "POST", jobs / 4, [](int) { return std::string("/v1/jobs"); },
            R"({"gpus":1,"time_limit_s":7200,"command":["sleep","3600"]})");
    });
  for (auto& t : submitters) t.join();
  const double submit_s = std::chrono::duration<double>(Clock::now() - t0).count();
  flood(cloud->url(), cloud->admin(), "DELETE", cancels, [&](int i) { return "/v1/jobs/" + std::to_string(jobs - 1 - i); }, "");
  Answer running = cloud->call("GET", "/v1/jobs?state=running&limit=1", nullptr, tokens[0]);  // acme's: both may see it
  ASSERT_EQ(running.status, 200);
  const std::string job = std::to_string(running.json["jobs"][0]["id"].get<std::int64_t>());
  std::printf("console bench: %d jobs submitted in %.1f s, %d cancelled; timing %d calls of each\n", jobs, submit_s, cancels, reps);

  auto client = HttpClient::make(cloud->url());
  ASSERT_TRUE(client.ok());
  const std::string deep = std::to_string(jobs / 2);
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"overview", "/v1/overview"},
      {"jobs", "/v1/jobs?limit=50"},
      {"jobs", "/v1/jobs?limit=50&state=pending"},
      {"jobs", "/v1/jobs?limit=50&state=cancelled"},
      {"jobs", "/v1/jobs?limit=50&state=running&tenant=acme-vision"},
      {"jobs", "/v1/jobs?limit=50&cursor=" + deep},
      {"job", "/v1/jobs/" + job},
      {"job", "/v1/jobs/" + job + "/logs?offset=0"},
      {"tenants", "/v1/tenants"},
      {"credits", "/v1/tenants/acme/balance"},
      {"credits", "/v1/tenants/acme/credits"},
      {"credits", "/v1/tenants/acme/statement"},
      {"nodes", "/v1/nodes"},
  };
  std::printf("%-9s %-7s %-55s %8s %8s %8s %10s\n", "page", "as", "call", "p50 ms", "p99 ms", "max ms", "bytes");
  for (const auto& [who, token] : {std::pair<std::string, std::string>{"admin", cloud->admin()}, {"member", tokens[0]}})
    for (const auto& [page, target] : calls) {
      Timed t = time_call(**client, token, target, reps);
      EXPECT_EQ(t.status, 200) << who << " " << target;
      std::printf("%-9s %-7s %-55s %8.1f %8.1f %8.1f %10zu\n", page.c_str(), who.c_str(), target.c_str(), t.p50, t.p99, t.max, t.bytes);
    }
}

}  // namespace
}  // namespace hexa::testing
