// Read-only aggregates for the web console (docs/console.md), made on the server so that a page
// stays fast with 100,000 jobs: GET /v1/overview (sites, queue by tenant class, fair-share
// standing, history, alerts) and GET /v1/tenants/{t}/credits (grants with expiry, budget).
// A member sees capacity (as GET /v1/nodes) and its own subtree only; the same 404 rule.
#include <bit>

#include "engine/decay.h"
#include "server/api.h"
#include "server/site_power.h"
#include "server/util_history.h"

namespace hexa {
namespace {

// GPUs of each site by state: busy, free, reserved (by reservations open now), down, draining;
// and the power and carbon rate of its busy GPUs now.
Json sites_json(const Core& core, TimeMs now, const std::vector<SitePower>& power) {
  const Topology& topo = core.topology();
  std::vector<std::uint64_t> used(topo.nodes().size(), 0);
  for (JobId id : core.state().running)
    for (const NodeGpus& g : core.job(id).alloc) used[g.node] |= g.mask;
  struct Count {
    long gpus = 0, busy = 0, free = 0, reserved = 0, down = 0, draining = 0;
  };
  std::vector<Count> c(topo.sites().size());
  for (NodeId n = 0; n < topo.nodes().size(); ++n) {
    const NodeInfo& info = topo.node(n);
    Count& s = c[info.site];
    const long busy = std::popcount(used[n]), rest = info.gpus - busy;
    s.gpus += info.gpus, s.busy += busy;
    const NodeState st = core.node(n).state();
    (st == NodeState::kUp ? s.free : st == NodeState::kDown ? s.down : s.draining) += rest;
  }
  for (const AdvanceReservation& r : core.scheduler().reservations().all())
    if (r.from <= now && now < r.to && r.site < c.size()) c[r.site].reserved += r.size;
  Json out = Json::array();
  for (SiteId s = 0; s < c.size(); ++s)
    out.push_back(Json{{"name", topo.site(s).name}, {"gpus", c[s].gpus}, {"busy", c[s].busy}, {"free", c[s].free},
                       {"reserved", c[s].reserved}, {"down", c[s].down}, {"draining", c[s].draining},
                       {"power", site_power_json(power[s])}});
  return out;
}

// Live jobs by the class (kind) of their tenant, within what the caller sees. One pass over the
// core's live jobs: ended ones have left it (CoreOptions::retire_ended).
Json queue_json(const Core& core, const Principal& who) {
  struct Count {
    long pending_jobs = 0, pending_gpus = 0, running_jobs = 0, running_gpus = 0;
  };
  std::map<std::string, Count> by_kind;
  const auto scope = scope_of(core, who);
  for (JobId id = 0; id < core.state().jobs.size(); ++id) {
    if (!core.has_job(id)) continue;
    const Job& j = core.job(id);
    if (j.phase != JobPhase::kPending && j.phase != JobPhase::kRunning) continue;
    if (scope && !in_subtree(core, j.spec.tenant, *scope)) continue;
    Count& c = by_kind[kind_name(core.state().tenants[j.spec.tenant].kind)];
    const bool pending = j.phase == JobPhase::kPending;
    (pending ? c.pending_jobs : c.running_jobs) += 1;
    (pending ? c.pending_gpus : c.running_gpus) += j.spec.gpus;
  }
  Json out = Json::array();
  for (const auto& [kind, c] : by_kind)
    out.push_back(Json{{"kind", kind}, {"pending_jobs", c.pending_jobs}, {"pending_gpus", c.pending_gpus},
                       {"running_jobs", c.running_jobs}, {"running_gpus", c.running_gpus}});
  return out;
}

// Each visible tenant's standing among its siblings: its share by weight and its share of their
// decayed usage, both in percent (usage above share: it has had more than its due lately).
Json fair_share_json(const Core& core, const Principal& who, TimeMs now) {
  const auto& tenants = core.state().tenants;
  const DurationMs half_life = core.scheduler().options().fair_half_life;
  std::vector<double> usage(tenants.size(), 0);
  std::map<TenantId, double> weight_sum, usage_sum;  // by parent
  for (TenantId t = 0; t < tenants.size(); ++t) {
    Tenant copy = tenants[t];  // brought up to now without touching the core
    if (half_life > 0) charge_usage(copy, now, half_life);
    usage[t] = static_cast<double>(copy.usage);
    weight_sum[copy.parent] += copy.weight, usage_sum[copy.parent] += usage[t];
  }
  Json out = Json::array();
  for (TenantId t = 0; t < tenants.size(); ++t) {
    if (!may_see_tenant(core, who, t)) continue;
    const Tenant& x = tenants[t];
    const double u = usage_sum[x.parent];
    out.push_back(Json{{"tenant", x.name},
                       {"share_pct", 100.0 * x.weight / weight_sum[x.parent]},
                       {"usage_pct", u > 0 ? 100.0 * usage[t] / u : 0.0},
                       {"usage_gpu_h", usage[t] / static_cast<double>(kHour)}});
  }
  return out;
}

// Nodes down or draining (everyone sees capacity), and budget alerts of the caller's tenants.
Json alerts_json(Api& api, const Core& core, const Principal& who) {
  Json out = Json::array();
  const Topology& topo = core.topology();
  for (NodeId n = 0; n < topo.nodes().size(); ++n) {
    const NodeState st = core.node(n).state();
    if (st == NodeState::kUp) continue;
    const std::string& name = topo.node(n).name;
    const bool lost = st == NodeState::kDown && api.host.agents().view(name).epoch != 0;
    out.push_back(Json{{"kind", st == NodeState::kDown ? (lost ? "node_lost" : "node_down") : "node_draining"},
                       {"node", name},
                       {"text", "node " + name + (st == NodeState::kDown ? " is down" : " is draining")}});
  }
  const auto& alerts = core.ledger().alerts();
  for (std::size_t i = alerts.size(), shown = 0; i-- > 0 && shown < 20;) {  // the newest 20
    const BudgetAlert& a = alerts[i];
    auto t = core.find_tenant(a.tenant);
    if (!t || !may_see_tenant(core, who, *t)) continue;
    ++shown;
    out.push_back(Json{{"kind", "budget"},
                       {"tenant", a.tenant},
                       {"at_ms", api.host.origin_ms() + a.at},
                       {"text", a.tenant + " reached " + std::to_string(a.threshold_bps / 100) + "% of its " +
                                    measure_name(a.measure) + " budget"}});
  }
  return out;
}

Json history_json(const UtilHistory* history) {
  Json out = Json::array();
  if (!history) return out;
  for (const UtilSample& s : history->samples())
    out.push_back(Json{{"at_ms", s.at_ms}, {"busy_gpus", s.busy_gpus}, {"total_gpus", s.total_gpus},
                       {"down_gpus", s.down_gpus}, {"running_jobs", s.running_jobs}, {"pending_jobs", s.pending_jobs},
                       {"power_kw", s.power_kw < 0 ? Json(nullptr) : Json(s.power_kw)}});
  return out;
}

}  // namespace

UtilSample take_util_sample(const Core& core, TimeMs wall) {
  UtilSample s;
  s.at_ms = wall;
  for (JobId id : core.state().running)
    for (const NodeGpus& g : core.job(id).alloc) s.busy_gpus += std::popcount(g.mask);
  for (NodeId n = 0; n < core.topology().nodes().size(); ++n) {
    s.total_gpus += core.topology().node(n).gpus;
    if (core.node(n).state() == NodeState::kDown) s.down_gpus += core.topology().node(n).gpus;
  }
  s.running_jobs = static_cast<int>(core.state().running.size());
  s.pending_jobs = static_cast<int>(core.scheduler().pending() + core.scheduler().parked());
  const std::vector<SitePower> power = site_power(core, wall);
  s.power_kw = 0;
  for (const SitePower& p : power) s.power_kw = p.kw && s.power_kw >= 0 ? s.power_kw + *p.kw : -1;
  return s;
}

void get_overview(Api& api, Call& call) {
  call.reply(api.host.read([&](const Core& core) {
    const TimeMs now = api.host.now(), wall = api.host.options().clock();
    const std::vector<SitePower> power = site_power(core, wall);
    if (auto scope = scope_of(core, *call.who); scope && *scope == kNoTenant) return problem(404, "tenant: yours is gone");
    return json_response(200, Json{{"now_ms", wall},
                                   {"sites", sites_json(core, now, power)},
                                   {"power", total_power_json(power, wall)},
                                   {"queue", queue_json(core, *call.who)},
                                   {"fair_share", fair_share_json(core, *call.who, now)},
                                   {"alerts", alerts_json(api, core, *call.who)},
                                   {"history", history_json(api.history)}});
  }));
}

void get_tenant_credits(Api& api, Call& call) {
  call.reply(api.host.read([&](const Core& core) {
    const std::string& name = call.params.at("t");
    auto t = core.find_tenant(name);
    if (!t || !may_see_tenant(core, *call.who, *t)) return problem(404, "no tenant named '" + name + "'");
    const Ledger& ledger = core.ledger();
    const TimeMs now = api.host.now(), origin = api.host.origin_ms();
    Json grants = Json::array();
    for (const Grant& g : ledger.grants()) {
      if (g.req.tenant != name) continue;
      grants.push_back(Json{{"id", g.req.id},
                            {"programme", g.req.programme},
                            {"credits_micro", g.req.amount},
                            {"left_micro", ledger.book().account(g.account).balance},
                            {"starts_ms", origin + g.req.start},
                            {"expires_ms", origin + g.req.expiry},
                            {"live", g.live(now)}});
    }
    Json budget = nullptr;
    const TenantFunds* f = ledger.find_tenant(name);
    if (f && f->budget) {
      const Budget& b = *f->budget;
      const BudgetUse use = rolled(f->use, b, now);
      budget = Json{{"period_s", b.period / kSecond},
                    {"limit_micro", b.credits ? Json(*b.credits) : Json(nullptr)},
                    {"gpu_hours", b.gpu_ms ? Json(*b.gpu_ms / kHour) : Json(nullptr)},
                    {"hard", b.hard},
                    {"used_micro", use.credits},
                    {"used_gpu_hours", static_cast<double>(use.gpu_ms) / static_cast<double>(kHour)},
                    {"period_ends_ms", origin + b.origin + (period_of(b, now) + 1) * b.period}};
    }
    return json_response(200, Json{{"tenant", name}, {"credits_on", core.credits_on()}, {"grants", grants}, {"budget", budget}});
  }));
}

}  // namespace hexa
