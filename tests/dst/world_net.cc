// The simulated network: every request and answer is a message with a delivery time; messages
// are lost, delayed (and so reordered) and duplicated as the seed says, and a node cut off
// from the server loses every message either way until its partition ends.
#include "server/api.h"
#include "server/host.h"
#include "dst/world.h"

namespace hexa::dst {

TimeMs World::delay() {
  return faults_.delay_lo + static_cast<TimeMs>(rng_.below(static_cast<std::uint64_t>(faults_.delay_hi - faults_.delay_lo + 1)));
}

bool World::cut(const std::string& endpoint) const {
  auto it = cut_until_.find(endpoint);
  return it != cut_until_.end() && now_ < it->second;
}

std::uint64_t World::call(const std::string& from, HttpRequest req, TimeMs timeout, OnReply on_reply) {
  const std::uint64_t id = ++next_req_;
  ++counts_.requests;
  pending_[id] = {std::move(on_reply), from};
  at(now_ + timeout, [this, id] {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    OnReply f = std::move(it->second.on_reply);
    pending_.erase(it);
    f(std::nullopt);  // no answer in time
  });
  if (cut(from) || (!calm_ && rng_.uniform() < faults_.loss)) {
    ++counts_.lost;
    return id;
  }
  // A registration is never delivered twice: HTTP over TCP does not duplicate a request, and
  // the agent's own retries (a new registration after a lost answer) are modelled as such.
  const bool dup = !calm_ && req.target != "/v1/agent/register" && rng_.uniform() < faults_.dup;
  if (dup) {
    ++counts_.dups;
    at(now_ + delay() + delay(), [this, from, id, req] { deliver_request(from, id, req); });
  }
  at(now_ + delay(), [this, from, id, req = std::move(req)] { deliver_request(from, id, req); });
  return id;
}

void World::deliver_request(const std::string& from, std::uint64_t id, const HttpRequest& req) {
  if (cut(from) || !server_up_) return;  // no connection: the caller's timeout answers
  const int incarnation = incarnation_;
  serve_request(*api_, req, [this, incarnation, from, id](HttpResponse r) {
    if (incarnation != incarnation_ || !server_up_ || disk_.crashed) return;  // the process died first
    if (cut(from) || (!calm_ && rng_.uniform() < faults_.loss)) {
      ++counts_.lost;
      return;
    }
    at(now_ + delay(), [this, from, id, r = std::move(r)] { deliver_reply(from, id, r); });
  });
  schedule_step(now_ + 1);  // the core thread wakes for what was queued
}

void World::deliver_reply(const std::string& to, std::uint64_t id, const HttpResponse& r) {
  if (cut(to)) return;
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // given up on, or a duplicate's second answer
  OnReply f = std::move(it->second.on_reply);
  pending_.erase(it);
  f(r);
}

}  // namespace hexa::dst
