#include "sim/compare.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "sim/compare_explain.h"

namespace hexa {

std::string compare_text(const std::string& knob, const std::vector<VariantRun>& runs) {
  using Cell = std::function<std::string(const VariantRun&)>;
  auto hours = [](double s) { return fmt::format("{:.2f} h", s / 3600.0); };
  std::vector<std::pair<std::string, Cell>> rows = {
      {"jobs finished", [](const VariantRun& v) { return fmt::format("{}", v.metrics.finished); }},
      {"avg completion", [&](const VariantRun& v) { return hours(v.metrics.jct.avg); }},
      {"p95 completion", [&](const VariantRun& v) { return hours(v.metrics.jct.p95); }},
      {"p95 wait", [&](const VariantRun& v) { return hours(v.metrics.queue.p95); }},
      {"p95 session start", [](const VariantRun& v) {
         return v.metrics.sessions.jobs > 0 ? fmt::format("{:.0f} s", v.metrics.sessions.delay.p95) : std::string("-");
       }},
      // Work done is GPU time, not jobs: a tenant short of money can finish more, smaller jobs
      // with less GPU time (docs/simulator.md, "Fewer GPUs, more jobs finished").
      {"GPU-hours served", [](const VariantRun& v) { return fmt::format("{:.0f}", v.metrics.gpu_hours); }},
      {"GPU time busy", [](const VariantRun& v) { return fmt::format("{:.1f}%", 100 * v.metrics.utilization); }},
  };
  if (!runs.empty())
    for (std::size_t i = 0; i < runs.front().metrics.site_utilization.size(); ++i)
      rows.push_back({"  busy at " + runs.front().metrics.site_utilization[i].first, [i](const VariantRun& v) {
                        const auto& u = v.metrics.site_utilization;
                        return i < u.size() ? fmt::format("{:.1f}%", 100 * u[i].second) : std::string("-");
                      }});
  rows.push_back({"credits consumed", [](const VariantRun& v) {
                    return v.credits_on ? fmt::format("{:.0f}", v.metrics.credits_consumed) : std::string("-");
                  }});
  rows.push_back({"energy", [](const VariantRun& v) {
                    return v.metrics.energy_known ? fmt::format("{:.1f} MWh", v.metrics.energy_kwh / 1000) : std::string("-");
                  }});
  rows.push_back({"carbon", [](const VariantRun& v) {
                    return v.metrics.energy_known ? fmt::format("{:.2f} t CO2e", v.metrics.carbon_kg / 1000) : std::string("-");
                  }});
  std::size_t first = 0;
  for (const auto& r : rows) first = std::max(first, r.first.size());
  std::vector<std::vector<std::string>> cells(rows.size());
  std::vector<std::size_t> width;
  for (const VariantRun& v : runs) {
    std::size_t w = v.label.size();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      cells[i].push_back(rows[i].second(v));
      w = std::max(w, cells[i].back().size());
    }
    width.push_back(w);
  }
  std::string out = fmt::format("Comparison of {} over {} variants\n", knob, runs.size());
  out += fmt::format("  {:<{}}", "", first);
  for (std::size_t c = 0; c < runs.size(); ++c) out += fmt::format("  {:>{}}", runs[c].label, width[c]);
  out += "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += fmt::format("  {:<{}}", rows[i].first, first);
    for (std::size_t c = 0; c < runs.size(); ++c) out += fmt::format("  {:>{}}", cells[i][c], width[c]);
    out += "\n";
  }
  return out + explain_text(runs);
}

nlohmann::ordered_json compare_json(const std::string& knob, const std::vector<VariantRun>& runs) {
  nlohmann::ordered_json j;
  j["compare"] = knob;
  auto& vs = j["variants"] = nlohmann::ordered_json::array();
  for (const VariantRun& v : runs) vs.push_back({{"label", v.label}, {"report", v.report}});
  if (runs.size() > 1) j["explain"] = explain_json(runs);
  return j;
}

}  // namespace hexa
