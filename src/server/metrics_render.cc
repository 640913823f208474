// The /metrics page (docs/observability.md): the host's own counters and histograms, and
// gauges read from the core under its shared lock. Labels stay bounded: sites, states, tenant
// classes, route patterns and nodes; never tenants or jobs.
#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>

#include "server/metrics_render.h"

#ifndef HEXA_VERSION
#define HEXA_VERSION "unknown"
#endif

namespace hexa {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string series(const std::string& name, const std::vector<std::pair<const char*, std::string>>& labels,
                   const std::string& value) {
  std::string out = name;
  if (!labels.empty()) {
    out += "{";
    for (std::size_t i = 0; i < labels.size(); ++i)
      out += (i ? "," : "") + std::string(labels[i].first) + "=\"" + label_value(labels[i].second) + "\"";
    out += "}";
  }
  return out + " " + value + "\n";
}

// A tenant's class: the configuration's `classes` for it or its nearest ancestor named there,
// else the kind of its root tenant ("organisation", "programme").
std::string class_of(const Core& core, const std::map<std::string, std::string>& classes, TenantId t) {
  const auto& tenants = core.state().tenants;
  for (TenantId at = t;; at = tenants[at].parent) {
    if (auto it = classes.find(tenants[at].name); it != classes.end()) return it->second;
    if (tenants[at].parent == kNoTenant) return kind_name(tenants[at].kind);
  }
}

std::string jobs_and_queues(const Core& core, const std::map<std::string, std::string>& classes, TimeMs now) {
  std::map<std::pair<std::string, std::string>, long> jobs;  // (state, class)
  std::map<std::string, std::pair<long, TimeMs>> queue;      // site asked for -> (length, oldest submit)
  const JobTable& table = core.state().jobs;
  for (JobId id = 0; id < table.size(); ++id) {
    if (!table.contains(id)) continue;
    const Job& j = table[id];
    if (j.phase != JobPhase::kPending && j.phase != JobPhase::kRunning) continue;
    ++jobs[{j.phase == JobPhase::kPending ? "pending" : "running", class_of(core, classes, j.spec.tenant)}];
    if (j.phase != JobPhase::kPending) continue;
    auto& q = queue.try_emplace(j.spec.sites ? core.topology().site_set_name(j.spec.sites) : "any", 0, now).first->second;
    ++q.first;
    q.second = std::min(q.second, j.submit);
  }
  std::string out = family_header("hexa_jobs");
  for (const auto& [key, n] : jobs) out += series("hexa_jobs", {{"state", key.first}, {"tenant_class", key.second}}, std::to_string(n));
  out += family_header("hexa_queue_length");
  for (const auto& [site, q] : queue) out += series("hexa_queue_length", {{"site", site}}, std::to_string(q.first));
  out += family_header("hexa_queue_oldest_wait_seconds");
  for (const auto& [site, q] : queue)
    out += series("hexa_queue_oldest_wait_seconds", {{"site", site}}, number(static_cast<double>(now - q.second) / 1000.0));
  return out;
}

// Every GPU once: busy (a job runs on it), else down or draining (its node), else reserved (in
// an advance reservation's window now: a tenant's, or a downtime's), else free.
std::string gpus(const Core& core, TimeMs now) {
  const Topology& topo = core.topology();
  std::vector<std::uint64_t> used(topo.nodes().size(), 0), reserved(topo.nodes().size(), 0);
  for (JobId id : core.state().running)
    for (const NodeGpus& g : core.job(id).alloc) used[g.node] |= g.mask;
  for (const AdvanceReservation& r : core.scheduler().reservations().all())
    if (r.active(now))
      for (const NodeGpus& g : r.gpus) reserved[g.node] |= g.mask;
  static const char* kStates[] = {"busy", "free", "reserved", "down", "draining"};
  std::vector<std::array<long, 5>> by_site(topo.sites().size(), {0, 0, 0, 0, 0});
  for (NodeId n = 0; n < topo.nodes().size(); ++n) {
    const NodeInfo& info = topo.node(n);
    const std::uint64_t all = info.gpus >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << info.gpus) - 1;
    const long busy = std::popcount(used[n] & all), held = std::popcount(reserved[n] & all & ~used[n]);
    const long rest = info.gpus - busy;
    auto& site = by_site[info.site];
    site[0] += busy;
    const NodeState st = core.node(n).state();
    if (st == NodeState::kDown) site[3] += rest;
    else if (st == NodeState::kUp) site[2] += held, site[1] += rest - held;
    else site[4] += rest;
  }
  std::string out = family_header("hexa_gpus");
  for (SiteId s = 0; s < topo.sites().size(); ++s)
    for (std::size_t k = 0; k < 5; ++k)
      out += series("hexa_gpus", {{"site", topo.site(s).name}, {"state", kStates[k]}}, std::to_string(by_site[s][k]));
  return out;
}

std::string credits(const Core& core, const std::map<std::string, std::string>& classes) {
  std::map<std::string, std::pair<Micro, Micro>> by_class;  // consumed, balance
  const auto& tenants = core.state().tenants;
  for (TenantId t = 0; t < tenants.size(); ++t) {
    auto& c = by_class[class_of(core, classes, t)];
    if (auto consumed = core.ledger().consumed(tenants[t].name); consumed.ok()) c.first += *consumed;
    if (auto balance = core.ledger().balance(tenants[t].name); balance.ok()) c.second += *balance;
  }
  auto credits_of = [](Micro m) { return number(static_cast<double>(m) / 1e6); };
  std::string out = family_header("hexa_credits_consumed_total");
  for (const auto& [cls, c] : by_class) out += series("hexa_credits_consumed_total", {{"tenant_class", cls}}, credits_of(c.first));
  out += family_header("hexa_credits_balance");
  for (const auto& [cls, c] : by_class) out += series("hexa_credits_balance", {{"tenant_class", cls}}, credits_of(c.second));
  return out;
}

std::string agents(Host& host, TimeMs wall) {
  std::string ages;
  long registered = 0;
  for (const NodeInfo& n : host.topology().nodes()) {
    AgentBook::View v = host.agents().view(n.name);
    if (!v.epoch) continue;
    ++registered;
    ages += series("hexa_agent_heartbeat_age_seconds", {{"node", n.name}},
                   number(static_cast<double>(std::max<TimeMs>(0, wall - v.heard)) / 1000.0));
  }
  return family_header("hexa_agents_registered") + series("hexa_agents_registered", {}, std::to_string(registered)) +
         family_header("hexa_agent_heartbeat_age_seconds") + ages;
}

// Replicas (docs/server.md, Replicas): a server without a shared journal always leads, epoch 1.
std::string replica(const ReplicaView& v) {
  auto one = [](const char* name, const std::string& value) { return family_header(name) + series(name, {}, value); };
  return one("hexa_replica_leader", v.leading ? "1" : "0") +
         one("hexa_replica_epoch", std::to_string(v.replicated ? v.epoch : 1)) +
         one("hexa_replica_behind_rows", std::to_string(v.behind_rows)) +
         one("hexa_replica_behind_seconds", number(static_cast<double>(v.behind_ms) / 1000)) +
         one("hexa_replica_failovers_total", std::to_string(v.failovers));
}

}  // namespace

std::string render_metrics(Host& host) {
  ServerMetrics& m = host.metrics();
  const auto& classes = host.cloud().options.classes;
  std::string out = family_header("hexa_build_info") + series("hexa_build_info", {{"version", HEXA_VERSION}}, "1");
  out += host.read([&](const Core& core) {
    const TimeMs now = host.now();
    return jobs_and_queues(core, classes, now) + gpus(core, now) + credits(core, classes);
  });
  out += family_header("hexa_jobs_ended_total");
  for (const auto& [state, n] : m.ended()) out += series("hexa_jobs_ended_total", {{"state", state}}, std::to_string(n));
  out += agents(host, host.options().clock());
  out += m.pass.render("hexa_scheduling_pass_seconds");
  out += m.commit.render("hexa_journal_commit_seconds");
  out += m.snapshot.render("hexa_snapshot_seconds");
  out += m.render_requests();
  out += family_header("hexa_nodes_lost_total") + series("hexa_nodes_lost_total", {}, std::to_string(m.nodes_lost()));
  out += family_header("hexa_ledger_faults_total") + series("hexa_ledger_faults_total", {}, std::to_string(m.faults()));
  out += family_header("hexa_journal_bytes") + series("hexa_journal_bytes", {}, std::to_string(host.reader().size_bytes()));
  return out + replica(host.replica_view());
}

}  // namespace hexa
