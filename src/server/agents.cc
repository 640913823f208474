#include "server/agents.h"

#include <nlohmann/json.hpp>

namespace hexa {

std::string orders_json(const std::vector<Order>& orders) {
  nlohmann::json list = nlohmann::json::array();
  for (const Order& o : orders) {
    nlohmann::json j{{"kind", o.start ? "start" : "stop"}, {"job", o.job}, {"segment", o.segment}};
    if (o.start) {
      j["restarts"] = o.restarts;
      j["name"] = o.name;
      j["tenant"] = o.tenant;
      j["command"] = o.argv;
      j["env"] = o.env;
      j["gpus"] = o.gpus;
      j["rank"] = o.rank;
      j["nodes"] = o.nodes;
      if (o.slice_slots != 0) {
        j["slice"] = {{"profile", o.slice_profile}, {"slots", o.slice_slots}};
        if (!o.slice_uuid.empty()) j["slice"]["uuid"] = o.slice_uuid;
      }
      if (o.memory_mb > 0) j["memory_mb"] = o.memory_mb;
      if (o.cpus > 0) j["cpus"] = o.cpus;
      j["master_addr"] = o.master_addr;
      j["master_port"] = o.master_port;
    } else {
      j["grace_ms"] = o.grace_ms;
    }
    if (!o.request_id.empty()) j["request_id"] = o.request_id;
    list.push_back(std::move(j));
  }
  return nlohmann::json{{"orders", std::move(list)}}.dump();
}

void AgentBook::set_mig(const std::string& node, std::vector<RegisteredMig> devices) {
  std::lock_guard lock(mu_);
  if (devices.empty()) mig_.erase(node);
  else mig_[node] = std::move(devices);
}

std::string AgentBook::mig_uuid(const std::string& node, int gpu, int slots) const {
  std::lock_guard lock(mu_);
  auto it = mig_.find(node);
  if (it == mig_.end()) return "";
  for (const RegisteredMig& m : it->second)
    if (m.gpu == gpu && m.slots == slots) return m.uuid;
  return "";
}

Status AgentBook::stale(const std::string& node, std::int64_t epoch) {
  return Status::Conflict("node '" + node + "': epoch " + std::to_string(epoch) +
                          " is not current: stop every job and register again");
}

void AgentBook::registered(const std::string& node, std::int64_t epoch, TimeMs heard) {
  std::lock_guard lock(mu_);
  Session& s = nodes_[node];
  if (s.waiting) (*s.waiting)(stale(node, s.epoch)), s.waiting.reset();
  s = Session{};
  s.epoch = epoch;
  s.heard = heard;
}

void AgentBook::lost(const std::string& node) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  if (it->second.waiting) (*it->second.waiting)(stale(node, it->second.epoch));
  nodes_.erase(it);
}

Status AgentBook::heard(const std::string& node, std::int64_t epoch, TimeMs now) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.epoch != epoch) return stale(node, epoch);
  it->second.heard = now;
  return Status::Ok();
}

std::int64_t AgentBook::epoch(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  return it == nodes_.end() ? 0 : it->second.epoch;
}

void AgentBook::poll(const std::string& node, std::int64_t epoch, DurationMs wait, TimeMs now, PollFn reply) {
  std::unique_lock lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.epoch != epoch) {
    lock.unlock();
    return reply(stale(node, epoch));
  }
  Session& s = it->second;
  s.heard = now;
  if (s.waiting) (*s.waiting)(std::vector<Order>{}), s.waiting.reset();  // a newer poll replaces it
  if (!s.orders.empty() || wait <= 0) {
    std::vector<Order> out(s.orders.begin(), s.orders.end());
    s.orders.clear();
    lock.unlock();
    return reply(std::move(out));
  }
  s.waiting = std::move(reply);
  s.wait_until = now + wait;
}

void AgentBook::send(const std::string& node, Order o) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it != nodes_.end()) it->second.orders.push_back(std::move(o));
}

bool AgentBook::start_waits(const std::string& node, JobId job, int segment) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return false;
  for (const Order& o : it->second.orders)
    if (o.start && o.job == job && o.segment == segment) return true;
  return false;
}

void AgentBook::flush(TimeMs now) {
  std::vector<std::pair<PollFn, std::vector<Order>>> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [node, s] : nodes_) {
      if (!s.waiting || (s.orders.empty() && now < s.wait_until)) continue;
      due.emplace_back(std::move(*s.waiting), std::vector<Order>(s.orders.begin(), s.orders.end()));
      s.orders.clear();
      s.waiting.reset();
    }
  }
  for (auto& [reply, orders] : due) reply(std::move(orders));  // outside the lock: replies write sockets
}

std::vector<std::string> AgentBook::silent(TimeMs now, DurationMs grace) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [node, s] : nodes_)
    if (now - s.heard > grace) out.push_back(node);
  return out;
}

void AgentBook::heard_all(TimeMs now) {
  std::lock_guard lock(mu_);
  for (auto& [node, s] : nodes_) s.heard = now;
}

void AgentBook::close_all(const Status& why) {
  std::vector<PollFn> waiting;
  {
    std::lock_guard lock(mu_);
    for (auto& [node, s] : nodes_)
      if (s.waiting) waiting.push_back(std::move(*s.waiting)), s.waiting.reset();
  }
  for (PollFn& reply : waiting) reply(why);
}

AgentBook::View AgentBook::view(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return {};
  return {it->second.epoch, it->second.heard, it->second.waiting.has_value()};
}

}  // namespace hexa
