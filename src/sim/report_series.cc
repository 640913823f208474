#include "sim/report_series.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "model/energy.h"

namespace hexa {

std::vector<double> cdf_points(std::vector<DurationMs> v) {
  std::vector<double> out;
  if (v.empty()) return out;
  if (!std::is_sorted(v.begin(), v.end())) std::sort(v.begin(), v.end());  // callers may sort once
  for (double pct : kCdfPercentiles) {
    // Nearest rank, as distribution(): the smallest value with at least pct% at or below it.
    auto k = static_cast<std::size_t>(std::ceil(static_cast<double>(v.size()) * pct / 100.0));
    out.push_back(round3(static_cast<double>(v[std::min(std::max<std::size_t>(k, 1), v.size()) - 1]) / 1000.0));
  }
  return out;
}

namespace {

// Per class, and the sessions' start delays; `per_class` false: the sessions only.
void class_metrics(const SimResult& r, Metrics& m, bool per_class) {
  struct Acc {
    long jobs = 0, finished = 0;
    std::vector<DurationMs> jct, queue;
  };
  std::map<std::string, Acc> per;
  std::vector<DurationMs> delay;
  Acc* last = nullptr;  // runs of one class: one map lookup each
  const std::string* last_cls = nullptr;
  for (const JobRecord& j : r.jobs) {
    if (per_class) {
      if (!last || j.cls != *last_cls) last = &per[j.cls.empty() ? "other" : j.cls], last_cls = &j.cls;
      Acc& a = *last;
      ++a.jobs;
      if (j.first_start >= 0) a.queue.push_back(j.first_start - j.submit);
      if (j.state == "finished" || j.state == "timeout") ++a.finished, a.jct.push_back(j.end - j.submit);
    }
    if (j.start_target <= 0) continue;
    ++m.sessions.jobs;
    if (j.first_start < 0) continue;
    ++m.sessions.started;
    m.sessions.within_target += j.first_start - j.submit <= j.start_target;
    delay.push_back(j.first_start - j.submit);
  }
  // Each sorted once, for its distribution and its CDF.
  std::sort(delay.begin(), delay.end());
  m.sessions.delay = distribution(delay);
  m.sessions.delay_cdf = cdf_points(std::move(delay));
  for (auto& [cls, a] : per) {
    std::sort(a.jct.begin(), a.jct.end());
    std::sort(a.queue.begin(), a.queue.end());
    m.class_figures.push_back({cls, a.jobs, a.finished, distribution(a.jct), distribution(a.queue),
                               cdf_points(std::move(a.jct)), cdf_points(std::move(a.queue))});
  }
}

void timeline_metrics(const SimResult& r, Metrics& m) {
  const auto step = static_cast<double>(r.timeline_step);
  for (const auto& site : r.sites) {
    std::vector<double> u;
    for (GpuMs b : site.busy_per_step)
      u.push_back(site.gpus > 0 ? round3(static_cast<double>(b) / (step * static_cast<double>(site.gpus))) : 0.0);
    m.site_timeline.push_back(std::move(u));
  }
  for (std::int64_t q : r.queue_ms_per_step) m.queue_avg.push_back(round3(static_cast<double>(q) / step));
  m.queue_max = r.queue_max_per_step;
  for (const auto& b : r.burn_per_step) {
    std::vector<double> v;
    for (Micro x : b.per_step) v.push_back(round3(static_cast<double>(x) / 1e6));
    m.burn.push_back({b.cls, std::move(v)});
  }
}

void energy_metrics(const SimResult& r, Metrics& m) {
  for (const auto& site : r.sites) {
    SiteEnergy e{site.name, site.profile.provider, site.profile.region.empty() ? site.name : site.profile.region,
                 site.profile.pue_milli / 1000.0, 0, 0};
    for (std::size_t h = 0; h < 24; ++h) {
      const double kwh = wall_kwh(static_cast<double>(site.watt_ms_by_hour[h]), site.profile.pue_milli);
      e.kwh += kwh;
      e.carbon_kg += carbon_kg(kwh, site.profile.carbon[h]);
      m.energy_known = m.energy_known || site.watt_ms_by_hour[h] > 0;
    }
    m.energy_kwh += e.kwh;
    m.carbon_kg += e.carbon_kg;
    m.energy.push_back(e);
  }
}

}  // namespace

void series_metrics(const SimResult& r, Metrics& m, MetricsDetail detail) {
  class_metrics(r, m, detail == MetricsDetail::kFull);
  if (detail == MetricsDetail::kFull) timeline_metrics(r, m);
  energy_metrics(r, m);
}

void take_series(Metrics& to, Metrics&& from) {
  to.sessions = std::move(from.sessions);
  to.class_figures = std::move(from.class_figures);
  to.site_timeline = std::move(from.site_timeline);
  to.queue_avg = std::move(from.queue_avg);
  to.queue_max = std::move(from.queue_max);
  to.burn = std::move(from.burn);
  to.energy_known = from.energy_known;
  to.energy_kwh = from.energy_kwh;
  to.carbon_kg = from.carbon_kg;
  to.energy = std::move(from.energy);
}

void series_json(const SimResult& r, const Metrics& m, nlohmann::ordered_json& j) {
  j["cdf"] = {{"percentiles", kCdfPercentiles}, {"jct_s", m.jct_cdf}, {"queue_s", m.queue_cdf}};
  auto& cs = j["classes"] = nlohmann::ordered_json::array();
  for (const ClassFigures& c : m.class_figures)
    cs.push_back({{"class", c.cls}, {"jobs", c.jobs}, {"finished", c.finished}, {"jct_s", dist_json(c.jct)},
                  {"queue_s", dist_json(c.queue)}, {"jct_cdf_s", c.jct_cdf}, {"queue_cdf_s", c.queue_cdf}});
  if (m.sessions.jobs > 0) {
    const SessionFigures& s = m.sessions;
    j["sessions"] = {{"jobs", s.jobs},
                     {"started", s.started},
                     {"within_target", s.within_target},
                     {"within_target_share", round3(static_cast<double>(s.within_target) / static_cast<double>(s.jobs))},
                     {"start_delay_s", dist_json(s.delay)},
                     {"start_delay_cdf_s", s.delay_cdf}};
  }
  auto& t = j["timeline"];
  t["step_s"] = static_cast<double>(r.timeline_step) / 1000.0;
  auto& sites = t["sites"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.sites.size(); ++i)
    sites.push_back({{"name", r.sites[i].name}, {"utilization", m.site_timeline[i]}});
  t["queue_avg"] = m.queue_avg;
  t["queue_max"] = m.queue_max;
  if (r.credits_on) {
    auto& burn = t["credits_burn"] = nlohmann::ordered_json::array();
    for (const auto& [cls, v] : m.burn) burn.push_back({{"class", cls}, {"credits", v}});
  }
  if (!m.energy_known) return;
  auto& e = j["energy"];
  e["kwh"] = round3(m.energy_kwh);
  e["carbon_kg"] = round3(m.carbon_kg);
  e["g_per_kwh"] = round3(m.energy_kwh > 0 ? 1000.0 * m.carbon_kg / m.energy_kwh : 0.0);
  auto& es = e["sites"] = nlohmann::ordered_json::array();
  for (const SiteEnergy& s : m.energy)
    es.push_back({{"name", s.name}, {"provider", s.provider}, {"region", s.region}, {"pue", round3(s.pue)},
                  {"kwh", round3(s.kwh)}, {"carbon_kg", round3(s.carbon_kg)},
                  {"g_per_kwh", round3(s.kwh > 0 ? 1000.0 * s.carbon_kg / s.kwh : 0.0)}});
}

std::string series_text(const Metrics& m) {
  std::string out;
  if (m.sessions.jobs > 0) {
    const SessionFigures& s = m.sessions;
    out += fmt::format(
        "  sessions    {} interactive, {} started; start delay median {:.0f} s, p95 {:.0f} s, p99 {:.0f} s; "
        "{:.1f}% within target\n",
        s.jobs, s.started, s.delay.p50, s.delay.p95, s.delay.p99,
        100.0 * static_cast<double>(s.within_target) / static_cast<double>(s.jobs));
  }
  if (m.energy_known) {
    out += fmt::format("  energy      {:.1f} MWh (PUE included), {:.1f} t CO2e ({:.0f} g/kWh on average)\n",
                       m.energy_kwh / 1000.0, m.carbon_kg / 1000.0,
                       m.energy_kwh > 0 ? 1000.0 * m.carbon_kg / m.energy_kwh : 0.0);
    if (m.energy.size() > 1) {
      std::string line;
      for (const SiteEnergy& e : m.energy)
        line += fmt::format("{}{} {:.1f} MWh {:.1f} t", line.empty() ? "" : ", ", e.name, e.kwh / 1000.0,
                            e.carbon_kg / 1000.0);
      out += "  per site    " + line + "\n";
    }
  }
  return out;
}

}  // namespace hexa
