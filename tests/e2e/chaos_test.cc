// A property test against a live server and real agents: random sequences of agent crashes
// (SIGKILL, restarted later or not for a while), partitions (a proxy that swallows traffic),
// frozen agents (SIGSTOP) and server crashes (kill -9, restart), with jobs submitted and
// cancelled meanwhile. Whatever happens:
//   - no GPU is ever held by two running processes, and no job runs in two segments at once
//     (a monitor samples /proc every few ms: each job process says its node and GPUs);
//   - every acknowledged job ends, once (those left at the end are cancelled): finished,
//     failed, cancelled or timed out, and a restart of the server (replaying its journal)
//     finds the very same state;
//   - the ledger balances.
// The seed is printed; HEXA_CHAOS_SEED replays one, HEXA_CHAOS_SECONDS makes the run longer
// (scripts/chaos.sh runs many seeds).
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"
#include "e2e/tcp_proxy.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> environ_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/environ", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  const std::string all = s.str();
  std::map<std::string, std::string> env;
  for (std::size_t at = 0; at < all.size();) {
    std::size_t end = all.find('\0', at);
    if (end == std::string::npos) end = all.size();
    const std::string kv = all.substr(at, end - at);
    if (auto eq = kv.find('='); eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    at = end + 1;
  }
  return env;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

// Samples the job processes of one cloud: who holds which (node, GPU), which segments run.
class Monitor {
 public:
  explicit Monitor(std::string cloud_dir) : dir_(std::move(cloud_dir)), thread_([this] { run(); }) {}
  ~Monitor() {
    stop_ = true;
    thread_.join();
  }
  std::vector<std::string> violations() {
    std::lock_guard lock(mu_);
    return violations_;
  }
  long samples() const { return samples_.load(); }
  long most_seen() const { return most_seen_.load(); }  // job processes in one sample, at most

 private:
  void run() {
    while (!stop_) {
      sample();
      ++samples_;
      std::this_thread::sleep_for(5ms);
    }
  }
  void sample() {
    std::map<std::pair<std::string, std::string>, std::string> gpu_holder;  // (node, gpu) -> "job-segment"
    std::map<std::string, std::string> job_segment;                         // job -> segment
    std::error_code ec;
    long seen = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string pid = e.path().filename();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      auto env = environ_of(pid);
      if (env["HEXA_E2E_CLOUD"] != dir_ || env["HEXA_JOB_ID"].empty()) continue;
      const std::string job = env["HEXA_JOB_ID"], seg = env["HEXA_SEGMENT"], who = job + "-" + seg;
      ++seen;
      auto nodes = split(env["HEXA_NODES"]);
      const std::size_t rank = static_cast<std::size_t>(std::atoi(env["HEXA_NODE_RANK"].c_str()));
      const std::string node = rank < nodes.size() ? nodes[rank] : "?";
      auto [it, fresh] = job_segment.emplace(job, seg);
      if (!fresh && it->second != seg) note("job " + job + " runs as segments " + it->second + " and " + seg + " at once");
      for (const std::string& gpu : split(env["CUDA_VISIBLE_DEVICES"])) {
        auto [g, first] = gpu_holder.emplace(std::make_pair(node, gpu), who);
        if (!first && g->second != who) note("GPU " + gpu + " of " + node + " held by " + g->second + " and " + who);
      }
    }
    if (seen > most_seen_.load()) most_seen_.store(seen);
  }
  void note(const std::string& v) {
    std::lock_guard lock(mu_);
    if (violations_.size() < 20) violations_.push_back(v);
  }

  std::string dir_;
  std::atomic<bool> stop_{false};
  std::atomic<long> samples_{0}, most_seen_{0};
  std::mutex mu_;
  std::vector<std::string> violations_;
  std::thread thread_;
};

struct AgentSlot {
  std::string node;
  std::unique_ptr<TcpProxy> proxy;
  pid_t pid = 0;      // 0: crashed, not restarted yet
  bool frozen = false;
  Clock::time_point back_at{};  // when the crash, cut or freeze ends
};

bool final_state(const std::string& s) {
  return s == "finished" || s == "failed" || s == "cancelled" || s == "timeout";
}

class Chaos {
 public:
  Chaos(LiveCloud& c, std::uint64_t seed) : c_(c), rng_(seed) {}

  void start_agents(int n) {
    for (int i = 0; i < n; ++i) {
      AgentSlot a;
      a.node = "n" + std::to_string(i);
      a.proxy = std::make_unique<TcpProxy>(url_port(c_.url()));
      a.pid = c_.start_agent(a.node, 2, "gpu", {}, a.proxy->url());
      slots_.push_back(std::move(a));
    }
  }
  void submit() {
    std::uniform_int_distribution<int> gpus(1, 2), secs(3, 15);
    Answer a = c_.as_admin("POST", "/v1/jobs", {{"tenant", "acme"}, {"gpus", gpus(rng_)}, {"time_limit_s", 60},
                                                {"command", {"sleep", std::to_string(secs(rng_))}}});
    if (a.status == 201) jobs_.push_back(a.json["id"]);
  }
  // One random event; ends those whose time has come first.
  void step(std::string* log) {
    heal(false);
    std::uniform_int_distribution<int> pick(0, 9);
    std::uniform_int_distribution<std::size_t> which(0, slots_.size() - 1);
    std::uniform_int_distribution<int> ms(300, 6000);
    AgentSlot& a = slots_[which(rng_)];
    const auto until = Clock::now() + std::chrono::milliseconds(ms(rng_));
    const int k = pick(rng_);
    const bool busy = !a.pid || a.frozen || a.proxy->is_cut();
    if (k <= 1 && !busy) {
      c_.stop_agent(a.pid, SIGKILL), a.pid = 0, a.back_at = until;
      *log += " crash:" + a.node;
    } else if (k <= 3 && !busy) {
      a.proxy->cut(), a.back_at = until;
      *log += " cut:" + a.node;
    } else if (k == 4 && !busy) {
      ::kill(a.pid, SIGSTOP), a.frozen = true, a.back_at = until;
      *log += " freeze:" + a.node;
    } else if (k == 5) {
      c_.kill_server(SIGKILL);
      ASSERT_TRUE(c_.restart_server(60s)) << c_.server_log();
      for (AgentSlot& s : slots_) s.proxy->retarget(url_port(c_.url()));
      *log += " server-crash";
    } else if (k == 6 && !jobs_.empty()) {
      std::uniform_int_distribution<std::size_t> j(0, jobs_.size() - 1);
      c_.as_admin("DELETE", "/v1/jobs/" + std::to_string(jobs_[j(rng_)]));
      *log += " cancel";
    } else {
      submit();
      *log += " submit";
    }
  }
  // Ends crashes, cuts and freezes whose time came (all of them with `all`).
  void heal(bool all) {
    for (AgentSlot& a : slots_) {
      if (!all && Clock::now() < a.back_at) continue;
      if (!a.pid) a.pid = c_.start_agent(a.node, 2, "gpu", {}, a.proxy->url());
      if (a.frozen) ::kill(a.pid, SIGCONT), a.frozen = false;
      a.proxy->restore();
    }
  }
  const std::vector<std::int64_t>& jobs() const { return jobs_; }
  void cancel_all() {
    for (std::int64_t id : jobs_) c_.as_admin("DELETE", "/v1/jobs/" + std::to_string(id));
  }

 private:
  LiveCloud& c_;
  std::mt19937_64 rng_;
  std::vector<AgentSlot> slots_;
  std::vector<std::int64_t> jobs_;
};

std::string states(LiveCloud& c, const std::vector<std::int64_t>& jobs) {
  std::string out;
  for (std::int64_t id : jobs) {
    Answer a = c.as_admin("GET", "/v1/jobs/" + std::to_string(id));
    out += std::to_string(id) + ":" + a.json.value("state", "?") + " ";
  }
  return out;
}

TEST(Chaos, CrashesPartitionsFreezesAndRestartsNeverDoubleBookAndEveryJobEndsOnce) {
  const char* seed_env = std::getenv("HEXA_CHAOS_SEED");
  const std::uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
  const double seconds = std::getenv("HEXA_CHAOS_SECONDS") ? std::atof(std::getenv("HEXA_CHAOS_SECONDS")) : 25;
  std::cout << "chaos seed " << seed << " (HEXA_CHAOS_SEED=" << seed << " replays it)" << std::endl;
  auto cloud = LiveCloud::start(small_cloud(3, 2), {"--node-grace-s", "3", "--heartbeat-s", "1", "--stop-grace-s", "1"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 1'000'000'000}}).status, 201);
  Monitor monitor(cloud->dir());
  Chaos chaos(*cloud, seed);
  chaos.start_agents(3);
  for (int i = 0; i < 16; ++i) chaos.submit();  // the nodes busy all along
  std::mt19937_64 pace(seed ^ 0x9e3779b97f4a7c15ULL);
  std::string log;
  for (auto end = Clock::now() + std::chrono::duration<double>(seconds); Clock::now() < end;) {
    chaos.step(&log);
    if (::testing::Test::HasFatalFailure()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 1200)(pace)));
  }
  chaos.heal(true);
  std::this_thread::sleep_for(2s);  // a few jobs end by themselves in the calm
  chaos.cancel_all();
  // Every acknowledged job ends (cancelled, if nothing else).
  auto until = Clock::now() + 120s;
  bool all_final = false;
  while (!all_final && Clock::now() < until) {
    all_final = true;
    for (std::int64_t id : chaos.jobs())
      all_final &= final_state(cloud->as_admin("GET", "/v1/jobs/" + std::to_string(id)).json.value("state", ""));
    if (!all_final) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(all_final) << "events:" << log << "\njobs: " << states(*cloud, chaos.jobs());
  const std::vector<std::string> bad = monitor.violations();
  EXPECT_TRUE(bad.empty()) << "events:" << log << "\nfirst: " << (bad.empty() ? "" : bad.front());
  EXPECT_GT(monitor.samples(), 100);
  Answer d = cloud->as_admin("GET", "/v1/debug/digest");
  EXPECT_EQ(d.json.value("ledger_total_micro", -1), 0) << d.body;
  // Ended once: the journal replayed by a restarted server gives the very same state.
  const std::string before = states(*cloud, chaos.jobs());
  cloud->kill_server(SIGKILL);
  ASSERT_TRUE(cloud->restart_server(60s));
  EXPECT_EQ(states(*cloud, chaos.jobs()), before);
  EXPECT_EQ(cloud->as_admin("GET", "/v1/debug/digest").json.value("digest", ""), d.json.value("digest", "x"));
  std::cout << "chaos: " << chaos.jobs().size() << " jobs, events:" << log << "; " << monitor.samples() << " samples, at most "
            << monitor.most_seen() << " job processes at once" << std::endl;
}

}  // namespace
}  // namespace hexa::testing
