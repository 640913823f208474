#include "sim/scenario_learners.h"

#include <cmath>
#include <map>

#include "sim/yaml_fields.h"

namespace hexa {
namespace {

Status read_date(const YamlMap& m, const char* key, long* day) {
  std::string text;
  if (Status st = m.get(key, &text); !st.ok()) return st;
  if (!m.has(key)) return Status::Invalid(m.path(key) + ": required (a date, YYYY-MM-DD)");
  if (!parse_date(text, day)) return Status::Invalid(m.path(key) + ": must be a date YYYY-MM-DD, got '" + text + "'");
  return Status::Ok();
}

// 24 hourly weights, or (`factor_of` given) one number scaling that day.
Status read_day(const YamlMap& m, const char* key, const double* factor_of, double* out) {
  const YAML::Node n = m.node(key);
  double v = 0;
  if (factor_of && n.IsScalar()) {
    if (!YAML::convert<double>::decode(n, v) || !(v >= 0) || !std::isfinite(v))
      return Status::Invalid(m.path(key) + ": must be a factor >= 0 of the weekday, or 24 hourly weights");
    for (int h = 0; h < 24; ++h) out[h] = factor_of[h] * v;
    return Status::Ok();
  }
  if (!n.IsSequence() || n.size() != 24)
    return Status::Invalid(m.path(key) + ": must be 24 hourly weights (00:00 to 23:00)" +
                           (factor_of ? std::string(", or a factor of the weekday") : std::string()));
  for (std::size_t h = 0; h < 24; ++h) {
    if (!YAML::convert<double>::decode(n[h], v) || !(v >= 0) || !std::isfinite(v))
      return Status::Invalid(m.path(key) + "[" + std::to_string(h) + "]: must be a weight >= 0");
    out[h] = v;
  }
  return Status::Ok();
}

// course_hours: {weekday: [24], saturday: [24] | factor, sunday: [24] | factor} or {week: 7 x [24]}.
Status read_course_hours(const YAML::Node& node, const std::string& where, std::array<double, 168>* week) {
  YamlMap m(node, where);
  if (Status st = m.check({"weekday", "saturday", "sunday", "week"}); !st.ok()) return st;
  if (m.has("week")) {
    if (m.has("weekday") || m.has("saturday") || m.has("sunday"))
      return Status::Invalid(where + ": give either week (7 x 24 weights) or weekday/saturday/sunday");
    const YAML::Node n = m.node("week");
    if (!n.IsSequence() || n.size() != 7)
      return Status::Invalid(m.path("week") + ": must be 7 days (Monday first) of 24 hourly weights");
    for (std::size_t d = 0; d < 7; ++d) {
      YAML::Node wrap;
      wrap["day"] = n[d];
      YamlMap day(wrap, m.path("week") + "[" + std::to_string(d) + "]");
      if (Status st = read_day(day, "day", nullptr, week->data() + 24 * d); !st.ok())
        return Status::Invalid(m.path("week") + "[" + std::to_string(d) + "]: must be 24 hourly weights >= 0");
    }
    return Status::Ok();
  }
  std::array<double, 168> def = default_course_hours();
  double weekday[24], saturday[24], sunday[24];
  for (int h = 0; h < 24; ++h) weekday[h] = def[static_cast<std::size_t>(h)];
  if (m.has("weekday"))
    if (Status st = read_day(m, "weekday", nullptr, weekday); !st.ok()) return st;
  for (int h = 0; h < 24; ++h) saturday[h] = weekday[h] * 0.15, sunday[h] = weekday[h] * 0.08;
  if (m.has("saturday"))
    if (Status st = read_day(m, "saturday", weekday, saturday); !st.ok()) return st;
  if (m.has("sunday"))
    if (Status st = read_day(m, "sunday", weekday, sunday); !st.ok()) return st;
  for (int h = 0; h < 24; ++h) {
    for (int d = 0; d < 5; ++d) (*week)[static_cast<std::size_t>(d * 24 + h)] = weekday[h];
    (*week)[static_cast<std::size_t>(5 * 24 + h)] = saturday[h];
    (*week)[static_cast<std::size_t>(6 * 24 + h)] = sunday[h];
  }
  return Status::Ok();
}

Status read_quotas(const YAML::Node& node, const std::string& where, LearnerQuotas* q) {
  YamlMap m(node, where);
  if (Status st = m.check({"max_running", "max_queued", "lab_hours_per_week"}); !st.ok()) return st;
  long running = q->max_running, queued = q->max_queued;
  for (Status st : {m.get("max_running", &running, -1, 100000), m.get("max_queued", &queued, -1, 100000),
                    m.get("lab_hours_per_week", &q->lab_hours_per_week, -1, 168)})
    if (!st.ok()) return st;
  if (running == 0 || queued == 0)
    return Status::Invalid(where + ": max_running and max_queued must be at least 1 (or -1 for none)");
  q->max_running = static_cast<int>(running);
  q->max_queued = static_cast<int>(queued);
  return Status::Ok();
}

// workshop: {site, week, weekday, start_hour, hours}: every cohort's lab afternoon, booked.
Status read_workshop(const YAML::Node& node, const std::string& where, CohortWorkshop* ws) {
  YamlMap m(node, where);
  if (Status st = m.check({"site", "week", "weekday", "start_hour", "hours"}); !st.ok()) return st;
  long week = ws->week, weekday = ws->weekday;
  for (Status st : {m.get("site", &ws->site), m.get("week", &week, 1, 520), m.get("weekday", &weekday, 0, 6),
                    m.get("start_hour", &ws->start_hour, 0, 23.99), m.get("hours", &ws->hours, 0.01, 24)})
    if (!st.ok()) return st;
  if (ws->site.empty()) return Status::Invalid(m.path("site") + ": required (where the workshop is booked)");
  ws->week = static_cast<int>(week);
  ws->weekday = static_cast<int>(weekday);
  return Status::Ok();
}

Status read_programme(const YAML::Node& node, const std::string& where, SessionProgramme* p) {
  YamlMap m(node, where);
  if (Status st = m.check({"name", "share", "cohort_size", "course_weeks", "sessions_per_week", "session_minutes",
                           "slice", "gpus", "gpu_type", "providers", "priority", "preemptible", "max_gpus", "learner_quotas",
                           "credits_per_learner", "workshop"});
      !st.ok())
    return st;
  long cohort = p->cohort_size, weeks = p->course_weeks, gpus = p->gpus, prio = p->priority, max_gpus = p->max_gpus;
  for (Status st : {m.get("name", &p->name), m.get("share", &p->share, 1e-9, 1e9),
                    m.get("cohort_size", &cohort, 1, 10000), m.get("course_weeks", &weeks, 1, 520),
                    m.get("sessions_per_week", &p->sessions_per_week, 0, 100), m.get("slice", &p->slice),
                    m.get("gpus", &gpus, 1, 1024), m.get("gpu_type", &p->gpu_type), m.get("providers", &p->providers),
                    m.get("priority", &prio, -1000, 1000), m.get("preemptible", &p->preemptible),
                    m.get("max_gpus", &max_gpus, -1, 100000000),
                    m.get("credits_per_learner", &p->credits_per_learner, 0, 1e9)})
    if (!st.ok()) return st;
  if (p->name.empty()) return Status::Invalid(m.path("name") + ": required");
  p->cohort_size = static_cast<int>(cohort);
  p->course_weeks = static_cast<int>(weeks);
  p->gpus = static_cast<int>(gpus);
  p->priority = static_cast<int>(prio);
  p->max_gpus = static_cast<int>(max_gpus);
  if (m.has("session_minutes")) {
    YamlMap s(m.node("session_minutes"), m.path("session_minutes"));
    if (Status st = s.check({"median", "sigma", "min", "max"}); !st.ok()) return st;
    for (Status st : {s.get("median", &p->median_minutes, 0.1, 10080), s.get("sigma", &p->sigma, 0, 5),
                      s.get("min", &p->min_minutes, 0.1, 10080), s.get("max", &p->max_minutes, 0.1, 10080)})
      if (!st.ok()) return st;
    if (p->min_minutes > p->max_minutes) return Status::Invalid(s.label() + ": min must not exceed max");
  }
  if (m.has("learner_quotas"))
    if (Status st = read_quotas(m.node("learner_quotas"), m.path("learner_quotas"), &p->quotas); !st.ok()) return st;
  if (m.has("workshop"))
    if (Status st = read_workshop(m.node("workshop"), m.path("workshop"), &p->workshop); !st.ok()) return st;
  return Status::Ok();
}

}  // namespace

Status read_learners(const YAML::Node& node, const std::string& where, std::uint64_t seed, LearnerWorkload* w,
                     std::string* cls) {
  YamlMap m(node, where);
  if (Status st = m.check({"people", "from", "to", "window_start", "days", "start_target_minutes", "class",
                           "course_hours", "learner_quotas", "programmes"});
      !st.ok())
    return st;
  long days = w->span / kDay;
  double target_min = static_cast<double>(w->start_target) / kMinute;
  for (Status st : {m.get("people", &w->people, 1, 100000000), m.get("days", &days, 1, 3660),
                    m.get("start_target_minutes", &target_min, 0, 10080), m.get("class", cls),
                    read_date(m, "from", &w->from_day), read_date(m, "to", &w->to_day),
                    read_date(m, "window_start", &w->window_day)})
    if (!st.ok()) return st;
  w->span = days * kDay;
  w->start_target = static_cast<DurationMs>(std::llround(target_min * kMinute));
  w->seed = seed;
  if (w->to_day <= w->from_day) return Status::Invalid(m.path("to") + ": must be after from");
  if (w->window_day < w->from_day || w->window_day >= w->to_day)
    return Status::Invalid(m.path("window_start") + ": must fall within [from, to)");
  w->week = default_course_hours();
  if (m.has("course_hours"))
    if (Status st = read_course_hours(m.node("course_hours"), m.path("course_hours"), &w->week); !st.ok()) return st;
  LearnerQuotas quotas;
  if (m.has("learner_quotas"))
    if (Status st = read_quotas(m.node("learner_quotas"), m.path("learner_quotas"), &quotas); !st.ok()) return st;
  const YAML::Node progs = m.node("programmes");
  if (!progs.IsSequence() || progs.size() == 0)
    return Status::Invalid(m.path("programmes") + ": required, a non-empty list of programmes");
  w->programmes.clear();
  for (std::size_t i = 0; i < progs.size(); ++i) {
    SessionProgramme p;
    p.quotas = quotas;  // the block's learner quotas, unless the programme gives its own
    if (Status st = read_programme(progs[i], m.path("programmes") + "[" + std::to_string(i) + "]", &p); !st.ok())
      return st;
    w->programmes.push_back(std::move(p));
  }
  if (Status st = check_learners(*w); !st.ok()) return Status::Invalid(where + "." + st.message());
  return Status::Ok();
}

Result<std::vector<AddGrant>> learner_grants(const LearnerWorkload& w, const LearnerSet& set, const std::string& where) {
  std::map<std::string, const SessionProgramme*> by_name;
  for (const SessionProgramme& p : w.programmes) by_name[p.name] = &p;
  std::vector<AddGrant> out;
  const SessionProgramme* current = nullptr;
  for (const AddTenant& t : set.tenants) {
    if (t.kind == TenantKind::kProgramme) {
      current = by_name.at(t.name);
      if (!(current->credits_per_learner > 0))
        return Status::Invalid(where + ": programme '" + t.name +
                               "': credits_per_learner is required when credits are on (a learner has no other "
                               "money to start a session)");
    }
    if (t.kind != TenantKind::kLearner || current == nullptr) continue;
    AddGrant g;
    g.grant.id = "learner-grant:" + t.name;
    g.grant.tenant = t.name;
    g.grant.programme = current->name;
    g.grant.amount = static_cast<Micro>(std::llround(current->credits_per_learner * 1e6));
    g.grant.start = 0;
    g.grant.expiry = w.span + 365 * kDay;
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace hexa
