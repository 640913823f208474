#include "server/site_power.h"

#include "model/energy.h"

namespace hexa {
namespace {

int hour_utc(TimeMs wall_ms) { return static_cast<int>((wall_ms / kHour) % 24); }

nlohmann::json number_or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

std::vector<SitePower> site_power(const Core& core, TimeMs wall_ms) {
  const Topology& topo = core.topology();
  std::vector<double> sevenths_watts(topo.sites().size(), 0);  // busy GPUs' watts x 7
  for (JobId id : core.state().running)
    for (const NodeGpus& g : core.job(id).alloc) {
      const NodeInfo& n = topo.node(g.node);
      sevenths_watts[n.site] += static_cast<double>(sevenths_of(topo, g)) * topo.type_watts(n.type);
    }
  std::vector<std::string> unknown_type(topo.sites().size());
  for (const NodeInfo& n : topo.nodes())
    if (topo.type_watts(n.type) <= 0 && unknown_type[n.site].empty()) unknown_type[n.site] = topo.types().name(n.type);
  std::vector<SitePower> out(topo.sites().size());
  const auto h = static_cast<std::size_t>(hour_utc(wall_ms));
  for (SiteId s = 0; s < out.size(); ++s) {
    const SiteProfile& profile = topo.site(s).profile;
    SitePower& p = out[s];
    p.g_per_kwh = profile.carbon[h];
    if (!unknown_type[s].empty()) {
      p.note = "no watts configured for GPU type " + unknown_type[s];
      continue;
    }
    p.kw = wall_kw(sevenths_watts[s] / kSliceCompute, profile.pue_milli);
    bool any_carbon = false;
    for (int g : profile.carbon) any_carbon = any_carbon || g > 0;
    if (any_carbon)
      p.kg_per_h = carbon_kg(*p.kw, p.g_per_kwh);  // kW for an hour is kWh
    else
      p.note = "no carbon intensity configured";
  }
  return out;
}

nlohmann::json site_power_json(const SitePower& p) {
  return {{"kw", number_or_null(p.kw)},
          {"carbon_kg_per_h", number_or_null(p.kg_per_h)},
          {"carbon_g_per_kwh", p.g_per_kwh},
          {"note", p.note}};
}

nlohmann::json total_power_json(const std::vector<SitePower>& sites, TimeMs wall_ms) {
  std::optional<double> kw = 0.0, kg = 0.0;
  std::string note;
  for (const SitePower& p : sites) {
    if (kw && p.kw) *kw += *p.kw; else kw.reset();
    if (kg && p.kg_per_h) *kg += *p.kg_per_h; else kg.reset();
    if (note.empty()) note = p.note;
  }
  return {{"kw", number_or_null(kw)}, {"carbon_kg_per_h", number_or_null(kg)}, {"hour_utc", hour_utc(wall_ms)},
          {"note", note}};
}

}  // namespace hexa
