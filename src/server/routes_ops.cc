// Operations: health, readiness, Prometheus metrics, the OpenAPI document, the state digest.
#include <cstdint>
#include <cstdio>

#include "server/api.h"

namespace hexa {

void get_healthz(Api&, Call& call) { call.reply(text_response(200, "ok\n")); }

void get_readyz(Api& api, Call& call) {
  if (!api.ready.load()) return call.reply(problem(503, "replaying the journal"));
  call.reply(text_response(200, "ready\n"));
}

void get_openapi(Api&, Call& call) {
  HttpResponse r;
  r.body = openapi_document();
  call.reply(std::move(r));
}

void get_digest(Api& api, Call& call) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(api.host.digest()));
  // The ledger's double entry: every account's balance summed, 0 when it balances.
  const std::int64_t total = api.host.read([](const Core& core) {
    const auto sum = core.ledger().book().total();  // wider than 64 bits: clamped, never 0 by accident
    return sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN : static_cast<std::int64_t>(sum);
  });
  call.reply(json_response(200, Json{{"digest", hex}, {"ledger_total_micro", total}}));
}

namespace {

// Gauges read from the core: jobs by state, GPUs by site and state.
std::string core_gauges(Api& api) {
  return api.host.read([&](const Core& core) {
    const Topology& topo = core.topology();
    std::string out = "# HELP hexa_jobs Jobs in the core by state\n# TYPE hexa_jobs gauge\n";
    out += "hexa_jobs{state=\"running\"} " + std::to_string(core.state().running.size()) + "\n";
    out += "hexa_jobs{state=\"pending\"} " + std::to_string(core.scheduler().pending() + core.scheduler().parked()) + "\n";
    for (const auto& [state, n] : api.host.reader().count_archived_by_state())
      out += "hexa_jobs{state=\"" + state + "\"} " + std::to_string(n) + "\n";
    std::vector<std::array<long, 4>> gpus(topo.sites().size(), {0, 0, 0, 0});  // busy, free, down, draining
    std::vector<std::uint64_t> used(topo.nodes().size(), 0);
    for (JobId id : core.state().running)
      for (const NodeGpus& g : core.job(id).alloc) used[g.node] |= g.mask;
    for (NodeId n = 0; n < topo.nodes().size(); ++n) {
      const NodeInfo& info = topo.node(n);
      long busy = std::popcount(used[n]), rest = info.gpus - busy;
      auto& site = gpus[info.site];
      site[0] += busy;
      NodeState st = core.node(n).state();
      site[st == NodeState::kUp ? 1 : st == NodeState::kDown ? 2 : 3] += rest;
    }
    out += "# HELP hexa_gpus GPUs by site and state\n# TYPE hexa_gpus gauge\n";
    const char* names[] = {"busy", "free", "down", "draining"};
    for (SiteId s = 0; s < topo.sites().size(); ++s)
      for (int k = 0; k < 4; ++k)
        out += "hexa_gpus{site=\"" + topo.site(s).name + "\",state=\"" + names[k] + "\"} " +
               std::to_string(gpus[s][static_cast<std::size_t>(k)]) + "\n";
    return out;
  });
}

}  // namespace

void get_metrics(Api& api, Call& call) {
  ServerMetrics& m = api.host.metrics();
  std::string out = core_gauges(api);
  out += m.pass.render("hexa_scheduling_pass_seconds", "One scheduling pass (the batch's Schedule)");
  out += m.commit.render("hexa_journal_commit_seconds", "One journal append: the batch in one transaction, one fsync");
  out += m.snapshot.render("hexa_snapshot_seconds", "One snapshot written");
  out += m.render_requests();
  out += "# HELP hexa_journal_bytes Size of the journal database and its WAL\n# TYPE hexa_journal_bytes gauge\n";
  out += "hexa_journal_bytes " + std::to_string(api.host.reader().size_bytes()) + "\n";
  out += "# HELP hexa_ledger_faults_total Money operations that failed (should stay 0)\n"
         "# TYPE hexa_ledger_faults_total counter\n";
  out += "hexa_ledger_faults_total " + std::to_string(m.faults()) + "\n";
  call.reply(text_response(200, std::move(out), "text/plain; version=0.0.4; charset=utf-8"));
}

}  // namespace hexa
