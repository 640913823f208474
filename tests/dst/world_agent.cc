// Model agents: the real agent's protocol (src/agent/, docs/server.md "The agent") as a small
// state machine on the simulated clock. Register (listing what runs), long-poll orders, start
// and stop jobs (a start waits while a stopping job holds its GPUs), report exits until one is
// acknowledged, heartbeat; at the fence (unheard for fence_ms) stop every job and register
// again; a stale epoch (409): kill every job and register again. The jobs' processes and the
// keepers' heard file belong to the node: they outlive the agent (a new agent adopts the jobs)
// but not a reboot. A keeper stops its job once the heard file is older than the fence.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "dst/world.h"

namespace hexa::dst {
namespace {

using Json = nlohmann::json;

constexpr DurationMs kPollWait = 1000;
constexpr DurationMs kTimeout = 1500;        // short requests
constexpr DurationMs kFenceKill = 2000;      // SIGTERM .. SIGKILL at the fence, at most
constexpr DurationMs kGraceMargin = 1000;    // jobs gone this long before the server's grace ends

SimProc* find_proc(SimNode& node, const ProcKey& k) {
  for (SimProc& p : node.procs)
    if (p.key == k && p.live()) return &p;
  for (SimProc& p : node.procs)
    if (p.key == k && !p.settled) return &p;
  return nullptr;
}

std::string key_text(const ProcKey& k) { return std::to_string(k.job) + "/" + std::to_string(k.segment); }

}  // namespace

HttpRequest World::agent_request(int n, const char* method, const std::string& target, const std::string& body) const {
  HttpRequest r;
  r.method = method;
  r.target = target;
  r.body = body;
  r.peer = "10.0.0." + std::to_string(n + 1) + ":40000";
  r.headers["authorization"] = "Bearer " + secrets_.at(nodes_[static_cast<std::size_t>(n)].name);
  return r;
}

std::string World::running_list(int n) const {
  const ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  Json list = Json::array();
  for (const ProcKey& k : a.table) list.push_back({{"job", k.job}, {"segment", k.segment}});
  for (const StartOrderMsg& o : a.waiting) list.push_back({{"job", o.key.job}, {"segment", o.key.segment}});
  return list.dump();
}

// SIGTERM now; the process ends when it is done saving (its own time) or at the SIGKILL.
void World::stop_proc(SimProc& p, DurationMs grace, bool fenced) {
  p.fenced = p.fenced || fenced;
  if (p.stopping) return;
  p.stopping = true;
  const DurationMs reaction = static_cast<DurationMs>(rng_.below(1500));
  p.dies_at = now_ + std::min(reaction, grace);
  p.kill_signal = reaction < grace ? 15 : 9;
}

// The node's processes: their ends, and the keepers' fence.
void World::keeper_tick(int n) {
  SimNode& node = nodes_[static_cast<std::size_t>(n)];
  for (SimProc& p : node.procs) {
    if (!p.live()) continue;
    if (now_ >= std::min(p.ends_at, p.dies_at)) {
      p.dead = true;
      if (p.dies_at < p.ends_at) p.code = 0, p.signal = p.kill_signal;
      else p.code = p.exit_code, p.signal = 0;
      if (p.fenced) p.settled = true;  // not reported: the server counts it lost
      say(node.name + ": job " + key_text(p.key) + " ended (" + (p.signal ? "signal " + std::to_string(p.signal) : "exit " + std::to_string(p.code)) +
          (p.fenced ? ", fenced" : "") + ")");
      continue;
    }
    if (!p.stopping && node.heard >= 0 && node.fence > 0 && now_ - node.heard >= node.fence) {
      say(node.name + ": keeper fences job " + key_text(p.key) + " (heard " + std::to_string(now_ - node.heard) + " ms ago)");
      stop_proc(p, std::min<DurationMs>(node.fence / 4, kFenceKill), true);
    }
  }
  std::erase_if(node.procs, [](const SimProc& p) { return p.dead && p.settled; });
}

void World::agent_tick(int n) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  SimNode& node = nodes_[static_cast<std::size_t>(n)];
  if (!a.up) {
    if (now_ < a.back_at) return;
    a = ModelAgent{};
    a.up = true;
    a.last_heard = now_;
    // Adopted: what the keepers kept. Past the fence by the heard file, the keepers are
    // stopping their jobs: the real agent (job_recover.cc) SIGKILLs them, waits for them to be
    // gone and leaves them out, and so does this one (seed 35282: adopted, such a job was
    // reported running while its keeper stopped it, and the server, losing the gang's other
    // node, started the next segment while it still ran).
    const bool past_fence = node.heard >= 0 && node.fence > 0 && now_ - node.heard >= node.fence;
    for (SimProc& p : node.procs) {
      if (p.settled) continue;
      if (past_fence) {
        if (p.live()) p.dead = true, p.code = 0, p.signal = 9;
        p.fenced = p.settled = true;
        say(node.name + ": job " + key_text(p.key) + " past the fence while no agent ran: stopped, left out");
        continue;
      }
      if (!p.fenced || p.live()) a.known.insert(p.key), a.table.insert(p.key);
    }
    say(node.name + ": agent starts, adopting " + std::to_string(a.table.size()) + " job(s)");
  }
  // Exits: taken from the table once registered (the real agent ships their output first).
  if (a.registered)
    for (auto it = a.table.begin(); it != a.table.end();) {
      SimProc* p = find_proc(node, *it);
      if (p && p->live()) {
        ++it;
        continue;
      }
      if (p && !p->fenced) a.exits.push_back(*it);
      it = a.table.erase(it);
    }
  // Start orders whose GPUs are free now.
  std::vector<StartOrderMsg> waiting = std::move(a.waiting);
  a.waiting.clear();
  for (const StartOrderMsg& o : waiting) start_order(n, o);
  const bool procs_left = std::any_of(node.procs.begin(), node.procs.end(), [](const SimProc& p) { return p.live(); });
  if (a.quiescing && !procs_left) a.quiescing = false;
  if (a.registered && procs_left && now_ - a.last_heard >= a.fence) {
    const DurationMs unheard = now_ - a.last_heard;
    quiesce(n, std::clamp<DurationMs>(a.grace - kGraceMargin - unheard, 0, kFenceKill),
            "fence: unheard for " + std::to_string(unheard) + " ms");
    return;
  }
  if (!a.registered) {
    if (!a.quiescing && !a.reg_req && now_ >= a.retry_at) agent_register(n);
    return;
  }
  node.heard = a.last_heard, node.fence = a.fence;  // tell the keepers
  if (now_ < a.retry_at) return;
  if (!a.poll_req) agent_poll(n);
  if (!a.report_req && (!a.exits.empty() || now_ >= a.next_heartbeat)) agent_report(n);
}

void World::agent_heard(int n, TimeMs sent) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  a.last_heard = std::max(a.last_heard, sent);
  a.backoff = 100;
}

void World::agent_failed(int n) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  a.retry_at = now_ + a.backoff;
  a.backoff = std::min<DurationMs>(a.backoff * 2, 2000);
}

void World::agent_register(int n) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  const std::string& name = nodes_[static_cast<std::size_t>(n)].name;
  const std::string body = R"({"node":")" + name + R"(","gpus":)" + std::to_string(setup_.gpus_per_node) +
                           R"(,"gpu_type":"gpu","running":)" + running_list(n) + "}";
  const TimeMs sent = now_;
  a.reg_req = call(name, agent_request(n, "POST", "/v1/agent/register", body), kTimeout,
                   [this, n, sent, id = next_req_ + 1](std::optional<HttpResponse> r) {
                     ModelAgent& ag = agents_[static_cast<std::size_t>(n)];
                     if (ag.reg_req != id) return;  // an agent since crashed
                     ag.reg_req = 0;
                     if (!r || r->status >= 500) return agent_failed(n);
                     if (r->status != 200) return fail(nodes_[static_cast<std::size_t>(n)].name + ": registration refused: " + r->body);
                     Json j = Json::parse(r->body, nullptr, false);
                     ag.epoch = j.value("epoch", std::int64_t{0});
                     ag.grace = j.value("node_grace_ms", DurationMs{15000});
                     ag.fence = std::min(j.value("fence_ms", ag.grace * 2 / 3), ag.grace * 9 / 10);
                     ag.heartbeat = j.value("heartbeat_s", 5) * kSecond;
                     ag.registered = true;
                     agent_heard(n, sent);
                     ag.next_heartbeat = now_ + ag.heartbeat;
                     SimNode& node = nodes_[static_cast<std::size_t>(n)];
                     node.heard = ag.last_heard, node.fence = ag.fence;
                     say(node.name + ": registered, epoch " + std::to_string(ag.epoch));
                   });
}

void World::agent_poll(int n) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  const std::string& name = nodes_[static_cast<std::size_t>(n)].name;
  const std::string target = "/v1/agent/orders?node=" + name + "&epoch=" + std::to_string(a.epoch) +
                             "&wait_ms=" + std::to_string(kPollWait);
  const TimeMs sent = now_;
  a.poll_req = call(name, agent_request(n, "GET", target, ""), kPollWait + kTimeout,
                    [this, n, sent, id = next_req_ + 1](std::optional<HttpResponse> r) {
                      ModelAgent& ag = agents_[static_cast<std::size_t>(n)];
                      if (ag.poll_req != id) return;
                      ag.poll_req = 0;
                      if (!r || r->status >= 500) return agent_failed(n);
                      if (r->status == 409) return quiesce(n, 0, "stale epoch: " + r->body);
                      if (r->status != 200) return fail(nodes_[static_cast<std::size_t>(n)].name + ": poll refused: " + r->body);
                      agent_heard(n, sent);
                      on_orders(n, *r);
                    });
}

void World::agent_report(int n) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  SimNode& node = nodes_[static_cast<std::size_t>(n)];
  Json exits = Json::array();
  for (const ProcKey& k : a.exits) {
    SimProc* p = find_proc(node, k);
    exits.push_back({{"job", k.job}, {"segment", k.segment}, {"exit_code", p ? p->code : -1}, {"signal", p ? p->signal : 0}});
  }
  const std::string body = R"({"node":")" + node.name + R"(","epoch":)" + std::to_string(a.epoch) + R"(,"exits":)" +
                           exits.dump() + R"(,"running":)" + running_list(n) + "}";
  a.reporting = a.exits;
  const TimeMs sent = now_;
  a.report_req = call(node.name, agent_request(n, "POST", "/v1/agent/report", body), kTimeout,
                      [this, n, sent, id = next_req_ + 1](std::optional<HttpResponse> r) {
                        ModelAgent& ag = agents_[static_cast<std::size_t>(n)];
                        if (ag.report_req != id) return;
                        ag.report_req = 0;
                        if (!r || r->status >= 500) return agent_failed(n);
                        if (r->status == 409) return quiesce(n, 0, "stale epoch: " + r->body);
                        if (r->status != 200) return fail(nodes_[static_cast<std::size_t>(n)].name + ": report refused: " + r->body);
                        agent_heard(n, sent);
                        SimNode& nd = nodes_[static_cast<std::size_t>(n)];
                        for (const ProcKey& k : ag.reporting) {
                          if (SimProc* p = find_proc(nd, k)) p->settled = true;
                          std::erase(ag.exits, k);
                        }
                        ag.reporting.clear();
                        ag.next_heartbeat = now_ + ag.heartbeat;
                      });
}

void World::on_orders(int n, const HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j["orders"].is_array()) return fail("orders: not {\"orders\": [...]}: " + r.body);
  SimNode& node = nodes_[static_cast<std::size_t>(n)];
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  for (const Json& o : j["orders"]) {
    ProcKey key{o.value("job", JobId{0}), o.value("segment", 0)};
    if (o.value("kind", "") == "start") {
      StartOrderMsg m;
      m.key = key;
      m.rank = o.value("rank", 0);
      m.gpus = o.value("gpus", std::vector<int>{});
      auto argv = o.value("command", std::vector<std::string>{});
      if (argv.size() != 3) return fail("start order " + key_text(key) + ": not the command the client gave");
      m.duration = std::stoll(argv[1]);
      m.exit_code = std::stoi(argv[2]);
      say(node.name + ": start order " + key_text(key) + " rank " + std::to_string(m.rank));
      start_order(n, m);
    } else {
      say(node.name + ": stop order " + key_text(key));
      std::erase_if(a.waiting, [&](const StartOrderMsg& w) { return w.key == key; });
      SimProc* p = find_proc(node, key);
      if (p && p->live() && a.table.count(key)) stop_proc(*p, o.value("grace_ms", DurationMs{30000}), false);
    }
  }
}

void World::start_order(int n, const StartOrderMsg& o) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  SimNode& node = nodes_[static_cast<std::size_t>(n)];
  if (a.known.count(o.key)) return;  // started already: ignored
  for (const SimProc& p : node.procs)
    for (int g : p.gpus)
      if (p.live() && std::find(o.gpus.begin(), o.gpus.end(), g) != o.gpus.end()) {
        if (std::none_of(a.waiting.begin(), a.waiting.end(), [&](const StartOrderMsg& w) { return w.key == o.key; }))
          a.waiting.push_back(o);
        return;
      }
  SimProc p;
  p.key = o.key;
  p.rank = o.rank;
  p.gpus = o.gpus;
  p.ends_at = now_ + o.duration;
  p.exit_code = o.exit_code;
  ++counts_.starts;
  check_proc_start(n, p);
  node.procs.push_back(p);
  a.known.insert(o.key);
  a.table.insert(o.key);
}

// The fence or a stale epoch: every job stopped (not reported: the server counts them lost),
// the agent's memory of them dropped; it registers again once their processes are gone.
void World::quiesce(int n, DurationMs grace, const std::string& why) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  SimNode& node = nodes_[static_cast<std::size_t>(n)];
  say(node.name + ": " + why + ": stopping every job (SIGKILL after " + std::to_string(grace) + " ms), then registering again");
  for (SimProc& p : node.procs) {
    if (p.live()) stop_proc(p, grace, true);
    p.fenced = true;
    if (!p.live()) p.settled = true;
  }
  a.known.clear(), a.table.clear(), a.exits.clear(), a.reporting.clear(), a.waiting.clear();
  a.registered = false;
  a.quiescing = true;
  a.reg_req = a.poll_req = a.report_req = 0;
}

void World::crash_agent(int n, bool reboot) {
  ModelAgent& a = agents_[static_cast<std::size_t>(n)];
  SimNode& node = nodes_[static_cast<std::size_t>(n)];
  a = ModelAgent{};
  a.back_at = now_ + 200 + static_cast<TimeMs>(rng_.below(3000));
  if (!reboot) {
    ++counts_.agent_crashes;
    say(node.name + ": agent crash (its jobs go on under their keepers)");
    return;
  }
  ++counts_.reboots;
  say(node.name + ": node reboot (its jobs die with it)");
  for (SimProc& p : node.procs) p.dead = true, p.settled = true, p.fenced = true;
  node.heard = -1, node.fence = 0;
}

}  // namespace hexa::dst
