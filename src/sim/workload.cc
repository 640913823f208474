#include "sim/workload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "sim/rng.h"

namespace hexa {
namespace {

// Draws an index with probability proportional to its weight (cumulative table).
std::size_t pick(Rng& rng, const std::vector<double>& cumulative) {
  double u = rng.uniform() * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
  return std::min<std::size_t>(static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
}

// Arrivals follow office hours: twice the rate 09:00-18:00 on weekdays, half at night and on
// weekends. Returns a weight in (0, 1] for rejection sampling.
double rhythm(TimeMs t) {
  long hour = static_cast<long>(t / kHour % 24);
  long day = static_cast<long>(t / kDay % 7);
  bool weekend = day >= 5;
  if (!weekend && hour >= 9 && hour < 18) return 1.0;
  return weekend ? 0.25 : 0.5;
}

std::string tenant_name(int k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "startup-%04d", k + 1);
  return buf;
}

}  // namespace

Status check_workload(const StartupWorkload& w) {
  if (w.tenants < 1 || w.tenants > 1000000) return Status::Invalid("tenants: must be between 1 and 1000000");
  if (w.span < kHour) return Status::Invalid("days: the span must be at least one hour");
  if (!(w.load > 0 && w.load <= 10)) return Status::Invalid("load: must be in (0, 10]");
  if (w.cluster_gpus <= 0) return Status::Invalid("cluster: must have GPUs");
  if (w.gang_weights.empty()) return Status::Invalid("gang_sizes: must not be empty");
  for (auto [g, wt] : w.gang_weights)
    if (g < 1 || !(wt > 0)) return Status::Invalid("gang_sizes: sizes must be >= 1 and weights > 0");
  if (!(w.median_minutes > 0) || !(w.sigma >= 0) || !(w.min_minutes > 0) || !(w.max_hours * 60 >= w.min_minutes))
    return Status::Invalid("duration: need median_minutes > 0, sigma >= 0, 0 < min_minutes <= max_hours x 60");
  if (!(w.zipf >= 0)) return Status::Invalid("zipf: must be >= 0");
  if (!(w.limit_factor >= 1.2)) return Status::Invalid("limit_factor: must be at least 1.2");
  if (!(w.resident_share >= 0 && w.resident_share <= 1)) return Status::Invalid("residency.share: must be in [0, 1]");
  if (w.resident_share > 0 && w.resident_providers.empty())
    return Status::Invalid("residency.providers: must name the providers resident start-ups keep to");
  return Status::Ok();
}

// Preferred sites for every job; residency for a seeded share of the start-ups, drawn from a
// stream of its own so that the jobs themselves are the same with or without it.
void place_rules(const StartupWorkload& w, Trace& t) {
  std::vector<bool> resident(static_cast<std::size_t>(w.tenants) + 1, false);
  Rng rng(w.seed ^ 0x7265736964656e74ULL);  // "resident"
  for (std::size_t k = 1; k < resident.size(); ++k) resident[k] = rng.uniform() < w.resident_share;
  for (TraceJob& j : t.jobs) {
    j.prefer = w.prefer_sites;
    auto k = static_cast<std::size_t>(std::stoul(j.tenant.substr(j.tenant.rfind('-') + 1)));
    if (k < resident.size() && resident[k]) j.providers = w.resident_providers;
  }
}

Trace generate_startups(const StartupWorkload& w) {
  Rng rng(w.seed);
  std::vector<int> sizes;
  std::vector<double> size_cum, tenant_cum;
  for (auto [g, wt] : w.gang_weights) {
    sizes.push_back(g);
    size_cum.push_back((size_cum.empty() ? 0 : size_cum.back()) + wt);
  }
  for (int k = 0; k < w.tenants; ++k)
    tenant_cum.push_back((tenant_cum.empty() ? 0 : tenant_cum.back()) + 1.0 / std::pow(k + 1, w.zipf));

  // Draw jobs until they offer the target GPU time, then spread them over the span.
  Trace t;
  const double target = w.load * static_cast<double>(w.cluster_gpus) * static_cast<double>(w.span);
  double offered = 0;
  const double min_ms = w.min_minutes * kMinute, max_ms = w.max_hours * kHour;
  while (offered < target) {
    TraceJob j;
    j.gpus = sizes[pick(rng, size_cum)];
    double d = std::clamp(rng.lognormal(w.median_minutes * kMinute, w.sigma), min_ms, max_ms);
    j.duration = static_cast<DurationMs>(d / 1000) * 1000;  // whole seconds
    double limit = static_cast<double>(j.duration) * (1.2 + rng.uniform() * (w.limit_factor - 1.2));
    j.time_limit = (static_cast<DurationMs>(limit) / (15 * kMinute) + 1) * 15 * kMinute;
    j.tenant = tenant_name(static_cast<int>(pick(rng, tenant_cum)));
    if (!w.gpu_type.empty()) j.gpu_types = {w.gpu_type};
    offered += static_cast<double>(j.gpus) * static_cast<double>(j.duration);
    t.jobs.push_back(std::move(j));
  }
  for (TraceJob& j : t.jobs) {
    do {
      j.submit = static_cast<TimeMs>(rng.below(static_cast<std::uint64_t>(w.span / kSecond))) * kSecond;
    } while (rng.uniform() > rhythm(j.submit));
  }
  sort_by_submit(t.jobs);
  for (std::size_t i = 0; i < t.jobs.size(); ++i) t.jobs[i].id = "job-" + std::to_string(i + 1);
  place_rules(w, t);
  char note[160];
  std::snprintf(note, sizeof note, "generated: %zu start-up jobs from %d tenants, offered load %.2f, seed %llu",
                t.jobs.size(), w.tenants, w.load, static_cast<unsigned long long>(w.seed));
  t.notes.push_back(note);
  return t;
}

}  // namespace hexa
