#include "sim/learners.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>

#include "sim/rng.h"

namespace hexa {
namespace {

// Draws an index with probability proportional to its weight (cumulative table).
int pick(Rng& rng, const std::vector<double>& cumulative) {
  double u = rng.uniform() * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
  return static_cast<int>(std::min<std::ptrdiff_t>(it - cumulative.begin(), std::ssize(cumulative) - 1));
}

std::string numbered(const std::string& prefix, long k, int width) {
  std::string digits = std::to_string(k);
  if (std::ssize(digits) < width) digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  return prefix + digits;
}

int digits(long n) {
  int d = 1;
  for (; n >= 10; n /= 10) ++d;
  return d;
}

// Each cohort draws from its own stream: changing one programme leaves the others' sessions be.
std::uint64_t cohort_seed(std::uint64_t seed, std::size_t programme, long cohort) {
  return seed ^ 0x6c6561726e657273ULL ^ (static_cast<std::uint64_t>(programme) << 40) ^
         static_cast<std::uint64_t>(cohort) * 0x9e3779b97f4a7c15ULL;
}

struct Context {
  const LearnerWorkload& w;
  std::vector<double> week_cum;
  LearnerSet* out;
};

TraceJob session(const LearnerWorkload& w, const SessionProgramme& p, const std::string& learner, TimeMs at,
                 DurationMs duration, DurationMs limit) {
  TraceJob j;
  j.tenant = learner;
  j.submit = at;
  j.gpus = p.gpus;
  if (!p.gpu_type.empty()) j.gpu_types = {p.gpu_type};
  j.providers = p.providers;
  j.duration = duration;
  j.time_limit = limit;
  j.priority = p.priority;
  j.preemptible = p.preemptible;
  j.slice = p.slice;
  j.start_target = w.start_target;
  return j;
}

// The cohort's workshop window, when it lies inside the simulated window; {0, 0} otherwise.
std::pair<TimeMs, TimeMs> workshop_window(const LearnerWorkload& w, const SessionProgramme& p, long course_day) {
  if (p.workshop.site.empty()) return {0, 0};
  const long day = course_day + 7L * (p.workshop.week - 1) + p.workshop.weekday - w.window_day;
  const TimeMs from = day * kDay + std::llround(p.workshop.start_hour * static_cast<double>(kHour));
  const TimeMs to = from + std::llround(p.workshop.hours * static_cast<double>(kHour));
  if (from < 0 || to > w.span) return {0, 0};
  return {from, to};
}

// One learner's sessions over the weeks of its course that overlap the window; none that
// would overlap its cohort's workshop [busy_from, busy_to) (it is in the workshop then).
void learner_sessions(Context& cx, const SessionProgramme& p, const std::string& learner, long course_day, Rng& rng,
                      TimeMs busy_from, TimeMs busy_to) {
  const LearnerWorkload& w = cx.w;
  const double activity = 0.5 + rng.uniform();  // this learner's zeal: 0.5x to 1.5x the programme's rate
  const double min_ms = p.min_minutes * kMinute, max_ms = p.max_minutes * kMinute;
  TimeMs busy_until = std::numeric_limits<TimeMs>::min();
  for (int week = 0; week < p.course_weeks; ++week) {
    const TimeMs week0 = (course_day + 7L * week - w.window_day) * kDay;
    if (week0 + 7 * kDay <= 0 || week0 >= w.span) continue;
    const double mean = p.sessions_per_week * activity;
    int count = static_cast<int>(mean);
    if (rng.uniform() < mean - count) ++count;
    std::vector<int> hours;  // distinct hours of the week
    for (int c = 0; c < count; ++c) {
      int h = pick(rng, cx.week_cum);
      for (int retry = 0; retry < 8 && std::find(hours.begin(), hours.end(), h) != hours.end(); ++retry)
        h = pick(rng, cx.week_cum);
      hours.push_back(h);
    }
    std::sort(hours.begin(), hours.end());
    double booked_hours = 0;
    for (int h : hours) {
      const auto second = static_cast<TimeMs>(rng.below(3600));
      // A learner opens one session at a time: the next one starts after the last booking.
      const TimeMs at = std::max(week0 + h * kHour + second * kSecond, busy_until);
      const double d = std::clamp(rng.lognormal(p.median_minutes * kMinute, p.sigma), min_ms, max_ms);
      const DurationMs duration = static_cast<DurationMs>(d / 1000) * 1000;  // whole seconds
      const DurationMs limit = (duration + 15 * kMinute - 1) / (15 * kMinute) * (15 * kMinute);
      const double hours_booked = static_cast<double>(limit) / kHour;
      if (at < busy_to && busy_from < at + limit) continue;  // in its cohort's workshop then
      if (p.quotas.lab_hours_per_week >= 0 && booked_hours + hours_booked > p.quotas.lab_hours_per_week + 1e-9) {
        if (at >= 0 && at < w.span) ++cx.out->capped;
        continue;
      }
      booked_hours += hours_booked;
      busy_until = at + limit;
      if (at < 0 || at >= w.span) continue;  // before or after the window
      cx.out->trace.jobs.push_back(session(w, p, learner, at, duration, limit));
    }
  }
}

// The learners arrive over the workshop's first 10 minutes, book to its end and stay for most
// of it (leaving up to 30 minutes early).
void workshop_sessions(Context& cx, const SessionProgramme& p, const std::string& learner, TimeMs from, TimeMs to,
                       Rng& rng) {
  const TimeMs at = from + static_cast<TimeMs>(rng.below(600)) * kSecond;
  const DurationMs early = static_cast<DurationMs>(rng.below(1800)) * kSecond;
  const DurationMs limit = to - at;
  cx.out->trace.jobs.push_back(session(cx.w, p, learner, at, std::max<DurationMs>(kMinute, limit - early), limit));
}

AddTenant tenant(std::string name, std::string parent, TenantKind kind) {
  AddTenant t;
  t.name = std::move(name);
  t.parent = std::move(parent);
  t.kind = kind;
  return t;
}

}  // namespace

std::array<double, 168> default_course_hours() {
  // 00 .. 23h: night, a morning peak at 10-12, a lunch dip, an afternoon peak, lighter evenings.
  const double day[24] = {0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.08, 0.4, 1.0, 1.6, 1.5,
                          0.6,  1.0,  1.4,  1.3,  1.1,  0.8,  0.4,  0.35, 0.35, 0.25, 0.1, 0.03};
  std::array<double, 168> week{};
  for (int d = 0; d < 7; ++d)
    for (int h = 0; h < 24; ++h) week[static_cast<std::size_t>(d * 24 + h)] = day[h] * (d == 5 ? 0.15 : d == 6 ? 0.08 : 1.0);
  return week;
}

int weekday(long day) { return static_cast<int>(((day + 3) % 7 + 7) % 7); }  // 1970-01-01 was a Thursday

bool parse_date(const std::string& text, long* day) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
  static const int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1] || (m == 2 && d == 29 && !leap)) return false;
  // Days from civil (H. Hinnant's algorithm).
  y -= m <= 2;
  const long era = y / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *day = era * 146097 + doe - 719468;
  return true;
}

Status check_learners(const LearnerWorkload& w) {
  if (w.people < 1 || w.people > 100000000) return Status::Invalid("people: must be between 1 and 100000000");
  if (w.to_day <= w.from_day) return Status::Invalid("to: must be after from");
  if (w.window_day < w.from_day || w.window_day >= w.to_day)
    return Status::Invalid("window_start: must fall within [from, to)");
  if (w.span < kHour) return Status::Invalid("days: the window must be at least one hour");
  double total = 0;
  for (double x : w.week) {
    if (!(x >= 0) || !std::isfinite(x)) return Status::Invalid("course_hours: weights must be numbers >= 0");
    total += x;
  }
  if (!(total > 0)) return Status::Invalid("course_hours: some hour of the week must have a weight above 0");
  if (w.start_target < 0) return Status::Invalid("start_target_minutes: must be >= 0");
  if (w.programmes.empty()) return Status::Invalid("programmes: must not be empty");
  for (std::size_t i = 0; i < w.programmes.size(); ++i) {
    const SessionProgramme& p = w.programmes[i];
    const std::string at = "programmes[" + std::to_string(i) + "].";
    if (p.name.empty()) return Status::Invalid(at + "name: must not be empty");
    for (std::size_t k = 0; k < i; ++k)
      if (w.programmes[k].name == p.name) return Status::Invalid(at + "name: '" + p.name + "' given twice");
    if (!(p.share > 0)) return Status::Invalid(at + "share: must be > 0");
    if (p.cohort_size < 1 || p.cohort_size > 10000) return Status::Invalid(at + "cohort_size: must be between 1 and 10000");
    if (p.course_weeks < 1 || 7L * p.course_weeks >= w.to_day - w.from_day)
      return Status::Invalid(at + "course_weeks: must be at least 1 and shorter than the programme (from .. to)");
    if (!(p.sessions_per_week >= 0) || p.sessions_per_week > 100)
      return Status::Invalid(at + "sessions_per_week: must be between 0 and 100");
    if (!(p.median_minutes > 0) || !(p.sigma >= 0) || !(p.min_minutes > 0) || !(p.max_minutes >= p.min_minutes))
      return Status::Invalid(at + "session_minutes: need median > 0, sigma >= 0, 0 < min <= max");
    if (p.gpus < 1) return Status::Invalid(at + "gpus: must be at least 1");
    if (!p.slice.empty() && p.gpus != 1) return Status::Invalid(at + "gpus: a slice session takes one slice (gpus: 1)");
    if (p.quotas.max_running == 0) return Status::Invalid(at + "learner_quotas.max_running: 0 would never run a session");
    if (p.quotas.max_queued == 0) return Status::Invalid(at + "learner_quotas.max_queued: 0 would refuse every session");
    if (p.quotas.lab_hours_per_week >= 0 && p.quotas.lab_hours_per_week * 60 < p.min_minutes)
      return Status::Invalid(at + "learner_quotas.lab_hours_per_week: shorter than the shortest session");
    if (!(p.credits_per_learner >= 0)) return Status::Invalid(at + "credits_per_learner: must be >= 0");
    if (const CohortWorkshop& ws = p.workshop; !ws.site.empty()) {
      if (ws.week < 1 || ws.week > p.course_weeks)
        return Status::Invalid(at + "workshop.week: must be a week of the course (1.." + std::to_string(p.course_weeks) + ")");
      if (ws.weekday < 0 || ws.weekday > 6) return Status::Invalid(at + "workshop.weekday: must be 0 (Monday) to 6");
      if (!(ws.start_hour >= 0 && ws.start_hour < 24)) return Status::Invalid(at + "workshop.start_hour: must be 0 to 24");
      if (!(ws.hours > 0 && ws.hours <= 24)) return Status::Invalid(at + "workshop.hours: must be above 0 and at most 24");
      if (p.gpu_type.empty()) return Status::Invalid(at + "workshop: needs the programme's gpu_type (what it books)");
    }
  }
  return Status::Ok();
}

LearnerSet generate_learners(const LearnerWorkload& w) {
  LearnerSet out;
  Context cx{w, {}, &out};
  for (double x : w.week) cx.week_cum.push_back((cx.week_cum.empty() ? 0 : cx.week_cum.back()) + x);
  double total_share = 0;
  for (const SessionProgramme& p : w.programmes) total_share += p.share;
  const long length = w.to_day - w.from_day;
  const long window_end = w.window_day + (w.span + kDay - 1) / kDay;
  for (std::size_t pi = 0; pi < w.programmes.size(); ++pi) {
    const SessionProgramme& p = w.programmes[pi];
    const long people = std::llround(static_cast<double>(w.people) * p.share / total_share);
    const long course_days = 7L * p.course_weeks;
    const long cohorts = (people + p.cohort_size - 1) / p.cohort_size;
    // Cohort k starts on the first Monday on or after from + k x (length - course) / cohorts,
    // so that every course ends by `to` (give or take the Monday).
    const long spread = length - course_days;
    AddTenant prog = tenant(p.name, "", TenantKind::kProgramme);
    if (p.max_gpus >= 0) prog.quotas.push_back(QuotaSpec{"", p.max_gpus, -1, -1, -1, -1});
    bool declared = false;
    const int cohort_width = std::max(4, digits(cohorts));
    const int learner_width = std::max(2, digits(p.cohort_size));
    for (long k = 0; k < cohorts; ++k) {
      long start = w.from_day + k * spread / cohorts;
      start += (7 - weekday(start)) % 7;
      if (start + course_days <= w.window_day || start >= window_end) continue;
      if (!declared) out.tenants.push_back(prog), declared = true;
      const std::string cohort = numbered(p.name + "-c", k + 1, cohort_width);
      out.tenants.push_back(tenant(cohort, p.name, TenantKind::kCohort));
      ++out.cohorts;
      const long size = std::min<long>(p.cohort_size, people - k * p.cohort_size);
      const bool starting = start >= w.window_day && (start - w.window_day) * kDay < w.span;
      Rng rng(cohort_seed(w.seed, pi, k));
      Rng ws_rng(cohort_seed(w.seed, pi, k) ^ 0x776f726b73686f70ULL);  // "workshop": its own stream
      const auto [ws_from, ws_to] = workshop_window(w, p, start);
      if (ws_to > ws_from) {
        AddReservation r;
        r.name = cohort + "-workshop";
        r.tenant = cohort, r.site = p.workshop.site, r.gpu_type = p.gpu_type;
        const int seats = static_cast<int>(std::min<long>(p.cohort_size, people - k * p.cohort_size));
        if (p.slice.empty()) r.gpus = seats * p.gpus;
        else r.slice = p.slice, r.slices = seats;
        r.from = ws_from, r.to = ws_to;
        out.workshops.push_back(std::move(r));
      }
      for (long l = 0; l < size; ++l) {
        AddTenant learner = tenant(numbered(cohort + "-", l + 1, learner_width), cohort, TenantKind::kLearner);
        if (p.quotas.max_running >= 0 || p.quotas.max_queued >= 0)
          learner.quotas.push_back(QuotaSpec{"", -1, -1, -1, p.quotas.max_running, p.quotas.max_queued});
        learner_sessions(cx, p, learner.name, start, rng, ws_from, ws_to);
        if (ws_to > ws_from) workshop_sessions(cx, p, learner.name, ws_from, ws_to, ws_rng);
        out.tenants.push_back(std::move(learner));
        ++out.learners;
        out.learners_starting += starting ? 1 : 0;
      }
    }
  }
  std::stable_sort(out.workshops.begin(), out.workshops.end(),
                   [](const AddReservation& a, const AddReservation& b) { return a.from < b.from; });
  sort_by_submit(out.trace.jobs);
  for (std::size_t i = 0; i < out.trace.jobs.size(); ++i) out.trace.jobs[i].id = "session-" + std::to_string(i + 1);
  const std::string workshops =
      out.workshops.empty() ? "" : ", " + std::to_string(out.workshops.size()) + " cohort workshops";
  char note[300];
  std::snprintf(note, sizeof note,
                "generated: %zu learner sessions from %ld learners in %ld cohorts (%ld starting in the window%s), "
                "%ld not booked over the weekly lab hours, seed %llu",
                out.trace.jobs.size(), out.learners, out.cohorts, out.learners_starting, workshops.c_str(), out.capped,
                static_cast<unsigned long long>(w.seed));
  out.trace.notes.push_back(note);
  return out;
}

}  // namespace hexa
