// What a replica's HTTP answers add (docs/server.md, Replicas): a follower answers reads from
// its own core and sends the rest to the leader; every answer says the role.
#include <chrono>

#include "server/api.h"

namespace hexa {
namespace {

// The leader's disk holds what agents write (their job's output) and its AgentBook their orders:
// those routes, and every write, are the leader's.
bool leaders_route(const HttpRequest& req, const Route& route) {
  const std::string pattern = route.pattern;
  return req.method != "GET" || pattern.starts_with("/v1/agent/") || pattern == "/v1/jobs/{id}/logs";
}

TimeMs steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<HttpResponse> follower_answer(const Api& api, const HttpRequest& req, const Route& route) {
  if (api.host.leading() || !leaders_route(req, route)) return std::nullopt;
  const ReplicaView v = api.host.replica_view();
  if (v.leading) return std::nullopt;  // it took the lease meanwhile
  if (!v.leader_live || v.leader_url.empty())
    return problem(503, v.leader_url.empty() && v.leader_live
                            ? "this server follows, and the leader advertised no URL (hexa serve --advertise-url); retry"
                            : "this server follows, and no server leads now (the lease of epoch " +
                                  std::to_string(v.epoch) + " lapsed): one takes it within the lease; retry");
  HttpResponse r = problem(307, "this server follows; " + req.method + " goes to the leader, " + v.leader_url);
  r.headers.push_back({"Location", v.leader_url + req.target});
  return r;
}

void add_replica_headers(const Host& host, HttpResponse& r) {
  const ReplicaView v = host.replica_view();
  if (!v.replicated) return;
  r.headers.push_back({"X-Hexa-Role", v.leading ? "leader" : "follower"});
  if (!v.leader_url.empty() && (v.leading || v.leader_live)) r.headers.push_back({"X-Hexa-Leader", v.leader_url});
  if (!v.leading) r.headers.push_back({"X-Hexa-Behind-Rows", std::to_string(v.behind_rows)});
}

std::optional<Principal> authenticate(Api& api, const std::string& authorization) {
  auto who = api.tokens.authenticate(authorization);
  if (api.host.leading()) return who;
  // Reloaded on a miss (a token the leader made since) and every 5 s (one it deleted).
  const TimeMs now = steady_now_ms(), last = api.tokens_loaded_ms.load();
  if ((who && now - last < 5 * kSecond) || now - last < kSecond) return who;
  api.tokens_loaded_ms = now;
  // A failed read (the database restarting) keeps the tokens it has: an empty book would answer
  // 401 to every client until the next reload.
  if (auto all = api.host.journal().tokens(); all.ok()) api.tokens.load(*all);
  return api.tokens.authenticate(authorization);
}

}  // namespace hexa
