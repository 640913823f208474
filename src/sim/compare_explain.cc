#include "sim/compare_explain.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace hexa {

namespace {

using Json = nlohmann::ordered_json;

// A tenant's figures in one run, looked up by name.
struct TenantRow {
  const TenantFigures* fig = nullptr;
  const TenantMoney* money = nullptr;
};

std::map<std::string, TenantRow> by_tenant(const Metrics& m) {
  std::map<std::string, TenantRow> out;
  for (const TenantFigures& t : m.tenants) out[t.name].fig = &t;
  for (const TenantMoney& t : m.money) out[t.name].money = &t;
  return out;
}

void fill(GroupShift& g, const TenantRow& r, bool b) {
  if (r.fig) {
    (b ? g.finished_b : g.finished_a) = r.fig->finished;
    (b ? g.gpu_hours_b : g.gpu_hours_a) = r.fig->gpu_hours;
    (b ? g.wait_b : g.wait_a) = r.fig->queue.avg;
    if (g.cls.empty()) g.cls = r.fig->cls;
  }
  if (r.money) {
    (b ? g.credits_b : g.credits_a) = r.money->consumed;
    (b ? g.ran_out_b : g.ran_out_a) = r.money->ran_out_s;
    if (g.cls.empty()) g.cls = r.money->cls.empty() ? "other" : r.money->cls;
  }
}

std::vector<GroupShift> tenant_shifts(const Metrics& a, const Metrics& b) {
  auto ta = by_tenant(a), tb = by_tenant(b);
  std::map<std::string, GroupShift> all;
  for (const auto& [name, row] : ta) fill(all[name], row, false);
  for (const auto& [name, row] : tb) fill(all[name], row, true);
  std::vector<GroupShift> out;
  for (auto& [name, g] : all) {
    g.name = name;
    out.push_back(std::move(g));
  }
  return out;
}

// Classes: sums of their tenants; the average wait from the class figures (all their jobs).
std::vector<GroupShift> class_shifts(const std::vector<GroupShift>& tenants, const Metrics& a, const Metrics& b) {
  std::map<std::string, GroupShift> all;
  for (const GroupShift& t : tenants) {
    GroupShift& c = all[t.cls];
    c.name = c.cls = t.cls;
    c.finished_a += t.finished_a, c.finished_b += t.finished_b;
    c.gpu_hours_a += t.gpu_hours_a, c.gpu_hours_b += t.gpu_hours_b;
    c.credits_a += t.credits_a, c.credits_b += t.credits_b;
    c.ran_out_count_a += t.ran_out_a >= 0, c.ran_out_count_b += t.ran_out_b >= 0;
  }
  for (const ClassFigures& f : a.class_figures)
    if (auto it = all.find(f.cls); it != all.end()) it->second.wait_a = f.queue.avg;
  for (const ClassFigures& f : b.class_figures)
    if (auto it = all.find(f.cls); it != all.end()) it->second.wait_b = f.queue.avg;
  std::vector<GroupShift> out;
  for (auto& kv : all) out.push_back(std::move(kv.second));
  return out;
}

std::string signed_count(double d) { return fmt::format("{:+.0f}", std::abs(d) < 0.5 ? 0.0 : d); }  // no "-0"
std::string day(double s) { return fmt::format("day {:.1f}", s / 86400.0); }
double rel_pct(double a, double b) { return a != 0 ? 100.0 * (b - a) / std::abs(a) : (b != 0 ? 100.0 : 0.0); }
std::string move(double a, double b, int digits = 0) {
  return fmt::format("{:.{}f} -> {:.{}f} ({:+.1f}%)", a, digits, b, digits, rel_pct(a, b));
}

// Credits: tenants whose money lasted longer or ran out sooner, and the finished jobs they moved.
void credits_mechanism(const Explanation& e, const std::vector<GroupShift>& tenants, const VariantRun& a,
                       const VariantRun& b, std::vector<Mechanism>& out) {
  if (!a.credits_on || !b.credits_on) return;
  long later = 0, earlier = 0, later_jobs = 0, earlier_jobs = 0;
  for (const GroupShift& t : tenants) {
    const bool was = t.ran_out_a >= 0, is = t.ran_out_b >= 0;
    if ((was && !is) || (was && is && t.ran_out_b > t.ran_out_a)) ++later, later_jobs += t.finished_delta();
    if ((!was && is) || (was && is && t.ran_out_b < t.ran_out_a)) ++earlier, earlier_jobs += t.finished_delta();
  }
  const long held_a = a.metrics.waited_on_credits, held_b = b.metrics.waited_on_credits;
  if (later == 0 && earlier == 0 && held_a == held_b) return;
  const long total = std::abs(e.finished_b - e.finished_a);
  std::string w = fmt::format(
      "{} tenants ran out of credits later or not at all ({} finished jobs among them), {} earlier or for the "
      "first time ({}); jobs held back by credits {} -> {}; credits consumed {}",
      later, signed_count(static_cast<double>(later_jobs)), earlier, signed_count(static_cast<double>(earlier_jobs)),
      held_a, held_b, move(a.metrics.credits_consumed, b.metrics.credits_consumed));
  if (total > 0)
    w += fmt::format("; together {:.0f}% of the change in finished jobs",
                     100.0 * static_cast<double>(later_jobs + earlier_jobs) / static_cast<double>(e.finished_b - e.finished_a));
  // Weighed as the others, in percent: its share of the change in finished jobs.
  const double moved = static_cast<double>(std::abs(later_jobs) + std::abs(earlier_jobs));
  out.push_back({"credits", w, 100.0 * moved / static_cast<double>(std::max<long>(total, 1))});
}

// The average price paid per GPU-hour by the tenants that pay: site mix and priorities.
void price_mechanism(const std::vector<GroupShift>& tenants, const VariantRun& a, const VariantRun& b,
                     std::vector<Mechanism>& out) {
  if (!a.credits_on || !b.credits_on) return;
  double ca = 0, cb = 0, ha = 0, hb = 0;
  for (const GroupShift& t : tenants) {
    if (t.credits_a > 0) ca += t.credits_a, ha += t.gpu_hours_a;
    if (t.credits_b > 0) cb += t.credits_b, hb += t.gpu_hours_b;
  }
  if (ha <= 0 || hb <= 0) return;
  const double pa = ca / ha, pb = cb / hb;
  if (std::abs(rel_pct(pa, pb)) < 0.05) return;
  out.push_back({"prices", fmt::format("the average price paid went {} credits per GPU-hour (where work ran: "
                                       "site prices, priorities, preemptible discounts)",
                                       move(pa, pb, 3)),
                 std::abs(rel_pct(pa, pb))});
}

std::vector<std::pair<std::string, double>> site_gpu_hours(const VariantRun& v) {
  std::vector<std::pair<std::string, double>> out;
  const Json* sites = v.report.contains("sites") ? &v.report["sites"] : nullptr;
  for (std::size_t i = 0; i < v.metrics.site_utilization.size(); ++i) {
    const double gpus = sites && i < sites->size() ? (*sites)[i].value("gpus", 0.0) : 0.0;
    out.push_back({v.metrics.site_utilization[i].first,
                   v.metrics.site_utilization[i].second * gpus * v.metrics.makespan_s / 3600.0});
  }
  return out;
}

// Capacity: busy GPU-hours in all and per site (a site that opens later, a knob that moves work).
void capacity_mechanism(const VariantRun& a, const VariantRun& b, std::vector<Mechanism>& out) {
  const double ga = a.metrics.gpu_hours, gb = b.metrics.gpu_hours;
  if (std::abs(rel_pct(ga, gb)) < 0.05) return;
  std::string w = fmt::format("GPU-hours busy {}", move(ga, gb));
  auto sa = site_gpu_hours(a), sb = site_gpu_hours(b);
  std::string per;
  for (std::size_t i = 0; i < sa.size() && i < sb.size(); ++i)
    if (std::abs(sb[i].second - sa[i].second) >= 0.5)
      per += fmt::format("{}{} {}", per.empty() ? "" : ", ", sa[i].first, signed_count(sb[i].second - sa[i].second));
  if (!per.empty()) w += "; by site: " + per;
  out.push_back({"capacity", w, std::abs(rel_pct(ga, gb))});
}

std::size_t count_of(const Json& j, const char* a, const char* b) {
  return j.contains(a) && j[a].contains(b) ? j[a][b].size() : 0;
}

// Counters that only move when their mechanism is at work: budgets, quotas, reservations,
// preemptions.
void counter_mechanisms(const VariantRun& a, const VariantRun& b, std::vector<Mechanism>& out) {
  auto add = [&](const char* name, const char* what, double x, double y) {
    if (x != y) out.push_back({name, fmt::format("{} {}", what, move(x, y)), std::abs(rel_pct(x, y))});
  };
  add("budgets", "budget alerts (a tenant's spending crossed a threshold)",
      static_cast<double>(count_of(a.report, "credits", "budget_alerts")),
      static_cast<double>(count_of(b.report, "credits", "budget_alerts")));
  add("quotas", "jobs that waited on a quota", static_cast<double>(a.metrics.waited_on_quota),
      static_cast<double>(b.metrics.waited_on_quota));
  auto unused = [](const VariantRun& v) {
    return v.report.contains("reservations") ? 100.0 * v.report["reservations"].value("unused_share", 0.0) : 0.0;
  };
  if (a.report.contains("reservations") || b.report.contains("reservations"))
    if (std::abs(unused(a) - unused(b)) >= 0.05)
      out.push_back({"reservations",
                     fmt::format("reserved GPU-hours left unused {:.1f}% -> {:.1f}%", unused(a), unused(b)),
                     std::abs(unused(b) - unused(a))});
  add("preemption", "preemptions", a.report.value("preemptions", 0.0), b.report.value("preemptions", 0.0));
}

}  // namespace

Explanation explain(const VariantRun& a, const VariantRun& b, std::size_t top) {
  Explanation e;
  e.base = a.label;
  e.variant = b.label;
  e.finished_a = a.metrics.finished;
  e.finished_b = b.metrics.finished;
  std::vector<GroupShift> tenants = tenant_shifts(a.metrics, b.metrics);
  e.classes = class_shifts(tenants, a.metrics, b.metrics);
  std::vector<GroupShift> order = tenants;
  std::stable_sort(order.begin(), order.end(),
                   [](const GroupShift& x, const GroupShift& y) { return x.finished_delta() > y.finished_delta(); });
  for (std::size_t i = 0; i < order.size() && e.gainers.size() < top && order[i].finished_delta() > 0; ++i)
    e.gainers.push_back(order[i]);
  for (std::size_t i = order.size(); i-- > 0 && e.losers.size() < top && order[i].finished_delta() < 0;)
    e.losers.push_back(order[i]);
  credits_mechanism(e, tenants, a, b, e.mechanisms);
  capacity_mechanism(a, b, e.mechanisms);
  price_mechanism(tenants, a, b, e.mechanisms);
  counter_mechanisms(a, b, e.mechanisms);
  std::stable_sort(e.mechanisms.begin(), e.mechanisms.end(),
                   [](const Mechanism& x, const Mechanism& y) { return x.weight > y.weight; });
  return e;
}

namespace {

// "+312 jobs, GPU-h +1200, wait -2.10 h, credits +5000; credits ran out day 14.2 -> day 21.0"
std::string shift_words(const GroupShift& g, bool money) {
  std::string w = fmt::format("{} jobs, GPU-h {}, avg wait {:+.2f} h", signed_count(static_cast<double>(g.finished_delta())),
                              signed_count(g.gpu_hours_b - g.gpu_hours_a), (g.wait_b - g.wait_a) / 3600.0);
  if (!money) return w;
  w += ", credits " + signed_count(g.credits_b - g.credits_a);
  if (g.ran_out_a >= 0 && g.ran_out_b < 0) w += "; no longer ran out of credits (did on " + day(g.ran_out_a) + ")";
  else if (g.ran_out_a < 0 && g.ran_out_b >= 0) w += "; ran out of credits on " + day(g.ran_out_b) + " (never before)";
  else if (g.ran_out_a >= 0 && day(g.ran_out_a) != day(g.ran_out_b))
    w += "; ran out of credits on " + day(g.ran_out_b) + " instead of " + day(g.ran_out_a);
  return w;
}

void text_of(const Explanation& e, bool money, std::string& out) {
  out += fmt::format("  {} against {}: jobs finished {} ({} -> {})\n", e.variant, e.base,
                     signed_count(static_cast<double>(e.finished_b - e.finished_a)), e.finished_a, e.finished_b);
  for (const GroupShift& c : e.classes) {
    out += fmt::format("    class {}: {}", c.name, shift_words(c, money));
    if (money && c.ran_out_count_a != c.ran_out_count_b)
      out += fmt::format("; tenants out of credits {} -> {}", c.ran_out_count_a, c.ran_out_count_b);
    out += "\n";
  }
  for (const GroupShift& t : e.gainers) out += fmt::format("    gains most: {} ({}): {}\n", t.name, t.cls, shift_words(t, money));
  for (const GroupShift& t : e.losers) out += fmt::format("    loses most: {} ({}): {}\n", t.name, t.cls, shift_words(t, money));
  if (e.mechanisms.empty()) out += "    no mechanism moved (credits, budgets, quotas, reservations, prices, capacity)\n";
  for (const Mechanism& m : e.mechanisms) out += fmt::format("    why, {}: {}\n", m.name, m.words);
}

Json shift_json(const GroupShift& g) {
  Json j = {{"name", g.name}, {"class", g.cls}, {"finished", {g.finished_a, g.finished_b}},
            {"gpu_hours", {round3(g.gpu_hours_a), round3(g.gpu_hours_b)}},
            {"avg_wait_s", {round3(g.wait_a), round3(g.wait_b)}},
            {"credits", {round3(g.credits_a), round3(g.credits_b)}}};
  if (g.name != g.cls || g.ran_out_a >= 0 || g.ran_out_b >= 0)
    j["ran_out_s"] = {round3(g.ran_out_a), round3(g.ran_out_b)};
  return j;
}

}  // namespace

std::string explain_text(const std::vector<VariantRun>& runs) {
  if (runs.size() < 2) return {};
  std::string out = fmt::format("Where the variants part (each against {}):\n", runs.front().label);
  for (std::size_t i = 1; i < runs.size(); ++i)
    text_of(explain(runs.front(), runs[i]), runs.front().credits_on && runs[i].credits_on, out);
  return out;
}

Json explain_json(const std::vector<VariantRun>& runs) {
  Json all = Json::array();
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const Explanation e = explain(runs.front(), runs[i]);
    Json j = {{"base", e.base}, {"variant", e.variant}, {"finished", {e.finished_a, e.finished_b}}};
    for (const char* k : {"classes", "gainers", "losers"}) j[k] = Json::array();
    for (const GroupShift& g : e.classes) j["classes"].push_back(shift_json(g));
    for (const GroupShift& g : e.gainers) j["gainers"].push_back(shift_json(g));
    for (const GroupShift& g : e.losers) j["losers"].push_back(shift_json(g));
    j["mechanisms"] = Json::array();
    for (const Mechanism& m : e.mechanisms) j["mechanisms"].push_back({{"name", m.name}, {"words", m.words}});
    all.push_back(std::move(j));
  }
  return all;
}

}  // namespace hexa
