// The server: a real Host in manual mode (Host::step) on the simulated clock and disk; its
// crashes (between two steps, or inside a journal append) and restarts from the disk.
#include <nlohmann/json.hpp>

#include "server/api.h"
#include "server/host.h"
#include "server/tokens.h"
#include "dst/world.h"

namespace hexa::dst {
namespace {

constexpr TimeMs kMaxStepGap = 200;  // the core thread wakes this often at least (lost nodes, polls)

}  // namespace

void World::open_server() {
  HostOptions opt;
  opt.node_grace = 3 * kSecond;
  opt.heartbeat_s = 1;
  opt.stop_grace = 300 + static_cast<DurationMs>(seed_ % 1200);
  opt.snapshot_every = 10 + static_cast<std::int64_t>(seed_ % 60);
  opt.snapshot_interval = 0;
  opt.clock = [this] { return wall(); };
  opt.request_ids = [this] { return "dst-" + std::to_string(++request_ids_); };  // same seed, same journal
  opt.open_journal = [this](const std::string&) -> Result<std::unique_ptr<Journal>> {
    return std::unique_ptr<Journal>(std::make_unique<MemJournal>(disk_));
  };
  opt.save_snapshot = [this](std::int64_t seq, const std::string& bytes) { return disk_.save_snapshot(seq, bytes); };
  opt.load_snapshot = [this](const SnapshotAccept& accept) { return disk_.load_snapshot(accept); };
  std::vector<std::string> notes;
  auto host = Host::open(*setup_.cloud, setup_.dir, opt, &notes);
  for (const std::string& n : notes) say("server: " + n);
  if (!host.ok()) return fail("the server does not open: " + host.status().message());
  host_ = std::move(host).value();
  tokens_ = std::make_unique<TokenBook>();
  tokens_->load(*host_->journal().tokens());
  api_.reset(new Api{*host_, *tokens_});
  api_->ready = true;
  ++incarnation_;
  server_up_ = true;
  disk_.crashed = false;
  say("server up (incarnation " + std::to_string(incarnation_) + ", " + std::to_string(disk_.rows.size()) +
      " journal rows, replayed " + std::to_string(host_->replayed()) + ")");
  step_at_ = kNever;
  schedule_step(now_);
}

void World::crash_server(bool clean) {
  ++counts_.server_crashes;
  digest_at_crash_.reset();
  if (clean) digest_at_crash_ = host_->digest();
  say(clean ? "server crash (between two steps)" : "server crash (inside a journal append)");
  server_up_ = false;
  ++incarnation_;
  api_.reset();
  host_.reset();  // what it queued is answered into the void: the process is gone
  tokens_.reset();
  disk_.next = DiskFault::kNone;
  server_back_at_ = now_ + 200 + static_cast<TimeMs>(rng_.below(1500));
}

void World::restart_server() {
  open_server();
  if (server_up_) check_restart();
}

void World::schedule_step(TimeMs t) {
  if (t >= step_at_) return;
  step_at_ = t;
  at(t, [this, t] {
    if (step_at_ != t) return;  // superseded by an earlier one
    step_at_ = kNever;
    step_server();
  });
}

void World::step_server() {
  if (!server_up_ || !failure_.empty()) return;
  if (!calm_ && disk_.next == DiskFault::kNone) {  // the next append's fate
    const double r = rng_.uniform();
    if (r < faults_.torn) disk_.next = rng_.below(2) ? DiskFault::kTornKept : DiskFault::kTornLost;
    else if (r < faults_.torn + faults_.fsync) disk_.next = DiskFault::kFsync;
  }
  const std::int64_t rows = static_cast<std::int64_t>(disk_.rows.size());
  host_->step();
  ++counts_.steps;
  if (disk_.crashed) return crash_server(false);
  if (static_cast<std::int64_t>(disk_.rows.size()) != rows)
    say("server step: journal rows " + std::to_string(rows + 1) + ".." + std::to_string(disk_.rows.size()));
  check_server();
  const TimeMs wake = host_->read([](const Core& core) { return core.wake_at(); });
  TimeMs next = now_ + kMaxStepGap;
  if (wake != kNever) next = std::min(next, wake + host_->origin_ms() - kWallEpoch);
  schedule_step(std::max(next, now_ + 1));
}

}  // namespace hexa::dst
