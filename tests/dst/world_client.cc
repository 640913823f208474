// Model clients and the chaos: jobs submitted (some gangs over two nodes, some of a priority
// that preempts, some failing, some past their time limit) with an Idempotency-Key and retried
// until answered; some cancelled; and the seed's faults, drawn every tick.
#include <nlohmann/json.hpp>

#include "dst/world.h"

namespace hexa::dst {
namespace {

using Json = nlohmann::json;

constexpr DurationMs kClientTimeout = 1500;
constexpr TimeMs kTickS = 50;  // chaos_tick's period, for rates per second

}  // namespace

void World::new_job() {
  ClientJob j;
  j.key = "k" + std::to_string(jobs_.size());
  j.tenant = rng_.below(2) ? "acme" : "beta";
  const int per_node = setup_.gpus_per_node;
  int gpus = 1 + static_cast<int>(rng_.below(static_cast<std::uint64_t>(per_node)));
  if (setup_.nodes >= 2 && rng_.below(5) == 0) gpus = 2 * per_node;  // a gang over two nodes
  const TimeMs duration = 100 + static_cast<TimeMs>(rng_.below(2500));
  const int code = rng_.below(8) == 0 ? 3 : 0;
  Json body = {{"tenant", j.tenant},
               {"gpus", gpus},
               {"command", {"sim", std::to_string(duration), std::to_string(code)}},
               {"time_limit_s", 1 + static_cast<int>(rng_.below(6))},
               {"priority", rng_.below(4) == 0 ? 10 : 0},
               {"preemptible", rng_.below(5) != 0}};
  j.body = body.dump();
  jobs_.push_back(std::move(j));
  send_submit(jobs_.size() - 1);
}

void World::send_submit(std::size_t i) {
  ClientJob& j = jobs_[i];
  ++j.tries;
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/jobs";
  r.body = j.body;
  r.peer = "10.0.1.1:50000";
  r.headers["authorization"] = "Bearer " + secrets_.at("admin");
  r.headers["idempotency-key"] = j.key;
  j.req = call("client", std::move(r), kClientTimeout, [this, i, id = next_req_ + 1](std::optional<HttpResponse> a) {
    ClientJob& cj = jobs_[i];
    if (cj.req != id) return;
    cj.req = 0;
    if (!a || a->status >= 500) {  // no answer, or not durable: the same key again later
      at(now_ + 100 + static_cast<TimeMs>(rng_.below(400)), [this, i] { send_submit(i); });
      return;
    }
    if (a->status != 200 && a->status != 201) {
      say("client: submit " + cj.key + " refused: " + a->body);
      if (a->status != 400) fail("submit " + cj.key + ": answered " + std::to_string(a->status) + ": " + a->body);
      return;
    }
    Json body = Json::parse(a->body, nullptr, false);
    const JobId id_given = body.value("id", JobId{0});
    if (cj.acked && id_given != cj.id)
      return fail("submit " + cj.key + ": the same key answered job " + std::to_string(cj.id) + ", then job " + std::to_string(id_given));
    if (!cj.acked) ++counts_.acked;
    cj.acked = true;
    cj.id = id_given;
    say("client: submit " + cj.key + " acknowledged (" + std::to_string(a->status) + "): job " + std::to_string(cj.id));
    if (calm_) send_cancel(i);
  });
}

void World::send_cancel(std::size_t i) {
  ClientJob& j = jobs_[i];
  HttpRequest r;
  r.method = "DELETE";
  r.target = "/v1/jobs/" + std::to_string(j.id);
  r.peer = "10.0.1.1:50000";
  r.headers["authorization"] = "Bearer " + secrets_.at("admin");
  j.req = call("client", std::move(r), kClientTimeout, [this, i, id = next_req_ + 1](std::optional<HttpResponse> a) {
    ClientJob& cj = jobs_[i];
    if (cj.req != id) return;
    cj.req = 0;
    if (!a || a->status >= 500) {
      if (calm_) at(now_ + 100 + static_cast<TimeMs>(rng_.below(400)), [this, i] { send_cancel(i); });
      return;
    }
    if (a->status != 200 && a->status != 409) return fail("cancel of job " + std::to_string(cj.id) + ": answered " + std::to_string(a->status) + ": " + a->body);
    cj.cancel_acked = true;
    say("client: cancel of job " + std::to_string(cj.id) + ": " + std::to_string(a->status));
  });
}

// Every tick of the chaos: new jobs, cancels, and the faults at the seed's rates.
void World::chaos_tick() {
  auto per_tick = [](double per_s) { return per_s * static_cast<double>(kTickS) / 1000.0; };
  if (rng_.uniform() < 0.15) new_job();
  if (rng_.uniform() < 0.02 && !jobs_.empty()) {
    std::size_t i = rng_.below(jobs_.size());
    if (jobs_[i].acked && !jobs_[i].req && !jobs_[i].cancel_acked) send_cancel(i);
  }
  const int n = static_cast<int>(rng_.below(nodes_.size()));
  const std::string& name = nodes_[static_cast<std::size_t>(n)].name;
  if (rng_.uniform() < per_tick(faults_.partition) && !cut(name)) {
    const TimeMs len = 300 + static_cast<TimeMs>(rng_.below(5000));
    cut_until_[name] = now_ + len;
    ++counts_.partitions;
    say(name + ": cut off from the server for " + std::to_string(len) + " ms");
  }
  if (agents_[static_cast<std::size_t>(n)].up && rng_.uniform() < per_tick(faults_.agent_crash)) crash_agent(n, false);
  if (agents_[static_cast<std::size_t>(n)].up && rng_.uniform() < per_tick(faults_.node_reboot)) crash_agent(n, true);
  if (server_up_ && rng_.uniform() < per_tick(faults_.server_crash)) crash_server(true);
}

}  // namespace hexa::dst
