// The event loop, the run's timeline and its log.
#include "dst/world.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "net/log.h"
#include "server/api.h"
#include "server/host.h"
#include "server/tokens.h"

namespace hexa::dst {
namespace {

constexpr TimeMs kTick = 50;                      // agents' and keepers' tick

// Host lines (std::cerr) go to the log of the run on this thread: the hosts of several seeds
// run at once on different threads, and thousands of runs must not flood the terminal.
thread_local std::function<void(const std::string&)>* t_sink = nullptr;

class SinkBuf final : public std::streambuf {
 public:
  explicit SinkBuf(std::streambuf* next) : next_(next) {}

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    char ch = static_cast<char>(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (!t_sink) return next_->sputn(s, n);
    thread_local std::string line;
    for (std::streamsize i = 0; i < n; ++i) {
      if (s[i] != '\n') {
        line += s[i];
        continue;
      }
      (*t_sink)(line);
      line.clear();
    }
    return n;
  }

 private:
  std::streambuf* next_;
};

void capture_cerr() {
  static std::once_flag once;
  std::call_once(once, [] {
    static SinkBuf buf(std::cerr.rdbuf());
    std::cerr.rdbuf(&buf);
    // The hosts' log (net/log.h) too, but not its line per API answer: thousands a run, each
    // with its wall-clock duration.
    set_log_sink([](const std::string& line) {
      if (!line.starts_with("hexa serve: request ")) std::cerr << line;
    });
  });
}

}  // namespace

Result<Scenario> load_dst_cloud(const std::string& dir, int nodes, int gpus_per_node) {
  const std::string path = dir + "/cloud.yaml";
  std::ofstream(path) << "name: dst\ncluster: \"" << nodes << "x" << gpus_per_node << "\"\n"
                      << "scheduler: {policy: backfill}\n"
                      << "tenants:\n  - {name: acme}\n  - {name: beta}\n"
                      << "credits:\n  prices:\n    - {gpu_type: gpu, credits_per_gpu_hour: 1, priorities: [0, 10]}\n"
                      << "  grants:\n"
                      << "    - {tenant: acme, programme: dst, credits: 100000, start_day: 0, expiry_day: 36500}\n"
                      << "    - {tenant: beta, programme: dst, credits: 100000, start_day: 0, expiry_day: 36500}\n";
  return load_cloud(path);
}

std::string Faults::text() const {
  char buf[300];
  std::snprintf(buf, sizeof buf,
                "loss %.3f, dup %.3f, delay %lld..%lld ms, per second: partition %.2f, agent crash %.2f, "
                "reboot %.2f, server crash %.2f; per append: fsync %.3f, torn %.3f",
                loss, dup, static_cast<long long>(delay_lo), static_cast<long long>(delay_hi), partition, agent_crash,
                node_reboot, server_crash, fsync, torn);
  return buf;
}

void RunLog::add(TimeMs t, const std::string& line) {
  char head[32];
  std::snprintf(head, sizeof head, "%7.3f ", static_cast<double>(t) / 1000.0);
  lines_.push_back(head + line);
  if (!keep_all_ && lines_.size() > kKept) lines_.pop_front(), ++dropped_;
}

std::string RunLog::text() const {
  std::string out;
  if (dropped_) out += "  (" + std::to_string(dropped_) + " earlier lines left out; HEXA_DST_SEED shows them all)\n";
  for (const std::string& l : lines_) out += "  " + l + "\n";
  return out;
}

World::World(const Setup& setup, std::uint64_t seed, bool keep_all)
    : setup_(setup), seed_(seed), rng_(seed), log_(keep_all) {
  // The seed's weather: a quarter of the seeds calm but for crashes, others stormy in parts.
  auto chance = [&](double p, double hi) { return rng_.uniform() < p ? rng_.uniform() * hi : 0.0; };
  faults_.loss = chance(0.6, 0.15);
  faults_.dup = chance(0.4, 0.1);
  faults_.delay_lo = 1 + static_cast<TimeMs>(rng_.below(5));
  faults_.delay_hi = faults_.delay_lo + static_cast<TimeMs>(rng_.below(rng_.below(2) ? 300 : 30));
  faults_.partition = chance(0.5, 0.4);
  faults_.agent_crash = chance(0.5, 0.4);
  faults_.node_reboot = chance(0.3, 0.15);
  faults_.server_crash = chance(0.5, 0.3);
  faults_.fsync = chance(0.4, 0.1);
  faults_.torn = chance(0.3, 0.03);
  chaos_until_ = 2000 + static_cast<TimeMs>(rng_.below(4000));
  end_at_ = chaos_until_ + 5000;  // the calm: long enough for a restart, the cancels and the stops
  nodes_.resize(static_cast<std::size_t>(setup_.nodes));
  agents_.resize(nodes_.size());
  for (int n = 0; n < setup_.nodes; ++n) nodes_[static_cast<std::size_t>(n)].name = "n" + std::to_string(n);
  // Tokens, as an admin would have made them: in the journal's token table from the start.
  auto token = [&](const std::string& id, const std::string& role, const std::string& node) {
    std::string secret = "hexa_" + sha256_hex("dst " + id);  // the shape of a real one: 64 hex digits
    TokenRecord t;
    t.id = id, t.role = role, t.node = node, t.hash = sha256_hex(secret), t.created = kWallEpoch;
    disk_.tokens.push_back(t);
    secrets_[id] = secret;
  };
  token("admin", "admin", "");
  for (const SimNode& n : nodes_) token(n.name, "agent", n.name);
}

World::~World() {
  api_.reset();
  host_.reset();
}

TimeMs World::wall() const { return kWallEpoch + now_; }

void World::at(TimeMs t, std::function<void()> fn) { events_.push({std::max(t, now_), next_seq_++, std::move(fn)}); }

void World::say(const std::string& line) { log_.add(now_, line); }

void World::fail(const std::string& what) {
  if (!failure_.empty()) return;
  failure_ = what;
  say("VIOLATION: " + what);
}

std::string World::run() {
  capture_cerr();
  // The host times its snapshots on the real clock: that part of its line is left out, or the
  // same seed would not print the same run (Dst.SameSeedSameRun).
  std::function<void(const std::string&)> sink = [this](const std::string& l) {
    const std::size_t timed = l.find(" bytes in ");
    say("server: " + (l.find(": snapshot at row ") != std::string::npos && timed != std::string::npos ? l.substr(0, timed) + " bytes" : l));
  };
  t_sink = &sink;
  say("seed " + std::to_string(seed_) + ": " + faults_.text() + "; chaos until " + std::to_string(chaos_until_) + " ms");
  open_server();
  for (std::size_t n = 0; n < agents_.size(); ++n) agents_[n].back_at = static_cast<TimeMs>(rng_.below(300));
  std::function<void()> tick = [this, &tick] {
    if (!server_up_ && now_ >= server_back_at_) restart_server();
    for (int n = 0; n < static_cast<int>(nodes_.size()); ++n) keeper_tick(n), agent_tick(n);
    if (!calm_) chaos_tick();
    if (now_ + kTick < end_at_) at(now_ + kTick, tick);
  };
  at(0, tick);
  at(chaos_until_, [this] {
    calm_ = true;
    say("calm: no more faults; partitions healed, agents back, every acknowledged job cancelled");
    cut_until_.clear();
    for (ModelAgent& a : agents_) a.back_at = std::min(a.back_at, now_);
    if (!server_up_) server_back_at_ = std::min(server_back_at_, now_);
    for (std::size_t j = 0; j < jobs_.size(); ++j)
      if (jobs_[j].acked && !jobs_[j].req) send_cancel(j);
  });
  while (!events_.empty() && failure_.empty()) {
    Event e = events_.top();
    events_.pop();
    if (e.at > end_at_) break;
    now_ = e.at;
    ++counts_.events;
    e.fn();
  }
  if (failure_.empty()) check_final();
  t_sink = nullptr;
  counts_.fsync_failures = disk_.fsync_failures;
  counts_.torn_writes = disk_.torn_writes;
  return failure_;
}

std::string World::report() const {
  return "seed " + std::to_string(seed_) + " (HEXA_DST_SEED=" + std::to_string(seed_) + " replays it with every line): " +
         failure_ + "\nfaults: " + faults_.text() + "\nthe run's last lines:\n" + log_.text();
}

}  // namespace hexa::dst
