// The seeded learner workload: training programmes -> cohorts -> learners, and the short,
// interactive lab sessions the learners open during their course hours. Sized from the
// programme's national target ("1 million people trained by the end of 2027"): cohorts start on
// a staggered calendar over the programme's length; only the cohorts whose course overlaps the
// simulated window become tenants, and only their sessions inside it become jobs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/command.h"
#include "sim/trace.h"

namespace hexa {

// Limits on one learner. max_running / max_queued are the engine's quotas (QuotaSpec); the
// weekly lab hours are the learner's own behaviour, kept by the generator: the booking page
// refuses a session once the week's booked hours are spent (the engine has no per-period GPU-time
// quota; docs/scenario-format.md).
struct LearnerQuotas {
  int max_running = 1;             // -1: none
  int max_queued = -1;             // -1: none
  double lab_hours_per_week = -1;  // booked session hours, Monday to Sunday; < 0: none
};

// Every cohort's lab afternoon: on a day of its course, its learners open sessions together on
// capacity booked for the cohort (an advance reservation of slices, or of whole GPUs).
struct CohortWorkshop {
  std::string site;         // where it is booked; empty: the programme has none
  int week = 1;             // of the course, from 1
  int weekday = 2;          // 0 = Monday
  double start_hour = 14;   // local time
  double hours = 3;
};

struct SessionProgramme {
  std::string name;          // the programme tenant; cohorts are <name>-c0001, learners <cohort>-01
  double share = 1;          // of the people trained (relative to the other programmes)
  int cohort_size = 20;
  int course_weeks = 4;      // a course starts on a Monday and lasts this many weeks
  double sessions_per_week = 2;  // per learner, on average
  // Session lengths: log-normal around the median, clamped; each session is booked for its
  // length rounded up to a quarter hour (its time limit).
  double median_minutes = 45;
  double sigma = 0.4;
  double min_minutes = 10;
  double max_minutes = 180;
  std::string slice;         // a slice profile ("1g.10gb"); empty = whole GPUs
  int gpus = 1;              // whole GPUs; 1 with a slice (a slice job is one slice)
  std::string gpu_type;      // empty: any type
  std::vector<std::string> providers;  // residency: sessions run only on these providers' sites; empty = any
  int priority = 0;
  bool preemptible = false;
  int max_gpus = -1;         // a quota on the whole programme; -1: none
  LearnerQuotas quotas;
  double credits_per_learner = 0;  // a grant per learner when money is on (scenario.cc)
  CohortWorkshop workshop;
};

struct LearnerWorkload {
  long people = 1000000;      // trained over [from_day, to_day)
  long from_day = 0;          // days since 1970-01-01 (civil dates in the scenario)
  long to_day = 0;
  long window_day = 0;        // the simulated window starts here, at local midnight (t = 0)
  DurationMs span = 30 * kDay;
  // Session arrival weights by hour of the week, local time: [0] is Monday 00:00-01:00,
  // [167] Sunday 23:00-24:00.
  std::array<double, 168> week{};
  DurationMs start_target = 5 * kMinute;  // an interactive session should start within this
  std::vector<SessionProgramme> programmes;
  std::uint64_t seed = 1;
};

// Course hours by default: weekdays 08:00-22:00 with a morning and an afternoon peak, a lunch dip
// and lighter evenings; Saturdays at 15% and Sundays at 8% of a weekday.
std::array<double, 168> default_course_hours();
// 0 = Monday ... 6 = Sunday.
int weekday(long day);
// "2025-10-06" -> days since 1970-01-01; false when not a valid date.
bool parse_date(const std::string& text, long* day);

struct LearnerSet {
  std::vector<AddTenant> tenants;  // programme, then its cohorts, each followed by its learners
  Trace trace;                     // sessions, by submit time
  std::vector<AddReservation> workshops;  // cohorts' workshops inside the window, by start
  long cohorts = 0;                // cohorts whose course overlaps the window
  long learners = 0;               // their learners
  long learners_starting = 0;      // learners whose course starts inside the window
  long capped = 0;                 // sessions not booked: over the week's lab hours
};

// Checks the fields; the message names the field and the rule ("programmes[1].cohort_size: ...").
Status check_learners(const LearnerWorkload& w);

// REQUIRES: check_learners(w).ok()
LearnerSet generate_learners(const LearnerWorkload& w);

}  // namespace hexa
