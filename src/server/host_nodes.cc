// What the host remembers of nodes beyond the core's node states: the address each agent
// registered from (a gang's HEXA_MASTER_ADDR), and the reason and deadline of a drain. Both are
// host records journaled in the same batch as the command they go with (NodeUp, DrainNode), so
// that replay and snapshots bring them back (docs/server.md, Nodes).
//
// {"node_addr": {"node": N, "addr": A}}
// {"drain": {"node": N, "reason": R, "deadline": T}}   T: core time; absent = none

#include <nlohmann/json.hpp>

#include "api/json_writer.h"
#include "net/log.h"
#include "server/host.h"

namespace hexa {

using Json = nlohmann::json;

std::string Host::node_addr(const std::string& node) const {
  auto it = node_addrs_.find(node);
  return it == node_addrs_.end() ? node : it->second;  // a node name often resolves on the cluster's network
}

const Host::Drain* Host::drain_of(const std::string& node) const {
  auto it = drains_.find(node);
  return it == drains_.end() ? nullptr : &it->second;
}

// Spread over the range so that jobs started together get different ports; a job's next
// segment gets another one (its last segment's ranks may still be releasing theirs).
int Host::gang_port(JobId job, int segment) const {
  const std::int64_t span = std::int64_t{opt_.gang_port_hi} - opt_.gang_port_lo + 1;
  if (span <= 0) return opt_.gang_port_lo;
  return opt_.gang_port_lo + static_cast<int>((std::int64_t{job} + 101 * std::int64_t{segment}) % span);
}

void Host::apply_node_note(const Json& j) {
  if (!j.is_object()) return;
  if (auto a = j.find("node_addr"); a != j.end() && a->is_object()) {
    const std::string node = a->value("node", ""), addr = a->value("addr", "");
    if (!node.empty() && !addr.empty()) node_addrs_[node] = addr;
  }
  if (auto d = j.find("drain"); d != j.end() && d->is_object()) {
    const std::string node = d->value("node", "");
    if (node.empty()) return;
    Drain drain;
    drain.reason = d->value("reason", "");
    drain.deadline = d->value("deadline", kNever);
    drains_[node] = std::move(drain);
  }
}

// Core thread. A node drained with a deadline that has come: what still runs there is requeued
// (RequeueJob: stopped with the stop grace, back in the queue, as a preemption by priority).
// Nothing new starts on a draining node, so once done this finds nothing more to do.
void Host::drain_deadlines(TimeMs now) {
  for (const auto& [name, drain] : drains_) {
    if (drain.deadline > now) continue;
    auto node = topology().find_node(name);
    if (!node) continue;
    bool busy = false;
    for (JobId id : core_->state().running)
      for (const NodeGpus& g : core_->job(id).alloc) busy |= g.node == *node;
    if (!busy) continue;
    log_event("hexa serve", "warn", "node " + name + ": drain deadline passed, requeueing its jobs");
    std::lock_guard lock(q_mu_);
    queue_.push_back({[n = *node](const Core& core) {
                        Plan p;
                        if (!core.node(n).drain) return p;  // resumed since
                        for (JobId id : core.state().running)
                          for (const NodeGpus& g : core.job(id).alloc)
                            if (g.node == n) {
                              p.commands.push_back(RequeueJob{id, core.job(id).segment});
                              break;
                            }
                        return p;
                      },
                      [](const Outcome&, const Core&) {}});
  }
}

void Host::write_nodes(JsonWriter& w) const {
  w.key("node_addrs"), w.begin_array();
  for (const auto& [node, addr] : node_addrs_) w.begin_array(), w.string(node), w.string(addr), w.end_array();
  w.end_array();
  w.key("drains"), w.begin_array();
  for (const auto& [node, d] : drains_)
    w.begin_array(), w.string(node), w.string(d.reason), w.integer(d.deadline), w.end_array();
  w.end_array();
}

// REQUIRES: inside load_host_state's try (a malformed entry throws). Snapshots older than
// these fields have none.
void Host::read_nodes(const Json& state) {
  node_addrs_.clear();
  drains_.clear();
  if (state.contains("node_addrs"))
    for (const Json& a : state.at("node_addrs")) node_addrs_[a.at(0).get<std::string>()] = a.at(1).get<std::string>();
  if (state.contains("drains"))
    for (const Json& d : state.at("drains"))
      drains_[d.at(0).get<std::string>()] = {d.at(1).get<std::string>(), d.at(2).get<TimeMs>()};
}

}  // namespace hexa
