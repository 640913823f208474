#include "sim/report_fairness.h"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <unordered_map>

#include "sim/report.h"

namespace hexa {

TenantNumbers tenant_numbers(const SimResult& r) {
  std::unordered_map<std::string_view, std::uint32_t> number;
  TenantNumbers out;
  out.of_job.resize(r.jobs.size());
  const std::string* last = nullptr;  // traces run long stretches of one tenant
  std::uint32_t last_number = 0;
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const std::string& t = r.jobs[i].tenant;
    if (!last || t != *last) {
      auto [it, fresh] = number.try_emplace(t, static_cast<std::uint32_t>(out.name.size()));
      if (fresh) out.name.push_back(t);
      last = &t, last_number = it->second;
    }
    out.of_job[i] = last_number;
  }
  return out;
}

namespace {

// N at each job's submit: a sweep over submits and ends, all ends at an instant before all
// submits at it (a job that ends as another arrives does not contend with it), and the jobs
// submitted at one instant counted together.
std::vector<long> contenders(const SimResult& r, const TenantNumbers& numbers) {
  const std::size_t n = r.jobs.size();
  std::vector<std::size_t> by_submit(n);
  std::iota(by_submit.begin(), by_submit.end(), std::size_t{0});
  auto submitted_before = [&](std::size_t a, std::size_t b) { return r.jobs[a].submit < r.jobs[b].submit; };
  if (!std::is_sorted(by_submit.begin(), by_submit.end(), submitted_before))  // jobs are in trace order
    std::stable_sort(by_submit.begin(), by_submit.end(), submitted_before);
  std::vector<char> contends(n);  // a rejected job never waited
  for (std::size_t i = 0; i < n; ++i) contends[i] = r.jobs[i].state != "rejected";
  // Ends in time order, ties in trace order: sorted as (end, job) pairs, where a stable sort of
  // job numbers by r.jobs[a].end read a record at each compare (a cache miss, most of this).
  std::vector<std::pair<TimeMs, std::size_t>> ends;
  ends.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    if (r.jobs[i].end >= 0 && contends[i]) ends.emplace_back(r.jobs[i].end, i);
  std::sort(ends.begin(), ends.end());
  const std::vector<std::uint32_t>& tenant = numbers.of_job;
  std::vector<long> in_system(numbers.name.size(), 0);  // per tenant: its jobs submitted and not ended
  long with_jobs = 0;                       // tenants with some
  std::vector<long> out(n, 0);
  std::size_t e = 0;
  for (std::size_t s = 0; s < n;) {
    const TimeMs t = r.jobs[by_submit[s]].submit;
    for (; e < ends.size() && ends[e].first <= t; ++e) {
      long& k = in_system[tenant[ends[e].second]];
      if (k > 0 && --k == 0) --with_jobs;
    }
    std::size_t s2 = s;
    for (; s2 < n && r.jobs[by_submit[s2]].submit == t; ++s2) {
      const JobRecord& j = r.jobs[by_submit[s2]];
      if (contends[by_submit[s2]] && (j.end < 0 || j.end > t) && in_system[tenant[by_submit[s2]]]++ == 0) ++with_jobs;
    }
    for (; s < s2; ++s) out[by_submit[s]] = std::max<long>(1, with_jobs);
  }
  return out;
}

}  // namespace

std::vector<double> finish_time_rho(const SimResult& r) { return finish_time_rho(r, tenant_numbers(r)); }

std::vector<double> finish_time_rho(const SimResult& r, const TenantNumbers& numbers) {
  std::vector<double> rho(r.jobs.size(), -1);
  if (r.total_gpus <= 0) return rho;
  std::vector<long> n = contenders(r, numbers);
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

void fairness_metrics(const SimResult& r, Metrics& m, MetricsDetail detail) {
  const TenantNumbers numbers = tenant_numbers(r);
  std::unordered_map<std::string_view, std::uint32_t> by_name;
  for (std::uint32_t k = 0; k < numbers.name.size(); ++k) by_name.emplace(numbers.name[k], k);
  std::vector<std::uint32_t> per_tenant;
  for (const TenantFigures& t : m.tenants) {
    auto it = by_name.find(t.name);
    per_tenant.push_back(it == by_name.end() ? kNoNumber : it->second);
  }
  fairness_metrics_of(numbers, per_tenant, finish_time_rho(r, numbers), m, detail);
}

void fairness_metrics_of(const TenantNumbers& numbers, const std::vector<std::uint32_t>& per_tenant,
                         std::vector<double> rho, Metrics& m, MetricsDetail detail) {
  std::vector<std::vector<double>> per(numbers.name.size());
  for (std::size_t i = 0; i < rho.size(); ++i)
    if (rho[i] >= 0) per[numbers.of_job[i]].push_back(rho[i]);
  m.rho = rho_figures(std::move(rho));
  for (std::size_t k = 0; k < m.tenants.size(); ++k) {
    TenantFigures& t = m.tenants[k];
    if (per_tenant[k] == kNoNumber || per[per_tenant[k]].empty()) continue;
    std::vector<double>& mine = per[per_tenant[k]];
    if (detail == MetricsDetail::kFull)
      t.rho = rho_figures(std::move(mine));
    else
      t.rho.jobs = static_cast<long>(mine.size()), t.rho.max = *std::max_element(mine.begin(), mine.end());
    if (t.rho.max > m.rho_worst_max) m.rho_worst_max = t.rho.max, m.rho_worst = t.name;  // first by name on ties
  }
}

nlohmann::ordered_json rho_json(const RhoFigures& f) {
  return {{"jobs", f.jobs}, {"p50", round3(f.p50)}, {"p90", round3(f.p90)}, {"max", round3(f.max)}};
}

}  // namespace hexa
