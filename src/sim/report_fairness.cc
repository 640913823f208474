#include "sim/report_fairness.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "sim/report.h"

namespace hexa {

namespace {

// N at each job's submit: a sweep over submits and ends, all ends at an instant before all
// submits at it (a job that ends as another arrives does not contend with it), and the jobs
// submitted at one instant counted together.
std::vector<long> contenders(const SimResult& r) {
  const std::size_t n = r.jobs.size();
  std::vector<std::size_t> by_submit(n), by_end;
  std::iota(by_submit.begin(), by_submit.end(), std::size_t{0});
  std::stable_sort(by_submit.begin(), by_submit.end(),
                   [&](std::size_t a, std::size_t b) { return r.jobs[a].submit < r.jobs[b].submit; });
  auto contends = [&](std::size_t i) { return r.jobs[i].state != "rejected"; };  // a rejected job never waited
  for (std::size_t i = 0; i < n; ++i)
    if (r.jobs[i].end >= 0 && contends(i)) by_end.push_back(i);
  std::stable_sort(by_end.begin(), by_end.end(), [&](std::size_t a, std::size_t b) { return r.jobs[a].end < r.jobs[b].end; });
  std::map<std::string, long> in_system;  // tenant -> its jobs submitted and not ended
  std::vector<long> out(n, 0);
  std::size_t e = 0;
  for (std::size_t s = 0; s < n;) {
    const TimeMs t = r.jobs[by_submit[s]].submit;
    for (; e < by_end.size() && r.jobs[by_end[e]].end <= t; ++e) {
      auto it = in_system.find(r.jobs[by_end[e]].tenant);
      if (it != in_system.end() && --it->second == 0) in_system.erase(it);
    }
    std::size_t s2 = s;
    for (; s2 < n && r.jobs[by_submit[s2]].submit == t; ++s2) {
      const JobRecord& j = r.jobs[by_submit[s2]];
      if (contends(by_submit[s2]) && (j.end < 0 || j.end > t)) ++in_system[j.tenant];
    }
    for (; s < s2; ++s) out[by_submit[s]] = std::max<long>(1, static_cast<long>(in_system.size()));
  }
  return out;
}

}  // namespace

std::vector<double> finish_time_rho(const SimResult& r) {
  std::vector<double> rho(r.jobs.size(), -1);
  if (r.total_gpus <= 0) return rho;
  std::vector<long> n = contenders(r);
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const JobRecord& j = r.jobs[i];
    if (j.state != "finished" || j.duration <= 0) continue;
    double slow = std::max(1.0, static_cast<double>(j.gpus) * static_cast<double>(n[i]) / static_cast<double>(r.total_gpus));
    rho[i] = static_cast<double>(j.end - j.submit) / (static_cast<double>(j.duration) * slow);
  }
  return rho;
}

RhoFigures rho_figures(std::vector<double> rho) {
  rho.erase(std::remove_if(rho.begin(), rho.end(), [](double x) { return x < 0; }), rho.end());
  RhoFigures f;
  if (rho.empty()) return f;
  std::sort(rho.begin(), rho.end());
  auto rank = [&](std::size_t pct) { return rho[std::max<std::size_t>((rho.size() * pct + 99) / 100, 1) - 1]; };
  f.jobs = static_cast<long>(rho.size());
  f.p50 = rank(50);
  f.p90 = rank(90);
  f.max = rho.back();
  return f;
}

void fairness_metrics(const SimResult& r, Metrics& m) {
  std::vector<double> rho = finish_time_rho(r);
  std::map<std::string, std::vector<double>> per;
  for (std::size_t i = 0; i < rho.size(); ++i)
    if (rho[i] >= 0) per[r.jobs[i].tenant].push_back(rho[i]);
  m.rho = rho_figures(std::move(rho));
  for (TenantFigures& t : m.tenants) {
    auto it = per.find(t.name);
    if (it == per.end()) continue;
    t.rho = rho_figures(std::move(it->second));
    if (t.rho.max > m.rho_worst_max) m.rho_worst_max = t.rho.max, m.rho_worst = t.name;  // first by name on ties
  }
}

nlohmann::ordered_json rho_json(const RhoFigures& f) {
  return {{"jobs", f.jobs}, {"p50", round3(f.p50)}, {"p90", round3(f.p90)}, {"max", round3(f.max)}};
}

}  // namespace hexa
