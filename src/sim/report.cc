#include "sim/report.h"

#include "sim/parallel_host.h"
#include "sim/report_series.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <numeric>

#include <fmt/format.h>

namespace hexa {

Distribution distribution(std::vector<DurationMs> v) {
  Distribution d;
  if (v.empty()) return d;
  if (!std::is_sorted(v.begin(), v.end())) std::sort(v.begin(), v.end());  // callers may sort once for several uses
  long double sum = 0;
  for (DurationMs x : v) sum += static_cast<long double>(x);
  auto rank = [&](int pct) {
    std::size_t k = (v.size() * static_cast<std::size_t>(pct) + 99) / 100;
    return static_cast<double>(v[std::max<std::size_t>(k, 1) - 1]) / 1000.0;
  };
  d.avg = static_cast<double>(sum / static_cast<long double>(v.size()) / 1000.0L);
  d.p50 = rank(50);
  d.p95 = rank(95);
  d.p99 = rank(99);
  d.max = static_cast<double>(v.back()) / 1000.0;
  return d;
}

double round3(double x) { return static_cast<double>(static_cast<long long>(x * 1000.0 + (x < 0 ? -0.5 : 0.5))) / 1000.0; }

nlohmann::ordered_json dist_json(const Distribution& d) {
  return {{"avg", round3(d.avg)}, {"p50", round3(d.p50)}, {"p95", round3(d.p95)}, {"p99", round3(d.p99)}, {"max", round3(d.max)}};
}

namespace {

constexpr double kCredit = 1e6;

void money_metrics(const SimResult& r, Metrics& m) {
  if (!r.credits_on) return;
  std::map<std::string, TimeMs> ran_out;
  for (const JobRecord& j : r.jobs) {
    if (j.credit_wait < 0) continue;
    ++m.waited_on_credits;
    auto [it, fresh] = ran_out.emplace(j.tenant, j.credit_wait);
    if (!fresh) it->second = std::min(it->second, j.credit_wait);
  }
  double days = static_cast<double>(r.last_end - r.first_submit) / static_cast<double>(kDay);
  for (const auto& c : r.credits) {
    TenantMoney t{c.name, c.cls, static_cast<double>(c.consumed) / kCredit, static_cast<double>(c.left) / kCredit, -1,
                  -1};
    if (auto it = ran_out.find(c.name); it != ran_out.end()) t.ran_out_s = static_cast<double>(it->second) / 1000.0;
    if (c.consumed > 0 && days > 0) t.runway_days = t.left / (t.consumed / days);
    m.credits_consumed += t.consumed;
    m.money.push_back(t);
  }
  m.tenants_ran_out = static_cast<long>(ran_out.size());
  std::map<std::string, Metrics::ClassMoney> classes;
  for (const TenantMoney& t : m.money) {
    Metrics::ClassMoney& c = classes[t.cls];
    c.cls = t.cls;
    ++c.tenants;
    c.ran_out += t.ran_out_s >= 0;
    c.consumed += t.consumed;
    c.left += t.left;
  }
  for (auto& kv : classes) m.classes.push_back(kv.second);
}

}  // namespace

namespace {

// The average alone, without the sort a distribution needs (MetricsDetail::kText).
Distribution average_only(const std::vector<DurationMs>& v) {
  Distribution d;
  if (v.empty()) return d;
  long double sum = 0;
  for (DurationMs x : v) sum += static_cast<long double>(x);
  d.avg = static_cast<double>(sum / static_cast<long double>(v.size()) / 1000.0L);
  return d;
}

// What compute_metrics works out from the run alone, apart from the per-job and per-tenant
// figures: the series and each job's rho.
struct SideMetrics {
  Metrics series;
  std::vector<double> rho;
};

SideMetrics side_metrics(const SimResult& r, const TenantNumbers& numbers, MetricsDetail detail) {
  SideMetrics s;
  series_metrics(r, s.series, detail);
  s.rho = finish_time_rho(r, numbers);
  return s;
}

}  // namespace

Metrics compute_metrics(const SimResult& r, MetricsDetail detail) {
  const bool full = detail == MetricsDetail::kFull;
  const TenantNumbers numbers = tenant_numbers(r);
  // The side pieces read only `r` and write only their own result: on a second thread they
  // overlap the loop below, and are joined at the end in the same order as without it.
  std::future<SideMetrics> side;
  if (parallel_host()) side = std::async(std::launch::async, side_metrics, std::cref(r), std::cref(numbers), detail);
  Metrics m;
  std::vector<DurationMs> jct, queue;
  struct Acc { long jobs = 0, finished = 0; GpuMs busy = 0; std::vector<DurationMs> jct, queue; std::string cls; };
  std::vector<Acc> per(numbers.name.size());  // by tenant number
  GpuMs busy = 0;
  jct.reserve(r.jobs.size());
  queue.reserve(r.jobs.size());
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const JobRecord& j = r.jobs[i];
    ++m.jobs;
    Acc& a = per[numbers.of_job[i]];
    // A tenant's jobs all carry its class: named once, as the class figures name it.
    if (++a.jobs == 1) a.cls = j.cls.empty() ? "other" : j.cls;
    a.busy += j.run_ms * j.gpus;
    busy += j.run_ms * j.gpus;
    if (j.state == "rejected") ++m.rejected;
    if (j.waited_on_quota) ++m.waited_on_quota;
    if (j.state == "timeout") ++m.timeouts;
    if (j.state == "pending" || j.state == "running") ++m.unfinished;
    if (j.first_start >= 0) queue.push_back(j.first_start - j.submit), a.queue.push_back(j.first_start - j.submit);
    if (j.state == "finished" || j.state == "timeout") {
      ++m.finished;
      ++a.finished;
      jct.push_back(j.end - j.submit);
      a.jct.push_back(j.end - j.submit);
    }
  }
  money_metrics(r, m);
  m.failed_nodes = r.failed_nodes;
  m.failures = r.failures;
  m.lost_gpu_hours = static_cast<double>(r.lost_gpu_ms) / static_cast<double>(kHour);
  std::sort(jct.begin(), jct.end());  // once, for the CDF and the distribution
  std::sort(queue.begin(), queue.end());
  if (full) m.jct_cdf = cdf_points(jct), m.queue_cdf = cdf_points(queue);
  m.jct = distribution(std::move(jct));
  m.queue = distribution(std::move(queue));
  DurationMs span = r.last_end - r.first_submit;
  m.makespan_s = static_cast<double>(span) / 1000.0;
  m.gpu_hours = static_cast<double>(busy) / static_cast<double>(kHour);
  if (span > 0 && r.total_gpus > 0)
    m.utilization = static_cast<double>(busy) / (static_cast<double>(span) * static_cast<double>(r.total_gpus));
  m.timeline_step_s = static_cast<double>(r.timeline_step) / 1000.0;
  for (GpuMs b : full ? r.busy_per_step : std::vector<GpuMs>{})
    m.utilization_timeline.push_back(
        round3(static_cast<double>(b) / (static_cast<double>(r.timeline_step) * static_cast<double>(r.total_gpus))));
  for (const auto& site : r.sites)
    m.site_utilization.push_back(
        {site.name, span > 0 && site.gpus > 0
                        ? static_cast<double>(site.busy) / (static_cast<double>(span) * static_cast<double>(site.gpus))
                        : 0.0});
  // The tenants by name.
  std::vector<std::uint32_t> by_name(numbers.name.size());
  std::iota(by_name.begin(), by_name.end(), std::uint32_t{0});
  std::sort(by_name.begin(), by_name.end(), [&](std::uint32_t x, std::uint32_t y) { return numbers.name[x] < numbers.name[y]; });
  m.tenants.reserve(by_name.size());
  for (std::uint32_t k : by_name) {
    Acc& a = per[k];
    TenantFigures t{std::string(numbers.name[k]), a.jobs, a.finished, static_cast<double>(a.busy) / static_cast<double>(kHour),
                    full ? distribution(std::move(a.jct)) : Distribution{},
                    full ? distribution(std::move(a.queue)) : average_only(a.queue), a.cls, {}};
    m.tenants.push_back(std::move(t));
  }
  SideMetrics s = side.valid() ? side.get() : side_metrics(r, numbers, detail);
  fairness_metrics_of(numbers, by_name, std::move(s.rho), m, detail);
  take_series(m, std::move(s.series));
  return m;
}

// Workshops and other advance reservations: what was set aside, and how much of it its tenant
// used; the rest stood idle for nobody else (the cost of never delaying them).
static nlohmann::ordered_json reservations_json(const SimResult& r) {
  GpuMs reserved = 0, used = 0;
  auto list = nlohmann::ordered_json::array();
  for (const SimResult::ReservationFigures& f : r.reservations) {
    reserved += f.reserved, used += f.used;
    nlohmann::ordered_json one = {{"name", f.name}, {"tenant", f.tenant}, {"site", f.site}, {"gpus", f.gpus}};
    if (!f.slice.empty()) one["slices"] = {{"profile", f.slice}, {"count", f.slices}};
    one["from_s"] = f.from / 1000;
    one["to_s"] = f.to / 1000;
    one["reserved_gpu_hours"] = round3(static_cast<double>(f.reserved) / kHour);
    one["used_gpu_hours"] = round3(static_cast<double>(f.used) / kHour);
    list.push_back(std::move(one));
  }
  double unused = reserved > 0 ? static_cast<double>(reserved - used) / static_cast<double>(reserved) : 0;
  return {{"count", r.reservations.size()},
          {"reserved_gpu_hours", round3(static_cast<double>(reserved) / kHour)},
          {"used_gpu_hours", round3(static_cast<double>(used) / kHour)},
          {"unused_share", round3(unused)},
          {"list", list}};
}

static nlohmann::ordered_json tenants_json(const Metrics& m) {
  auto tenants = nlohmann::ordered_json::array();
  for (const TenantFigures& t : m.tenants)
    tenants.push_back({{"name", t.name}, {"jobs", t.jobs}, {"finished", t.finished},
                       {"gpu_hours", round3(t.gpu_hours)}, {"jct_s", dist_json(t.jct)}, {"queue_s", dist_json(t.queue)},
                       {"rho", rho_json(t.rho)}});
  return tenants;
}

nlohmann::ordered_json report_json(const SimResult& r, const Metrics& m, double wall_s) {
  nlohmann::ordered_json j;
  j["policy"] = r.policy;
  j["oracle"] = r.oracle;
  j["placement"] = r.placement;
  j["gpus"] = r.total_gpus;
  j["jobs"] = m.jobs;
  j["finished"] = m.finished;
  j["timeouts"] = m.timeouts;
  j["rejected"] = m.rejected;
  j["unfinished"] = m.unfinished;
  j["waited_on_quota"] = m.waited_on_quota;
  j["avg_jct_s"] = round3(m.jct.avg);
  j["p50_jct_s"] = round3(m.jct.p50);
  j["p95_jct_s"] = round3(m.jct.p95);
  j["p99_jct_s"] = round3(m.jct.p99);
  j["avg_queue_s"] = round3(m.queue.avg);
  j["p50_queue_s"] = round3(m.queue.p50);
  j["p95_queue_s"] = round3(m.queue.p95);
  j["p99_queue_s"] = round3(m.queue.p99);
  j["makespan_s"] = round3(m.makespan_s);
  j["utilization"] = round3(m.utilization);
  j["gpu_hours"] = round3(m.gpu_hours);
  j["preemptions"] = r.preemptions;
  j["events"] = r.events;
  j["passes"] = r.passes;
  if (wall_s >= 0) j["wall_s"] = round3(wall_s);
  auto& sites = j["sites"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.sites.size(); ++i)
    sites.push_back({{"name", r.sites[i].name}, {"gpus", r.sites[i].gpus},
                     {"utilization", round3(m.site_utilization[i].second)}});
  j["utilization_timeline"] = {{"step_s", m.timeline_step_s}, {"values", m.utilization_timeline}};
  // The list of tenants is most of a big report: built on a second thread while this one builds
  // the rest, and put in its place (the key is made here, so the order of keys stays).
  std::future<nlohmann::ordered_json> tenants;
  if (parallel_host()) tenants = std::async(std::launch::async, tenants_json, std::cref(m));
  j["tenants"] = nullptr;
  j["fairness"] = {{"rho", rho_json(m.rho)}, {"worst_tenant", m.rho_worst}, {"worst_tenant_max", round3(m.rho_worst_max)}};
  if (r.credits_on) {
    auto& c = j["credits"];
    c["consumed"] = round3(m.credits_consumed);
    c["jobs_waited_on_credits"] = m.waited_on_credits;
    c["tenants_ran_out"] = m.tenants_ran_out;
    auto& cs = c["classes"] = nlohmann::ordered_json::array();
    for (const Metrics::ClassMoney& k : m.classes)
      cs.push_back({{"class", k.cls}, {"tenants", k.tenants}, {"consumed", round3(k.consumed)},
                    {"left", round3(k.left)}, {"ran_out", k.ran_out}});
    auto& as = c["budget_alerts"] = nlohmann::ordered_json::array();
    for (const BudgetAlert& a : r.alerts)
      as.push_back({{"tenant", a.tenant}, {"at_s", round3(static_cast<double>(a.at) / 1000.0)},
                    {"measure", measure_name(a.measure)}, {"threshold_pct", a.threshold_bps / 100.0},
                    {"used", a.used}, {"limit", a.limit}});
    auto& ts = c["tenants"] = nlohmann::ordered_json::array();
    for (const TenantMoney& t : m.money)
      ts.push_back({{"name", t.name}, {"class", t.cls}, {"consumed", round3(t.consumed)}, {"left", round3(t.left)},
                    {"ran_out_s", round3(t.ran_out_s)}, {"runway_days", round3(t.runway_days)}});
  }
  if (m.failed_nodes > 0)
    j["failures"] = {{"nodes_failed", m.failed_nodes}, {"jobs_hit", m.failures},
                     {"lost_gpu_hours", round3(m.lost_gpu_hours)}};
  series_json(r, m, j);
  if (!r.reservations.empty()) j["reservations"] = reservations_json(r);
  auto& rejected = j["rejections"] = nlohmann::ordered_json::array();
  for (const JobRecord& rec : r.jobs)
    if (rec.state == "rejected") rejected.push_back({{"id", rec.id}, {"reason", rec.reason}});
  j["notes"] = r.notes;
  j["tenants"] = tenants.valid() ? tenants.get() : tenants_json(m);
  return j;
}

nlohmann::ordered_json report_summary(nlohmann::ordered_json j) {
  auto drop = [](nlohmann::ordered_json& parent, const char* key) {
    if (!parent.is_object() || !parent.contains(key)) return;
    const nlohmann::ordered_json& v = parent[key];
    const std::size_t n = v.is_array() ? v.size() : v.value("count", std::size_t{0});
    parent.erase(key);
    parent[std::string(key) + "_count"] = n;
  };
  drop(j, "tenants");
  drop(j, "rejections");
  drop(j, "reservations");
  if (j.contains("credits")) {
    drop(j["credits"], "tenants");
    drop(j["credits"], "budget_alerts");
  }
  j.erase("timeline");
  j.erase("utilization_timeline");
  j["summary"] = true;
  return j;
}

std::string report_text(const SimResult& r, const Metrics& m, double wall_s) {
  auto hours = [](double s) { return s / 3600.0; };
  std::string out;
  out += fmt::format("Hexagone simulation: policy {}{}, placement {}, {} GPUs\n", r.policy,
                     r.oracle ? " (oracle: uses true durations)" : "", r.placement, r.total_gpus);
  out += fmt::format("  jobs        {} submitted, {} finished ({} hit their time limit), {} rejected, {} unfinished\n",
                     m.jobs, m.finished, m.timeouts, m.rejected, m.unfinished);
  if (m.waited_on_quota > 0) out += fmt::format("  quotas      {} jobs waited on a quota\n", m.waited_on_quota);
  out += fmt::format("  completion  avg {:.2f} h, median {:.2f} h, p95 {:.2f} h, p99 {:.2f} h (submit to end)\n",
                     hours(m.jct.avg), hours(m.jct.p50), hours(m.jct.p95), hours(m.jct.p99));
  out += fmt::format("  waiting     avg {:.2f} h, median {:.2f} h, p95 {:.2f} h, p99 {:.2f} h (submit to first start)\n",
                     hours(m.queue.avg), hours(m.queue.p50), hours(m.queue.p95), hours(m.queue.p99));
  out += fmt::format("  cluster     {:.1f}% of GPU time busy over {:.1f} days; {:.0f} GPU-hours served; {} preemptions\n",
                     100 * m.utilization, m.makespan_s / 86400.0, m.gpu_hours, r.preemptions);
  if (m.site_utilization.size() > 1) {
    std::string line;
    for (const auto& [name, u] : m.site_utilization) line += fmt::format("{}{} {:.1f}%", line.empty() ? "" : ", ", name, 100 * u);
    out += "  sites       busy: " + line + "\n";
  }
  out += series_text(m);
  if (m.rho.jobs > 0)
    out += fmt::format("  fairness    rho (completion / alone on a fair share) median {:.2f}, p90 {:.2f}, max {:.2f}; "
                       "worst tenant {} (max {:.2f})\n",
                       m.rho.p50, m.rho.p90, m.rho.max, m.rho_worst, m.rho_worst_max);
  if (m.failed_nodes > 0)
    out += fmt::format("  failures    {} node failures hit {} running jobs; {:.0f} GPU-hours of work lost and redone\n",
                       m.failed_nodes, m.failures, m.lost_gpu_hours);
  if (!r.reservations.empty()) {
    GpuMs reserved = 0, used = 0;
    for (const auto& f : r.reservations) reserved += f.reserved, used += f.used;
    out += fmt::format("  workshops   {} reservations, {:.0f} GPU-hours set aside, {:.0f} used ({:.1f}% unused)\n",
                       r.reservations.size(), static_cast<double>(reserved) / kHour, static_cast<double>(used) / kHour,
                       reserved > 0 ? 100.0 * static_cast<double>(reserved - used) / static_cast<double>(reserved) : 0.0);
  }
  if (r.credits_on) {
    // Accounts: every tenant granted credits (a learner's whole programme), whether or not it
    // submitted a job in this run; "tenants" below counts those that did.
    out += fmt::format("  credits     {:.0f} consumed; {} jobs waited on credits; {} tenants ran out of credits; "
                       "credit accounts (tenants granted credits, with jobs or not) by class:\n",
                       m.credits_consumed, m.waited_on_credits, m.tenants_ran_out);
    for (const Metrics::ClassMoney& k : m.classes)
      out += fmt::format("              {:<12} {:>6} accounts {:>14.0f} consumed {:>14.0f} left, {} ran out\n", k.cls,
                         k.tenants, k.consumed, k.left, k.ran_out);
    if (!r.alerts.empty())
      out += fmt::format("  budgets     {} alerts raised (see the JSON report)\n", r.alerts.size());
  }
  std::vector<const TenantFigures*> top;
  for (const auto& t : m.tenants) top.push_back(&t);
  std::stable_sort(top.begin(), top.end(), [](auto* a, auto* b) { return a->gpu_hours > b->gpu_hours; });
  if (top.size() > 1) {
    out += fmt::format("  tenants     {} submitted jobs in this run; the biggest by GPU-hours:\n", top.size());
    for (std::size_t i = 0; i < std::min<std::size_t>(5, top.size()); ++i)
      out += fmt::format("              {:<16} {:>6} jobs {:>12.0f} GPU-h, avg wait {:.2f} h\n", top[i]->name,
                         top[i]->jobs, top[i]->gpu_hours, hours(top[i]->queue.avg));
  }
  for (const JobRecord& rec : r.jobs)
    if (rec.state == "rejected") {
      out += fmt::format("  rejected    {}: {}{}\n", rec.id, rec.reason,
                         m.rejected > 1 ? fmt::format(" (and {} more, see the JSON report)", m.rejected - 1) : "");
      break;
    }
  for (const std::string& n : r.notes) out += "  note        " + n + "\n";
  out += fmt::format("  simulated   {} events, {} scheduling passes in {:.2f} s\n", r.events, r.passes, wall_s);
  return out;
}

Status write_jobs_csv(const SimResult& r, const std::string& path) {
  std::ofstream f(path);
  if (!f) return Status::Invalid("--jobs-csv: cannot write '" + path + "'");
  f << "id,tenant,gpus,submit_ms,first_start_ms,end_ms,duration_ms,useful_ms,run_ms,preemptions,state,site,reason\n";
  for (const JobRecord& j : r.jobs) {
    std::string reason = j.reason;
    std::replace(reason.begin(), reason.end(), ',', ';');
    f << j.id << ',' << j.tenant << ',' << j.gpus << ',' << j.submit << ',' << j.first_start << ',' << j.end << ','
      << j.duration << ',' << j.useful_ms << ',' << j.run_ms << ',' << j.preemptions << ',' << j.state << ','
      << j.site << ',' << reason << '\n';
  }
  f.close();
  if (!f) return Status::Invalid("--jobs-csv: write to '" + path + "' failed");
  return Status::Ok();
}

}  // namespace hexa
