// Registering the node: at start, and again after the server said our epoch is stale.
#include <algorithm>
#include <thread>

#include "agent/agent_loop.h"
#include "agent/clock.h"

namespace hexa {

namespace {

constexpr int kRegisterTimeoutMs = 10'000;

// What discovery found, for the server: the model (it may name the cluster's GPU type), the
// GPUs' UUIDs and the MIG devices (the server checks their profiles against its own).
void add_discovered(Json& body, const DiscoveredGpus& d) {
  if (d.empty()) return;
  body["gpu_model"] = d.gpus[0].name;
  Json uuids = Json::array();
  for (const DiscoveredGpu& g : d.gpus) uuids.push_back(g.uuid);
  body["gpu_uuids"] = uuids;
  if (d.mig.empty()) return;
  Json mig = Json::array();
  for (const MigDevice& m : d.mig)
    mig.push_back({{"gpu", m.gpu}, {"uuid", m.uuid}, {"profile", m.profile}, {"start", m.start}, {"size", m.size}});
  body["mig"] = mig;
}

}  // namespace

// Until the server gives an epoch: an unreachable or failing server is tried again after the
// backoff; a refusal (the node is not in the cluster, other GPUs, a bad token) is final.
AgentLoop::Outcome AgentLoop::register_node() {
  Backoff backoff;
  registered_ = false;
  while (!stop_.load()) {
    if (leave_jobs_asked()) return Outcome::kLeaveJobs;
    Json body = {{"node", o_.node}, {"gpus", o_.gpus}, {"gpu_type", o_.gpu_type}, {"running", running_list()}};
    add_discovered(body, o_.discovered);
    if (!o_.advertise_addr.empty()) body["addr"] = o_.advertise_addr;
    ServerReply r = link_.post("/v1/agent/register", body, kRegisterTimeoutMs);
    if (r.answer == Answer::kOk) {
      if (accept_registration(r.body)) return Outcome::kRegistered;
      say_("register: the answer has no integer \"epoch\" (retrying)");
    } else if (r.answer != Answer::kRetry) {
      std::string hint = r.answer == Answer::kDenied ? " (is the token this node's agent token?)" : "";
      say_("the server refuses node " + o_.node + ": " + r.problem + hint);
      return Outcome::kDenied;
    }
    nap(backoff.next());
  }
  return Outcome::kStopAsked;
}

bool AgentLoop::accept_registration(const Json& answer) {
  auto epoch = answer.is_object() ? answer.find("epoch") : answer.end();
  if (!answer.is_object() || epoch == answer.end() || !epoch->is_number_integer()) return false;
  epoch_ = epoch->get<std::int64_t>();
  std::int64_t heartbeat_s = 5;
  auto hb = answer.find("heartbeat_s");
  if (hb != answer.end() && hb->is_number_integer()) heartbeat_s = std::clamp<std::int64_t>(hb->get<std::int64_t>(), 1, 300);
  heartbeat_ms_ = heartbeat_s * kSecond;
  // The server's grace and fence (older servers say neither: the defaults). A fence past the
  // grace would be no fence: kept below it.
  auto ms = [&](const char* key, DurationMs fallback) {
    auto it = answer.find(key);
    return it != answer.end() && it->is_number_integer() ? std::clamp<DurationMs>(it->get<DurationMs>(), 100, 3'600'000) : fallback;
  };
  node_grace_ms_ = ms("node_grace_ms", 15 * kSecond);
  fence_ms_ = std::min(ms("fence_ms", node_grace_ms_ * 2 / 3), node_grace_ms_ * 9 / 10);
  registered_ = true;
  send_checkpoints_ = true;  // this server may take them (an upgraded one, say)
  keepers_heard_ = -1;  // the fence may have changed
  tell_keepers();
  const TimeMs now = agent_now_ms();
  next_heartbeat_ = now + heartbeat_ms_;
  next_logs_ = now;
  poller_.poll_with(epoch_);
  say_("node " + o_.node + " registered (epoch " + std::to_string(epoch_) + ", heartbeat every " +
       std::to_string(heartbeat_s) + " s, fence " + std::to_string(fence_ms_) + " ms)");
  return true;
}

// Sleeps d, in ticks, unless asked to stop.
void AgentLoop::nap(DurationMs d) const {
  const TimeMs until = agent_now_ms() + d;
  for (TimeMs now = agent_now_ms(); now < until && !stop_.load() && !leave_jobs_asked(); now = agent_now_ms())
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<DurationMs>(until - now, 50)));
}

}  // namespace hexa
