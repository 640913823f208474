#include "sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/core.h"
#include "engine/placement.h"
#include "engine/queue_policy.h"
#include "sim/cluster_config.h"
#include "sim/parallel_host.h"
#include "sim/rng.h"
#include "sim/scenario_learners.h"
#include "sim/workload.h"
#include "sim/yaml_fields.h"

namespace hexa {
namespace {

std::string relative_to(const std::string& file, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(file).parent_path() / p).string();
}

Status read_startups(const YAML::Node& node, const std::string& where, StartupWorkload* w, std::string* cls) {
  YamlMap m(node, where);
  if (Status st = m.check({"tenants", "days", "load", "gpus", "gpu_type", "gang_sizes", "median_minutes", "sigma",
                           "min_minutes", "max_hours", "zipf", "limit_factor", "class", "prefer_sites", "residency"});
      !st.ok())
    return st;
  if (Status st = m.get("class", cls); !st.ok()) return st;
  if (Status st = m.get("prefer_sites", &w->prefer_sites); !st.ok()) return st;
  long gpus = w->cluster_gpus;
  if (Status st = m.get("gpus", &gpus, 1, 100'000'000); !st.ok()) return st;
  w->cluster_gpus = gpus;
  if (m.has("residency")) {
    YamlMap r(m.node("residency"), m.path("residency"));
    if (Status st = r.check({"share", "providers"}); !st.ok()) return st;
    for (Status st : {r.get("share", &w->resident_share, 0, 1), r.get("providers", &w->resident_providers)})
      if (!st.ok()) return st;
  }
  long tenants = w->tenants, days = w->span / kDay;
  for (Status st : {m.get("tenants", &tenants, 1, 1000000), m.get("days", &days, 1, 3660), m.get("load", &w->load, 0.001, 10),
                    m.get("gpu_type", &w->gpu_type), m.get("median_minutes", &w->median_minutes, 0.01, 1e6),
                    m.get("sigma", &w->sigma, 0, 10), m.get("min_minutes", &w->min_minutes, 0.01, 1e6),
                    m.get("max_hours", &w->max_hours, 0.01, 1e5), m.get("zipf", &w->zipf, 0, 10),
                    m.get("limit_factor", &w->limit_factor, 1.2, 100)})
    if (!st.ok()) return st;
  w->tenants = static_cast<int>(tenants);
  w->span = days * kDay;
  if (m.has("gang_sizes")) {
    YamlMap sizes(m.node("gang_sizes"), m.path("gang_sizes"));
    if (!m.node("gang_sizes").IsMap()) return Status::Invalid(m.path("gang_sizes") + ": must be a map of GPUs to weight");
    w->gang_weights.clear();
    for (const auto& kv : m.node("gang_sizes")) {
      long g = 0;
      double weight = 0;
      if (!YAML::convert<long>::decode(kv.first, g) || g < 1 || g > 100000 ||
          !YAML::convert<double>::decode(kv.second, weight) || !(weight > 0))
        return Status::Invalid(m.path("gang_sizes") + ": '" + kv.first.Scalar() +
                               "': sizes must be whole GPUs (1..100000) and weights positive numbers");
      w->gang_weights[static_cast<int>(g)] = weight;
    }
  }
  return check_workload(*w);
}

Result<Topology> read_cluster(const YAML::Node& node, const std::string& file, const std::string& where) {
  if (node.IsScalar()) {
    std::string spec = node.Scalar();
    bool shorthand = spec.find('x') != std::string::npos && spec.find('.') == std::string::npos;
    return load_cluster(shorthand ? spec : relative_to(file, spec));
  }
  return cluster_from_yaml(node, where);
}

// The start-ups' workload as read: its generator's settings, still to be run (a trace file is
// loaded at once).
struct StartupPlan {
  bool generate = false;
  StartupWorkload w;
  std::string cls = "startup";
};

Status read_workload(const YAML::Node& node, const std::string& file, const std::string& where,
                     std::uint64_t seed, const Topology& topo, Trace* trace, StartupPlan* plan) {
  YamlMap m(node, where);
  if (Status st = m.check({"trace", "startups"}); !st.ok()) return st;
  if (m.has("trace") == m.has("startups")) return Status::Invalid(where + ": give exactly one of trace or startups");
  if (m.has("trace")) {
    YamlMap t(m.node("trace"), m.path("trace"));
    std::string path, format;
    if (Status st = t.check({"path", "format"}); !st.ok()) return st;
    if (Status st = t.get("path", &path); !st.ok()) return st;
    if (Status st = t.get("format", &format); !st.ok()) return st;
    if (path.empty() || format.empty()) return Status::Invalid(m.path("trace") + ": needs path and format");
    auto loaded = load_trace(relative_to(file, path), format);
    if (!loaded.ok()) return loaded.status();
    *trace = std::move(loaded).value();
    return Status::Ok();
  }
  StartupWorkload& w = plan->w;
  w.seed = seed;
  w.cluster_gpus = topo.total_gpus();
  if (Status st = read_startups(m.node("startups"), m.path("startups"), &w, &plan->cls); !st.ok()) return st;
  for (const std::string& site : w.prefer_sites)
    if (!topo.find_site(site))
      return Status::Invalid(m.path("startups") + ".prefer_sites: unknown site '" + site + "'");
  for (const std::string& p : w.resident_providers)
    if (topo.provider_sites(p) == 0)
      return Status::Invalid(m.path("startups") + ".residency.providers: no site is run by '" + p + "'");
  plan->generate = true;
  return Status::Ok();
}

// The generated start-ups' jobs become the trace; their tenants get the workload's class.
void add_startups(Trace generated, const std::string& cls, Trace* trace, SimOptions* opt) {
  *trace = std::move(generated);
  for (const TraceJob& j : trace->jobs) opt->classes.try_emplace(j.tenant, cls);  // a declared class wins
}

Status read_quota(const YAML::Node& node, const std::string& where, QuotaSpec* q) {
  YamlMap m(node, where);
  if (Status st = m.check({"gpu_type", "max_gpus", "guaranteed_gpus", "borrow_limit", "max_running", "max_queued"});
      !st.ok())
    return st;
  long v[5] = {-1, -1, -1, -1, -1};
  const char* keys[5] = {"max_gpus", "guaranteed_gpus", "borrow_limit", "max_running", "max_queued"};
  for (int i = 0; i < 5; ++i)
    if (Status st = m.get(keys[i], &v[i], 0, 100000000); !st.ok()) return st;
  if (Status st = m.get("gpu_type", &q->gpu_type); !st.ok()) return st;
  q->max_gpus = static_cast<int>(v[0]);
  q->guaranteed_gpus = static_cast<int>(v[1]);
  q->borrow_limit = static_cast<int>(v[2]);
  q->max_running = static_cast<int>(v[3]);
  q->max_queued = static_cast<int>(v[4]);
  return Status::Ok();
}

// tenants: [{name, weight, parent, kind, quotas: [...]}], parents before children.
Status read_tenants(const YAML::Node& node, const std::string& where, SimOptions* opt) {
  if (!node.IsSequence()) return Status::Invalid(where + ": must be a list of tenants");
  for (std::size_t i = 0; i < node.size(); ++i) {
    YamlMap t(node[i], where + "[" + std::to_string(i) + "]");
    AddTenant add;
    long weight = 1;
    std::string kind, cls;
    if (Status st = t.check({"name", "weight", "parent", "kind", "class", "quotas"}); !st.ok()) return st;
    for (Status st : {t.get("name", &add.name), t.get("weight", &weight, 1, 1000000), t.get("parent", &add.parent),
                      t.get("kind", &kind), t.get("class", &cls)})
      if (!st.ok()) return st;
    if (add.name.empty()) return Status::Invalid(t.path("name") + ": must not be empty");
    if (!cls.empty()) opt->classes[add.name] = cls;
    add.weight = static_cast<int>(weight);
    if (!kind.empty()) {
      add.kind = parse_kind(kind);
      if (!add.kind)
        return Status::Invalid(t.path("kind") + ": unknown '" + kind +
                               "'; expected organisation, project, programme, cohort or learner");
    }
    const YAML::Node quotas = t.node("quotas");
    if (t.has("quotas") && !quotas.IsSequence()) return Status::Invalid(t.path("quotas") + ": must be a list");
    for (std::size_t k = 0; t.has("quotas") && k < quotas.size(); ++k) {
      add.quotas.emplace_back();
      if (Status st = read_quota(quotas[k], t.path("quotas") + "[" + std::to_string(k) + "]", &add.quotas.back());
          !st.ok())
        return st;
    }
    opt->tenants.push_back(std::move(add));
  }
  return Status::Ok();
}

// Money set-up commands, each checked by a scratch core as it is read (unknown tenants, bad
// amounts, expiry before start...), so that the error names the file and the entry.
struct Setup {
  SimOptions* opt;
  Core* scratch;
  Status add(Command c, const std::string& where) {
    if (auto fx = scratch->apply(c, 0); !fx.ok()) return Status::Invalid(where + ": " + fx.status().message());
    opt->setup.push_back(std::move(c));
    return Status::Ok();
  }
};

Micro to_micro(double credits) { return static_cast<Micro>(std::llround(credits * 1e6)); }

// prices: [{gpu_type, site (omitted: every site), priorities (default [0]), credits_per_gpu_hour,
// preemptible_discount_pct}]
Status read_prices(const YAML::Node& node, const std::string& where, const Topology& topo, Setup& su) {
  if (!node.IsSequence()) return Status::Invalid(where + ": must be a list of prices");
  for (std::size_t i = 0; i < node.size(); ++i) {
    YamlMap m(node[i], where + "[" + std::to_string(i) + "]");
    if (Status st = m.check({"gpu_type", "site", "priorities", "credits_per_gpu_hour", "preemptible_discount_pct"});
        !st.ok())
      return st;
    std::string type, site;
    double rate = 0, discount = 0;
    for (Status st : {m.get("gpu_type", &type), m.get("site", &site), m.get("credits_per_gpu_hour", &rate, 1e-6, 1e9),
                      m.get("preemptible_discount_pct", &discount, 0, 99.99)})
      if (!st.ok()) return st;
    if (type.empty() || rate <= 0) return Status::Invalid(m.label() + ": needs gpu_type and credits_per_gpu_hour");
    std::vector<long> prios = {0};
    if (m.has("priorities")) {
      prios.clear();
      long p = 0;
      for (const auto& n : m.node("priorities")) {
        if (!YAML::convert<long>::decode(n, p)) return Status::Invalid(m.path("priorities") + ": must be integers");
        prios.push_back(p);
      }
    }
    for (SiteId s = 0; s < topo.sites().size(); ++s) {
      if (!site.empty() && topo.site(s).name != site) continue;
      for (long p : prios) {
        SetPrice c{type, topo.site(s).name, static_cast<int>(p),
                   Price{to_micro(rate), static_cast<int>(std::lround(discount * 100))}};
        if (Status st = su.add(c, m.label()); !st.ok()) return st;
      }
    }
    if (!site.empty() && !topo.find_site(site)) return Status::Invalid(m.path("site") + ": unknown site '" + site + "'");
  }
  return Status::Ok();
}

// grants: [{tenant, programme, credits, start_day, expiry_day}]
Status read_grants(const YAML::Node& node, const std::string& where, Setup& su) {
  if (!node.IsSequence()) return Status::Invalid(where + ": must be a list of grants");
  for (std::size_t i = 0; i < node.size(); ++i) {
    YamlMap m(node[i], where + "[" + std::to_string(i) + "]");
    if (Status st = m.check({"tenant", "programme", "credits", "start_day", "expiry_day"}); !st.ok()) return st;
    AddGrant g;
    double credits = 0;
    long start = 0, expiry = 365;
    for (Status st : {m.get("tenant", &g.grant.tenant), m.get("programme", &g.grant.programme),
                      m.get("credits", &credits, 1e-6, 1e12), m.get("start_day", &start, 0, 36500),
                      m.get("expiry_day", &expiry, 0, 36500)})
      if (!st.ok()) return st;
    g.grant.id = "scenario-grant-" + std::to_string(i);
    g.grant.amount = to_micro(credits);
    g.grant.start = start * kDay;
    g.grant.expiry = expiry * kDay;
    if (Status st = su.add(g, m.label()); !st.ok()) return st;
  }
  return Status::Ok();
}

// Priced (type, site, priority) triples, from the SetPrice commands read so far.
std::set<std::tuple<std::string, std::string, int>> priced(const SimOptions& opt) {
  std::set<std::tuple<std::string, std::string, int>> out;
  for (const Command& c : opt.setup)
    if (auto* p = std::get_if<SetPrice>(&c)) out.insert({p->gpu_type, p->site, p->priority});
  return out;
}

// The highest rate per GPU-hour (credits) a job of `types` (empty: any) may pay: what an
// applicant budgets for when it does not know where its jobs will run.
double reference_rate(const SimOptions& opt, const std::vector<std::string>& types) {
  double best = 0;
  for (const Command& c : opt.setup)
    if (auto* p = std::get_if<SetPrice>(&c))
      if (p->priority == 0 && (types.empty() || std::find(types.begin(), types.end(), p->gpu_type) != types.end()))
        best = std::max(best, static_cast<double>(p->price.per_gpu_hour) / 1e6);
  return best;
}

// The trace jobs' tenants, by their ids in the scratch core, and which of those tenants are not
// the workload's (the learners: they have grants of their own).
struct TraceTenants {
  const std::vector<TenantId>& of_job;  // per trace job
  std::vector<char> skip;               // per tenant id
};

// The workload's start-ups, in the order the trace first names them, and which one each job
// is of: by the ids the loader looked up once, where hashing each job's tenant here cost
// 0.1 s of the France month's load.
struct TraceStartups {
  static constexpr std::uint32_t kNone = 0xffffffffu;  // a tenant of `skip`
  std::vector<std::string_view> names;                 // first-named order
  std::vector<std::uint32_t> of_job;                   // by job: index into names, or kNone
};

TraceStartups startups_of(const Trace& trace, const TraceTenants& tenants) {
  constexpr std::uint32_t kUnseen = 0xfffffffeu;
  TraceStartups out;
  std::vector<std::uint32_t> index(tenants.skip.size(), kUnseen);  // by tenant id
  out.of_job.reserve(trace.jobs.size());
  for (std::size_t i = 0; i < trace.jobs.size(); ++i) {
    const TenantId id = tenants.of_job[i];
    if (index[id] == kUnseen) {
      index[id] = tenants.skip[id] ? TraceStartups::kNone : static_cast<std::uint32_t>(out.names.size());
      if (!tenants.skip[id]) out.names.push_back(trace.jobs[i].tenant);
    }
    out.of_job.push_back(index[id]);
  }
  return out;
}

// Each start-up's planned spending (by TraceStartups::names): its jobs' GPU-hours at the
// reference rate, added in the trace's order.
std::vector<double> planned_spend(const Trace& trace, const SimOptions& opt, const TraceStartups& ups) {
  std::vector<double> out(ups.names.size(), 0.0);
  for (std::size_t i = 0; i < trace.jobs.size(); ++i) {
    if (ups.of_job[i] == TraceStartups::kNone) continue;
    const TraceJob& j = trace.jobs[i];
    out[ups.of_job[i]] += static_cast<double>(j.gpus) * static_cast<double>(j.duration) / static_cast<double>(kHour) *
                          reference_rate(opt, j.gpu_types);
  }
  return out;
}

Result<std::vector<double>> read_tiers(const YamlMap& m) {
  std::vector<double> tiers;
  const YAML::Node n = m.node("tiers_credits");
  double v = 0;
  for (std::size_t i = 0; n.IsSequence() && i < n.size(); ++i) {
    if (!YAML::convert<double>::decode(n[i], v) || !(v > 0) || v > 1e12 || (!tiers.empty() && v <= tiers.back()))
      return Status::Invalid(m.path("tiers_credits") + ": must be increasing positive amounts of credits");
    tiers.push_back(v);
  }
  if (tiers.empty()) return Status::Invalid(m.path("tiers_credits") + ": must be a non-empty list of credits");
  return tiers;
}

// startup_grants: one grant for every tenant of the workload, seeded. Either demand-blind,
// {median_credits, sigma}: log-normal amounts; or tiered, {tiers_credits, coverage_median,
// coverage_sigma}: each start-up asks for its planned spending times a log-normal coverage
// (optimists ask for less than they will use) and gets the smallest tier that covers the ask,
// the top tier at most, as grant programmes do.
// `skip`: tenants that are not the workload's (the learners: they have grants of their own).
Status read_startup_grants(const YAML::Node& node, const std::string& where, const Trace& trace,
                           const TraceTenants& tenants, std::uint64_t seed, Setup& su) {
  YamlMap m(node, where);
  if (Status st = m.check({"programme", "median_credits", "sigma", "tiers_credits", "coverage_median",
                           "coverage_sigma", "expiry_days"});
      !st.ok())
    return st;
  std::string programme = "genai-studio";
  double median = 0, sigma = 1, cover = 1, cover_sigma = 0.5;
  long expiry = 365;
  for (Status st : {m.get("programme", &programme), m.get("median_credits", &median, 1e-3, 1e12),
                    m.get("sigma", &sigma, 0, 5), m.get("coverage_median", &cover, 0.01, 100),
                    m.get("coverage_sigma", &cover_sigma, 0, 5), m.get("expiry_days", &expiry, 1, 36500)})
    if (!st.ok()) return st;
  if (m.has("median_credits") == m.has("tiers_credits"))
    return Status::Invalid(where + ": give exactly one of median_credits (log-normal) or tiers_credits (tiered)");
  std::vector<double> tiers;
  if (m.has("tiers_credits")) {
    auto t = read_tiers(m);
    if (!t.ok()) return t.status();
    tiers = std::move(t).value();
  }
  const TraceStartups ups = startups_of(trace, tenants);
  const std::vector<double> plan = tiers.empty() ? std::vector<double>{} : planned_spend(trace, *su.opt, ups);
  Rng rng(seed ^ 0x6772616e7473ULL);  // "grants": its own stream, apart from the workload's
  for (std::size_t k = 0; k < ups.names.size(); ++k) {  // in the order the trace names them
    const std::string tenant(ups.names[k]);
    double credits = 0;
    if (tiers.empty()) {
      credits = rng.lognormal(median, sigma);
    } else {
      double ask = plan[k] * rng.lognormal(cover, cover_sigma);
      auto tier = std::lower_bound(tiers.begin(), tiers.end(), ask);
      credits = tier == tiers.end() ? tiers.back() : *tier;
    }
    AddGrant g;
    g.grant = {"startup-grant:" + tenant, tenant, programme, to_micro(credits), 0, expiry * kDay};
    if (Status st = su.add(g, where); !st.ok()) return st;
  }
  return Status::Ok();
}

// budgets: [{tenant, period_days, credits, gpu_hours, hard, alerts_pct}]
Status read_budgets(const YAML::Node& node, const std::string& where, Setup& su) {
  if (!node.IsSequence()) return Status::Invalid(where + ": must be a list of budgets");
  for (std::size_t i = 0; i < node.size(); ++i) {
    YamlMap m(node[i], where + "[" + std::to_string(i) + "]");
    if (Status st = m.check({"tenant", "period_days", "credits", "gpu_hours", "hard", "alerts_pct"}); !st.ok())
      return st;
    SetBudget c;
    Budget b;
    long days = 30;
    double credits = 0, gpu_hours = 0;
    for (Status st : {m.get("tenant", &c.tenant), m.get("period_days", &days, 1, 3660),
                      m.get("credits", &credits, 1e-6, 1e12), m.get("gpu_hours", &gpu_hours, 1e-3, 1e12),
                      m.get("hard", &b.hard)})
      if (!st.ok()) return st;
    if (c.tenant.empty()) return Status::Invalid(m.path("tenant") + ": required");
    b.period = days * kDay;
    if (m.has("credits")) b.credits = to_micro(credits);
    if (m.has("gpu_hours")) b.gpu_ms = static_cast<GpuMs>(std::llround(gpu_hours * static_cast<double>(kHour)));
    if (m.has("alerts_pct")) {
      b.alert_bps.clear();
      double pct = 0;
      for (const auto& n : m.node("alerts_pct")) {
        if (!YAML::convert<double>::decode(n, pct) || !(pct > 0) || pct > 10000)
          return Status::Invalid(m.path("alerts_pct") + ": must be percentages (e.g. [50, 80, 100])");
        b.alert_bps.push_back(static_cast<int>(std::lround(pct * 100)));
      }
    }
    if (Status st = check_budget(m.label(), b); !st.ok()) return st;
    c.budget = b;
    if (Status st = su.add(c, m.label()); !st.ok()) return st;
  }
  return Status::Ok();
}

Status read_refunds(const YAML::Node& node, const std::string& where, Setup& su) {
  YamlMap m(node, where);
  if (Status st = m.check({"preemption_pct", "failure_pct"}); !st.ok()) return st;
  long pre = 100, fail = 100;
  for (Status st : {m.get("preemption_pct", &pre, 0, 100), m.get("failure_pct", &fail, 0, 100)})
    if (!st.ok()) return st;
  return su.add(SetRefundPolicy{RefundPolicy{static_cast<int>(pre), static_cast<int>(fail)}}, where);
}

// Every GPU type the workload asks for has a price, at its priority, at some site offering it:
// otherwise its jobs could never be admitted, and that is the scenario's mistake.
Status check_prices_cover(const Trace& trace, const Topology& topo, const SimOptions& opt, const std::string& where) {
  const auto have = priced(opt);
  std::set<std::pair<std::vector<std::string>, int>> asked;
  const TraceJob* last = nullptr;
  for (const TraceJob& j : trace.jobs) {
    if (!last || last->gpu_types != j.gpu_types || last->priority != j.priority) asked.insert({j.gpu_types, j.priority});
    last = &j;
  }
  for (const auto& [types, prio] : asked) {
    bool ok = false;
    for (const BlockInfo& b : topo.blocks()) {
      const std::string& type = topo.types().name(b.type);
      if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) continue;
      ok = ok || have.contains({type, topo.site(b.site).name, prio});
    }
    if (!ok)
      return Status::Invalid(where + ": no price for GPU type " + (types.empty() ? "any" : "'" + types.front() + "'") +
                             " at priority " + std::to_string(prio) +
                             " at any site offering it, and the workload has jobs that ask for it");
  }
  return Status::Ok();
}

Status read_credits(const YAML::Node& node, const std::string& where, const Topology& topo, const Trace& trace,
                    const TraceTenants& tenants, std::uint64_t seed, Setup& su) {
  YamlMap m(node, where);
  if (Status st = m.check({"prices", "grants", "startup_grants", "budgets", "refunds"}); !st.ok()) return st;
  if (!m.has("prices")) return Status::Invalid(m.path("prices") + ": required (credits are priced per GPU-hour)");
  if (Status st = read_prices(m.node("prices"), m.path("prices"), topo, su); !st.ok()) return st;
  if (Status st = check_prices_cover(trace, topo, *su.opt, m.path("prices")); !st.ok()) return st;
  if (m.has("refunds"))
    if (Status st = read_refunds(m.node("refunds"), m.path("refunds"), su); !st.ok()) return st;
  if (m.has("grants"))
    if (Status st = read_grants(m.node("grants"), m.path("grants"), su); !st.ok()) return st;
  if (m.has("startup_grants"))
    if (Status st = read_startup_grants(m.node("startup_grants"), m.path("startup_grants"), trace, tenants, seed, su);
        !st.ok())
      return st;
  if (m.has("budgets"))
    if (Status st = read_budgets(m.node("budgets"), m.path("budgets"), su); !st.ok()) return st;
  return Status::Ok();
}

// workshops: [{name, tenant, site, gpu_type, gpus | slice + slices, day, start_hour, hours}]:
// advance reservations of whole GPUs, or of slices of a profile, checked by the scratch core
// (unknown tenant or profile, overlapping beyond capacity...).
Status read_workshops(const YAML::Node& node, const std::string& where, Setup& su) {
  if (!node.IsSequence()) return Status::Invalid(where + ": must be a list of workshops");
  for (std::size_t i = 0; i < node.size(); ++i) {
    YamlMap m(node[i], where + "[" + std::to_string(i) + "]");
    if (Status st = m.check({"name", "tenant", "site", "gpu_type", "gpus", "slice", "slices", "day", "start_hour",
                             "hours"});
        !st.ok())
      return st;
    AddReservation r;
    long gpus = 0, slices = 0;
    double day = 0, start_hour = 0, hours = 0;
    for (Status st : {m.get("name", &r.name), m.get("tenant", &r.tenant), m.get("site", &r.site),
                      m.get("gpu_type", &r.gpu_type), m.get("gpus", &gpus, 1, 1'000'000), m.get("slice", &r.slice),
                      m.get("slices", &slices, 1, 10'000'000), m.get("day", &day, 0, 36500),
                      m.get("start_hour", &start_hour, 0, 23.99), m.get("hours", &hours, 0.01, 24 * 366)})
      if (!st.ok()) return st;
    for (const char* key : {"name", "tenant", "site", "gpu_type", "day", "hours"})
      if (!m.has(key)) return Status::Invalid(m.path(key) + ": required");
    if (m.has("gpus") == m.has("slice"))
      return Status::Invalid(m.label() + ": give either gpus (whole GPUs) or slice and slices (slices of a profile)");
    if (m.has("slice") != m.has("slices"))
      return Status::Invalid(m.path(m.has("slice") ? "slices" : "slice") + ": required with " +
                             (m.has("slice") ? "slice" : "slices"));
    r.gpus = static_cast<int>(gpus);
    r.slices = static_cast<int>(slices);
    r.from = static_cast<TimeMs>(std::llround(day * static_cast<double>(kDay) + start_hour * static_cast<double>(kHour)));
    r.to = r.from + static_cast<TimeMs>(std::llround(hours * static_cast<double>(kHour)));
    if (Status st = su.add(r, m.label()); !st.ok()) return st;
  }
  return Status::Ok();
}

// failures: {node_mtbf_days, checkpoint_minutes, repair_hours}: every node fails now and then
// (exponential times between failures, seeded, over the workload's arrival span) and is down
// until repaired; jobs checkpoint this often.
Status read_failures(const YAML::Node& node, const std::string& where, const Topology& topo, const Trace& trace,
                     std::uint64_t seed, SimOptions* opt) {
  YamlMap m(node, where);
  if (Status st = m.check({"node_mtbf_days", "checkpoint_minutes", "repair_hours"}); !st.ok()) return st;
  double mtbf_days = 0, checkpoint_min = 0, repair_h = 4;
  for (Status st : {m.get("node_mtbf_days", &mtbf_days, 0.01, 1e6), m.get("checkpoint_minutes", &checkpoint_min, 0, 1e6),
                    m.get("repair_hours", &repair_h, 0, 1e5)})
    if (!st.ok()) return st;
  if (!m.has("node_mtbf_days")) return Status::Invalid(m.path("node_mtbf_days") + ": required");
  opt->checkpoint_every = static_cast<DurationMs>(std::llround(checkpoint_min * static_cast<double>(kMinute)));
  opt->repair = static_cast<DurationMs>(std::llround(repair_h * static_cast<double>(kHour)));
  if (trace.jobs.empty()) return Status::Ok();
  const TimeMs horizon = trace.jobs.back().submit;
  const double mean = mtbf_days * static_cast<double>(kDay);
  Rng rng(seed ^ 0x6661696c73ULL);  // "fails": its own stream
  for (const NodeInfo& n : topo.nodes()) {
    for (double t = -mean * std::log(1.0 - rng.uniform()); t < static_cast<double>(horizon);
         t += -mean * std::log(1.0 - rng.uniform()))
      opt->failures.push_back({static_cast<TimeMs>(t), n.name});
  }
  std::stable_sort(opt->failures.begin(), opt->failures.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  return Status::Ok();
}

// learners: the seeded programmes -> cohorts -> learners and their sessions (sim/learners.h),
// read and checked against the cluster here, generated by the caller.
Status read_learner_block(const YAML::Node& node, const std::string& where, const Scenario& sc, LearnerWorkload* lw,
                          std::string* cls) {
  if (Status st = read_learners(node, where, sc.seed, lw, cls); !st.ok()) return st;
  for (std::size_t i = 0; i < lw->programmes.size(); ++i) {
    const std::string at = where + ".programmes[" + std::to_string(i) + "]";
    const std::string& slice = lw->programmes[i].slice;
    if (!slice.empty() && !sc.topology->find_slice(slice))
      return Status::Invalid(at + ".slice: unknown slice profile '" + slice + "'; known: " + sc.topology->slice_names());
    if (!slice.empty() && !sc.topology->any_sliced())
      return Status::Invalid(at + ".slice: no block of the cluster is sliced (slices: mig) to serve '" + slice + "'");
  }
  for (std::size_t i = 0; i < lw->programmes.size(); ++i)
    for (const std::string& p : lw->programmes[i].providers)
      if (sc.topology->provider_sites(p) == 0)
        return Status::Invalid(where + ".programmes[" + std::to_string(i) + "].providers: no site is run by '" + p + "'");
  return Status::Ok();
}

// The generated learners join the scenario: their tenants join the declared ones (checked by the
// scratch core, so that a clash names this block); the sessions are merged into the trace by
// submit time, start-up jobs first at a tie.
// The two share nothing, so the merge runs on a second thread while this one adds the tenants
// (each about a tenth of a second of the France month's load).
Status add_learners(const std::string& where, const std::string& cls, Scenario& sc, Core& scratch, LearnerSet* set) {
  std::vector<TraceJob> merged;
  merged.reserve(sc.trace.jobs.size() + set->trace.jobs.size());  // here: the merge itself allocates nothing
  auto merge = [&sc, set, &merged] {
    std::merge(std::make_move_iterator(sc.trace.jobs.begin()), std::make_move_iterator(sc.trace.jobs.end()),
               std::make_move_iterator(set->trace.jobs.begin()), std::make_move_iterator(set->trace.jobs.end()),
               std::back_inserter(merged), [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
  };
  std::future<void> merging;
  if (parallel_host()) merging = std::async(std::launch::async, merge);
  Status st = Status::Ok();
  for (const AddTenant& t : set->tenants) {
    if (auto fx = scratch.apply(t, 0); !fx.ok()) {
      st = Status::Invalid(where + ": " + fx.status().message());
      break;
    }
    if (t.kind == TenantKind::kProgramme) sc.options.classes.try_emplace(t.name, cls);  // a declared class wins
    sc.options.tenants.push_back(t);
  }
  if (merging.valid()) merging.get();
  else merge();
  if (!st.ok()) return st;
  sc.trace.jobs = std::move(merged);
  set->trace.jobs.clear();
  sc.trace.notes.insert(sc.trace.notes.end(), set->trace.notes.begin(), set->trace.notes.end());
  return Status::Ok();
}

// Runs both seeded generators, each on its own stream (seeded from the scenario's seed, no state
// shared): the start-ups' on a second thread while the learners' runs here, when both are asked
// for. Their outputs do not depend on which finishes first.
void generate_both(const StartupPlan& plan, Trace* startups, const LearnerWorkload* lw, LearnerSet* learners) {
  if (plan.generate && lw && parallel_host()) {
    auto other = std::async(std::launch::async, [&plan] { return generate_startups(plan.w); });
    *learners = generate_learners(*lw);
    *startups = other.get();
    return;
  }
  if (plan.generate) *startups = generate_startups(plan.w);
  if (lw) *learners = generate_learners(*lw);
}

}  // namespace

Status read_scheduler(const YAML::Node& node, const std::string& where, SimOptions* opt) {
  YamlMap m(node, where);
  if (Status st = m.check({"policy", "placement", "slice_placement", "site_choice", "restart_overhead_s", "preempt_exempt_s", "las_thresholds_gpu_hours",
                           "las_promote_knob", "fair_half_life_hours", "limits_from_duration"});
      !st.ok())
    return st;
  SchedulerOptions& s = opt->sched;
  long overhead_s = s.restart_overhead / kSecond, knob = s.las_promote_knob, exempt_s = -1;
  double half_life_h = static_cast<double>(s.fair_half_life) / kHour;
  for (Status st : {m.get("policy", &s.policy), m.get("placement", &s.placement),
                    m.get("slice_placement", &s.slice_placement), m.get("site_choice", &s.site_choice),
                    m.get("restart_overhead_s", &overhead_s, 0, 86400), m.get("las_promote_knob", &knob, 0, 1000),
                    m.get("preempt_exempt_s", &exempt_s, 0, 86400),
                    m.get("fair_half_life_hours", &half_life_h, 0.01, 1e6),
                    m.get("limits_from_duration", &opt->limits_from_duration)})
    if (!st.ok()) return st;
  s.restart_overhead = overhead_s * kSecond;
  if (exempt_s >= 0) s.preempt_exempt = exempt_s * kSecond;
  s.las_promote_knob = static_cast<int>(knob);
  s.fair_half_life = static_cast<DurationMs>(half_life_h * kHour);
  if (m.has("las_thresholds_gpu_hours")) {
    const YAML::Node t = m.node("las_thresholds_gpu_hours");
    s.las_thresholds.clear();
    double h = 0;
    for (std::size_t i = 0; t.IsSequence() && i < t.size(); ++i) {
      if (!YAML::convert<double>::decode(t[i], h) || !(h > 0) || h > 1e9)
        return Status::Invalid(m.path("las_thresholds_gpu_hours") + ": must be a list of positive GPU-hours");
      s.las_thresholds.push_back(static_cast<GpuMs>(h * kHour));
    }
    if (!t.IsSequence()) return Status::Invalid(m.path("las_thresholds_gpu_hours") + ": must be a list of GPU-hours");
  }
  // The engine's own checks (names, thresholds), reported at this map.
  if (auto p = make_queue_policy(s); !p.ok()) return Status::Invalid(m.label() + "." + p.status().message());
  if (auto p = make_placer(s.placement, s.slice_placement); !p.ok())
    return Status::Invalid(m.label() + "." + p.status().message());
  if (auto sched = Scheduler::make(s); !sched.ok()) return Status::Invalid(m.label() + "." + sched.status().message());
  return Status::Ok();
}

namespace {

Result<Scenario> read_scenario(const YAML::Node& root, const std::string& path, std::optional<std::uint64_t> seed,
                               bool cloud = false);

}  // namespace

Result<Scenario> load_cloud(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::Invalid(path + ": cannot open the cloud configuration file");
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) return Status::Invalid(path + ": must be a map (cluster, scheduler, tenants, credits, workshops)");
  for (const char* key : {"workload", "learners", "failures"})
    if (root[key])
      return Status::Invalid(path + "." + key + ": a live cloud's configuration has no " + key +
                             " (jobs come from its users; node failures from its agents): remove it");
  return read_scenario(root, path, std::nullopt, /*cloud=*/true);
}

Result<Scenario> load_scenario(const std::string& path, std::optional<std::uint64_t> seed,
                               const std::vector<Override>& overrides) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::Invalid(path + ": cannot open the scenario file");
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  for (const Override& o : overrides)
    if (Status st = apply_override(root, o); !st.ok()) return st;
  auto sc = read_scenario(root, path, seed);
  if (sc.ok() || overrides.empty()) return sc;
  std::string with;
  for (const Override& o : overrides) with += (with.empty() ? "" : ", ") + o.text();
  return Status::Invalid(sc.status().message() + " (with " + with + ")");
}

namespace {

Result<Scenario> read_scenario(const YAML::Node& root, const std::string& path, std::optional<std::uint64_t> seed,
                               bool cloud) {
  Scenario sc;
  YamlMap m(root, path + ":");
  if (Status st = m.check({"name", "description", "seed", "cluster", "scheduler", "tenants", "workload", "learners",
                           "credits", "failures", "workshops"});
      !st.ok())
    return st;
  long file_seed = 1;
  for (Status st : {m.get("name", &sc.name), m.get("description", &sc.description),
                    m.get("seed", &file_seed, 0, std::numeric_limits<long>::max())})
    if (!st.ok()) return st;
  sc.seed = seed ? *seed : static_cast<std::uint64_t>(file_seed);
  if (cloud && !m.has("cluster")) return Status::Invalid(path + ": needs a cluster");
  if (!cloud && (!m.has("cluster") || !(m.has("workload") || m.has("learners"))))
    return Status::Invalid(path + ": needs cluster and a workload (workload, learners or both)");
  if (m.has("scheduler"))
    if (Status st = read_scheduler(m.node("scheduler"), m.path("scheduler"), &sc.options); !st.ok()) return st;
  auto topo = read_cluster(m.node("cluster"), path, m.path("cluster"));
  if (!topo.ok()) return topo.status();
  sc.topology = std::make_unique<Topology>(std::move(topo).value());
  if (m.has("tenants"))
    if (Status st = read_tenants(m.node("tenants"), m.path("tenants"), &sc.options); !st.ok()) return st;
  // The tree's own rules (parents first, kinds that nest, quota types on this cluster), checked
  // now by the core itself so that the error names this file. Built as the run builds its own
  // (tenants, the trace's other tenants, set-up), it is then the run's core (PreparedCore).
  auto scratch = Core::make(*sc.topology, sc.options.sched);
  if (!scratch.ok()) return scratch.status();
  for (const AddTenant& t : sc.options.tenants)
    if (auto fx = (*scratch)->apply(t, 0); !fx.ok()) return Status::Invalid(m.path("tenants") + ": " + fx.status().message());
  StartupPlan startups;
  if (m.has("workload"))
    if (Status st =
            read_workload(m.node("workload"), path, m.path("workload"), sc.seed, *sc.topology, &sc.trace, &startups);
        !st.ok())
      return st;
  LearnerWorkload lw;
  LearnerSet learners;
  std::string learner_cls = "training";
  if (m.has("learners"))
    if (Status st = read_learner_block(m.node("learners"), m.path("learners"), sc, &lw, &learner_cls); !st.ok())
      return st;
  Trace generated;
  generate_both(startups, &generated, m.has("learners") ? &lw : nullptr, &learners);
  if (startups.generate) add_startups(std::move(generated), startups.cls, &sc.trace, &sc.options);
  if (m.has("learners"))
    if (Status st = add_learners(m.path("learners"), learner_cls, sc, **scratch, &learners); !st.ok()) return st;
  // Tenants only the trace names are roots, as the simulator adds them.
  std::vector<TenantId> tenant_of;  // per trace job
  tenant_of.reserve(sc.trace.jobs.size());
  for (const TraceJob& j : sc.trace.jobs) {
    auto id = (*scratch)->find_tenant(j.tenant);
    if (!id) {
      if (auto fx = (*scratch)->apply(AddTenant::root(j.tenant), 0); !fx.ok())
        return Status::Invalid(m.path("workload") + ": job '" + j.id + "': " + fx.status().message());
      id = (*scratch)->find_tenant(j.tenant);
    }
    tenant_of.push_back(*id);
  }
  Setup su{&sc.options, scratch->get()};
  TraceTenants trace_tenants{tenant_of, std::vector<char>((*scratch)->state().tenants.size(), 0)};
  for (const AddTenant& t : learners.tenants)
    if (t.kind == TenantKind::kLearner) trace_tenants.skip[*(*scratch)->find_tenant(t.name)] = 1;
  if (m.has("credits"))
    if (Status st = read_credits(m.node("credits"), m.path("credits"), *sc.topology, sc.trace, trace_tenants, sc.seed, su);
        !st.ok())
      return st;
  if (m.has("credits") && m.has("learners")) {
    auto grants = learner_grants(lw, learners, m.path("learners"));
    if (!grants.ok()) return grants.status();
    for (AddGrant& g : *grants)
      if (Status st = su.add(std::move(g), m.path("learners")); !st.ok()) return st;
  }
  for (const AddReservation& r : learners.workshops)  // the cohorts' workshops (programmes' workshop)
    if (Status st = su.add(r, m.path("learners")); !st.ok()) return st;
  if (m.has("workshops"))
    if (Status st = read_workshops(m.node("workshops"), m.path("workshops"), su); !st.ok()) return st;
  if (m.has("failures"))
    if (Status st = read_failures(m.node("failures"), m.path("failures"), *sc.topology, sc.trace, sc.seed, &sc.options);
        !st.ok())
      return st;
  if (!cloud)  // a live cloud's server makes its own core, with its own options
    sc.prepared = {std::move(*scratch), sc.options.tenants.size(), sc.options.setup.size(), std::move(tenant_of)};
  return sc;
}

}  // namespace

}  // namespace hexa
