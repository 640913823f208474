#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim/learners.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"
#include "test_files.h"

namespace hexa {
namespace {

long date(const char* text) {
  long d = 0;
  EXPECT_TRUE(parse_date(text, &d)) << text;
  return d;
}

SessionProgramme programme(const char* name, double share, int cohort, int weeks, double per_week) {
  SessionProgramme p;
  p.name = name;
  p.share = share;
  p.cohort_size = cohort;
  p.course_weeks = weeks;
  p.sessions_per_week = per_week;
  p.gpu_type = "H100";
  p.slice = "1g.10gb";
  p.priority = 1;
  p.max_gpus = 500;
  p.quotas = {1, 3, 4};
  return p;
}

LearnerWorkload small() {
  LearnerWorkload w;
  w.people = 100000;
  w.from_day = date("2024-06-01");
  w.to_day = date("2027-12-31");
  w.window_day = date("2025-10-06");  // a Monday
  w.span = 28 * kDay;
  w.week = default_course_hours();
  w.programmes = {programme("france-travail", 3, 20, 2, 2), programme("genIAles", 1, 25, 6, 3)};
  w.seed = 11;
  return w;
}

TEST(LearnersTest, Dates) {
  EXPECT_EQ(date("1970-01-01"), 0);
  EXPECT_EQ(date("2025-10-06") - date("2024-06-01"), 492);
  EXPECT_EQ(weekday(date("2025-10-06")), 0);  // Monday
  EXPECT_EQ(weekday(date("2025-10-12")), 6);  // Sunday
  EXPECT_EQ(weekday(date("2024-02-29")), 3);  // Thursday
  long d = 0;
  for (const char* bad : {"2025-02-29", "2025-13-01", "2025-1-01", "yesterday", "2025-10-06x", "1960-01-01"})
    EXPECT_FALSE(parse_date(bad, &d)) << bad;
}

TEST(LearnersTest, SameSeedSameSessionsOtherSeedOthers) {
  auto key = [](const LearnerSet& s) {
    std::string k;
    for (const TraceJob& j : s.trace.jobs)
      k += j.id + j.tenant + std::to_string(j.submit) + "/" + std::to_string(j.duration) + ";";
    return k;
  };
  LearnerWorkload w = small();
  std::string a = key(generate_learners(w));
  EXPECT_EQ(a, key(generate_learners(w)));
  w.seed = 12;
  EXPECT_NE(a, key(generate_learners(w)));
}

TEST(LearnersTest, SessionsAreWellFormedAndSorted) {
  LearnerWorkload w = small();
  LearnerSet s = generate_learners(w);
  ASSERT_GT(s.trace.jobs.size(), 1000u);
  for (std::size_t i = 0; i < s.trace.jobs.size(); ++i) {
    const TraceJob& j = s.trace.jobs[i];
    ASSERT_GE(j.submit, 0);
    ASSERT_LT(j.submit, w.span);
    if (i > 0) {
      ASSERT_LE(s.trace.jobs[i - 1].submit, j.submit);
    }
    EXPECT_EQ(j.id, "session-" + std::to_string(i + 1));
    EXPECT_GE(j.duration, 10 * kMinute - kSecond);
    EXPECT_LE(j.duration, 180 * kMinute);
    EXPECT_GE(j.time_limit, j.duration) << "booked for at least its length";
    EXPECT_LT(j.time_limit - j.duration, 15 * kMinute);
    EXPECT_EQ(j.time_limit % (15 * kMinute), 0);
    EXPECT_EQ(j.start_target, 5 * kMinute);
    EXPECT_EQ(j.slice, "1g.10gb");
    EXPECT_EQ(j.priority, 1);
    EXPECT_FALSE(j.preemptible);
    EXPECT_EQ(j.gpu_types, std::vector<std::string>{"H100"});
  }
}

TEST(LearnersTest, CourseHoursShapeTheWeek) {
  LearnerWorkload w = small();
  LearnerSet s = generate_learners(w);
  std::map<int, long> by_hour;  // hour of the week, Monday 00:00 = 0
  for (const TraceJob& j : s.trace.jobs)
    ++by_hour[static_cast<int>((weekday(w.window_day) * kDay + j.submit) % (7 * kDay) / kHour)];
  const long tuesday_10 = by_hour[24 + 10], tuesday_03 = by_hour[24 + 3];
  long sunday = 0, tuesday = 0;
  for (int h = 0; h < 24; ++h) sunday += by_hour[6 * 24 + h], tuesday += by_hour[24 + h];
  EXPECT_GT(tuesday_10, 100);
  EXPECT_GT(tuesday_10, 20 * std::max(1L, tuesday_03)) << tuesday_10 << " vs " << tuesday_03;
  EXPECT_GT(tuesday_10, 8 * by_hour[6 * 24 + 10]) << "Sunday morning is quiet";
  EXPECT_GT(tuesday, 8 * sunday) << tuesday << " vs " << sunday;
  EXPECT_GT(by_hour[24 + 20], 3 * std::max(1L, tuesday_03)) << "evenings lighter, not empty";
}

TEST(LearnersTest, ScalesWithThePeopleTrainedAndTheWindow) {
  LearnerWorkload w = small();
  const double length = static_cast<double>(w.to_day - w.from_day);
  const double window = static_cast<double>(w.span / kDay);
  LearnerSet s = generate_learners(w);
  // Learners starting in the window ~ people x window / length (the courses must end by `to`:
  // slightly more per day than people / length).
  const double expected = static_cast<double>(w.people) * window / length;
  EXPECT_GT(static_cast<double>(s.learners_starting), expected * 0.95);
  EXPECT_LT(static_cast<double>(s.learners_starting), expected * 1.15);
  // All learners whose course overlaps the window: people_p x (window + course) / length.
  const double overlap = 75000 * (window + 14) / length + 25000 * (window + 42) / length;
  EXPECT_NEAR(static_cast<double>(s.learners), overlap, overlap * 0.15);
  // Twice the people, twice the learners and sessions.
  w.people *= 2;
  LearnerSet twice = generate_learners(w);
  EXPECT_NEAR(static_cast<double>(twice.learners), 2.0 * static_cast<double>(s.learners), 0.05 * static_cast<double>(s.learners));
  EXPECT_NEAR(static_cast<double>(twice.trace.jobs.size()), 2.0 * static_cast<double>(s.trace.jobs.size()),
              0.1 * static_cast<double>(s.trace.jobs.size()));
}

TEST(LearnersTest, TenantTreeIsProgrammeCohortLearner) {
  LearnerSet s = generate_learners(small());
  std::map<std::string, const AddTenant*> by_name;
  long learners = 0, cohorts = 0, programmes = 0;
  for (const AddTenant& t : s.tenants) {
    ASSERT_TRUE(t.kind.has_value());
    if (*t.kind == TenantKind::kProgramme) {
      ++programmes;
      EXPECT_EQ(t.parent, "");
      ASSERT_EQ(t.quotas.size(), 1u);
      EXPECT_EQ(t.quotas[0].max_gpus, 500);
    } else {
      ASSERT_TRUE(by_name.contains(t.parent)) << t.name << ": parents first";
      TenantKind parent = *by_name[t.parent]->kind;
      EXPECT_EQ(parent, *t.kind == TenantKind::kCohort ? TenantKind::kProgramme : TenantKind::kCohort) << t.name;
      if (*t.kind == TenantKind::kCohort) ++cohorts;
      if (*t.kind == TenantKind::kLearner) {
        ++learners;
        ASSERT_EQ(t.quotas.size(), 1u);
        EXPECT_EQ(t.quotas[0].max_running, 1);
        EXPECT_EQ(t.quotas[0].max_queued, 3);
        EXPECT_EQ(t.quotas[0].max_gpus, -1);
      }
    }
    EXPECT_TRUE(by_name.emplace(t.name, &t).second) << t.name << " twice";
  }
  EXPECT_EQ(programmes, 2);
  EXPECT_EQ(cohorts, s.cohorts);
  EXPECT_EQ(learners, s.learners);
  for (const TraceJob& j : s.trace.jobs) {
    ASSERT_TRUE(by_name.contains(j.tenant));
    EXPECT_EQ(*by_name[j.tenant]->kind, TenantKind::kLearner);
  }
  EXPECT_TRUE(by_name.contains("france-travail-c0001") || s.tenants[1].name.starts_with("france-travail-c"));
}

TEST(LearnersTest, WeeklyLabHoursAndOneBookingAtATime) {
  LearnerWorkload w = small();
  for (SessionProgramme& p : w.programmes) p.sessions_per_week = 8, p.quotas.lab_hours_per_week = 3;
  LearnerSet s = generate_learners(w);
  EXPECT_GT(s.capped, 0) << "8 sessions a week do not fit in 3 hours";
  std::map<std::pair<std::string, long>, DurationMs> booked;  // (learner, week) -> booked time
  std::map<std::string, TimeMs> busy_until;
  for (const TraceJob& j : s.trace.jobs) {
    booked[{j.tenant, j.submit / (7 * kDay)}] += j.time_limit;  // the window starts on a Monday
    auto [it, fresh] = busy_until.emplace(j.tenant, 0);
    if (!fresh) {
      EXPECT_GE(j.submit, it->second) << j.id << ": a second session inside the booking of the first";
    }
    it->second = j.submit + j.time_limit;
  }
  for (const auto& [key, ms] : booked) EXPECT_LE(ms, 3 * kHour) << key.first << " week " << key.second;
}

TEST(LearnersTest, BadFieldsAreNamed) {
  LearnerWorkload w = small();
  w.programmes[1].cohort_size = 0;
  EXPECT_EQ(check_learners(w).message(), "programmes[1].cohort_size: must be between 1 and 10000");
  w = small();
  w.window_day = w.to_day;
  EXPECT_EQ(check_learners(w).message(), "window_start: must fall within [from, to)");
  w = small();
  w.week.fill(0);
  EXPECT_EQ(check_learners(w).message(), "course_hours: some hour of the week must have a weight above 0");
  w = small();
  w.programmes[0].name = "genIAles";
  EXPECT_EQ(check_learners(w).message(), "programmes[1].name: 'genIAles' given twice");
  w = small();
  w.programmes[0].course_weeks = 400;
  EXPECT_NE(check_learners(w).message().find("programmes[0].course_weeks"), std::string::npos);
}

TEST(LearnersTest, CohortWorkshopsBookSlicesAndSeatEveryLearner) {
  LearnerWorkload w = small();
  w.programmes[1].workshop = {"paris", 1, 2, 14, 3};  // genIAles: Wednesday of week 1, 14:00-17:00
  LearnerSet set = generate_learners(w);
  ASSERT_FALSE(set.workshops.empty());
  std::map<std::string, const AddReservation*> by_cohort;
  for (const AddReservation& r : set.workshops) {
    by_cohort[r.tenant] = &r;
    EXPECT_EQ(r.name, r.tenant + "-workshop");
    EXPECT_TRUE(r.tenant.starts_with("genIAles-c")) << "france-travail has no workshop";
    EXPECT_EQ(r.site, "paris");
    EXPECT_EQ(r.gpu_type, "H100");
    EXPECT_EQ(r.slice, "1g.10gb");
    EXPECT_GE(r.from, 0);
    EXPECT_LE(r.to, w.span);
    EXPECT_EQ(r.to - r.from, 3 * kHour);
    EXPECT_EQ(r.from % kDay, 14 * kHour);
    EXPECT_EQ(weekday(w.window_day + r.from / kDay), 2) << "a Wednesday";
  }
  std::map<std::string, int> seats, in_workshop;  // by cohort
  for (const AddTenant& t : set.tenants)
    if (t.kind == TenantKind::kLearner && by_cohort.count(t.parent)) ++seats[t.parent];
  for (const TraceJob& j : set.trace.jobs) {
    const std::string cohort = j.tenant.substr(0, j.tenant.rfind('-'));
    auto it = by_cohort.find(cohort);
    if (it == by_cohort.end()) continue;
    const AddReservation& r = *it->second;
    EXPECT_FALSE(j.submit < r.to && r.from < j.submit + j.time_limit && j.submit >= r.from + 10 * kMinute)
        << j.tenant << ": a session of its own overlaps the workshop";
    if (j.submit >= r.from && j.submit < r.from + 10 * kMinute) {
      ++in_workshop[cohort];
      EXPECT_EQ(j.submit + j.time_limit, r.to) << "booked to the workshop's end";
      EXPECT_LE(j.duration, j.time_limit);
    }
  }
  for (const auto& [cohort, r] : by_cohort) {
    EXPECT_EQ(r->slices, seats[cohort]) << cohort << ": a slice per learner";
    EXPECT_EQ(in_workshop[cohort], seats[cohort]) << cohort << ": every learner comes";
  }
  EXPECT_NE(set.trace.notes.back().find(std::to_string(set.workshops.size()) + " cohort workshops"), std::string::npos)
      << set.trace.notes.back();

  w.programmes[1].workshop.week = 7;
  EXPECT_EQ(check_learners(w).message(), "programmes[1].workshop.week: must be a week of the course (1..6)");
  w.programmes[1].workshop.week = 1;
  w.programmes[1].gpu_type.clear();
  EXPECT_EQ(check_learners(w).message(), "programmes[1].workshop: needs the programme's gpu_type (what it books)");
}

// ---- the scenario's learners: block ----

const char* kScenario = R"(name: lab
seed: 5
cluster: 2x8
scheduler: {policy: fair}
learners:
  people: 20000
  from: 2024-06-01
  to: 2027-12-31
  window_start: 2025-10-06
  days: 7
  start_target_minutes: 5
  learner_quotas: {max_running: 1, max_queued: 4, lab_hours_per_week: 6}
  course_hours:
    weekday: [0, 0, 0, 0, 0, 0, 0, 0.1, 0.5, 1, 1.5, 1.5, 0.5, 1, 1.5, 1.2, 1, 0.6, 0.3, 0.3, 0.3, 0.2, 0, 0]
    saturday: 0.2
    sunday: 0
  programmes:
    - {name: france-travail, share: 3, cohort_size: 20, course_weeks: 2, sessions_per_week: 3,
       session_minutes: {median: 40, sigma: 0.4, min: 15, max: 120}, max_gpus: 12}
    - {name: genIAles, share: 1, cohort_size: 25, course_weeks: 6, sessions_per_week: 3, priority: 1,
       providers: [default], learner_quotas: {max_running: 1}}
)";

TEST(LearnersScenarioTest, BlockIsReadAndSessionsRunWithinQuotas) {
  auto sc = load_scenario(testing::write("s.yaml", kScenario), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  ASSERT_GT(sc->trace.jobs.size(), 200u);
  EXPECT_EQ(sc->options.classes.at("france-travail"), "training");
  EXPECT_EQ(sc->options.classes.at("genIAles"), "training");
  int with_queue_quota = 0;
  for (const AddTenant& t : sc->options.tenants)
    if (t.kind == TenantKind::kLearner) {
      ASSERT_EQ(t.quotas.size(), 1u);
      EXPECT_EQ(t.quotas[0].max_running, 1);
      with_queue_quota += t.quotas[0].max_queued == 4 ? 1 : 0;
    }
  EXPECT_GT(with_queue_quota, 0);
  int sunday = 0;
  for (const TraceJob& j : sc->trace.jobs) sunday += j.submit >= 6 * kDay ? 1 : 0;
  for (const TraceJob& j : sc->trace.jobs)
    EXPECT_EQ(j.providers, j.tenant.starts_with("genIAles") ? std::vector<std::string>{"default"}
                                                            : std::vector<std::string>{});
  EXPECT_EQ(sunday, 0) << "no course hours on Sunday";

  SimOptions opt = sc->options;
  int worst_learner = 0, worst_programme = 0;
  long passes = 0;
  opt.after_pass = [&](const Core& core, TimeMs) {
    ++passes;
    for (const Tenant& t : core.state().tenants) {
      if (t.kind == TenantKind::kLearner) worst_learner = std::max(worst_learner, t.sub_running);
      if (t.name == "france-travail")
        for (int g : t.sub_gpus) worst_programme = std::max(worst_programme, g);
    }
  };
  auto r = simulate(*sc->topology, sc->trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(passes, 100);
  EXPECT_EQ(worst_learner, 1) << "a learner runs one session at a time";
  EXPECT_LE(worst_programme, 12);
  long done = 0;
  for (const JobRecord& rec : r->jobs) {
    EXPECT_EQ(rec.start_target, 5 * kMinute);
    EXPECT_EQ(rec.cls, "training");
    done += rec.state == "finished" || rec.state == "timeout" ? 1 : 0;
  }
  EXPECT_GT(done, static_cast<long>(r->jobs.size()) * 9 / 10);
}

TEST(LearnersScenarioTest, StartupsAndLearnersInOneRun) {
  std::string text = kScenario;
  text += "workload:\n  startups: {tenants: 5, days: 7, load: 0.3, gang_sizes: {1: 1, 2: 1}}\n";
  auto sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  std::set<std::string> kinds;
  for (std::size_t i = 0; i < sc->trace.jobs.size(); ++i) {
    const TraceJob& j = sc->trace.jobs[i];
    kinds.insert(j.id.substr(0, j.id.find('-')));
    if (i > 0) {
      ASSERT_LE(sc->trace.jobs[i - 1].submit, j.submit);
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"job", "session"}));
  EXPECT_EQ(sc->trace.notes.size(), 2u);
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  ASSERT_TRUE(r.ok()) << r.status().message();
}

TEST(LearnersScenarioTest, BadValuesNameThePathAndTheRule) {
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"people: 20000", "people: 0", "s.yaml: learners.people (line 6): must be an integer between 1 and 100000000"},
      {"from: 2024-06-01", "from: 2024-06-31", "s.yaml: learners.from: must be a date YYYY-MM-DD, got '2024-06-31'"},
      {"window_start: 2025-10-06", "window_start: 2023-10-06", "s.yaml: learners.window_start: must fall within [from, to)"},
      {"sunday: 0", "sunday: [1, 2]", "s.yaml: learners.course_hours.sunday: must be 24 hourly weights"},
      {"cohort_size: 20", "cohort_size: 0", "s.yaml: learners.programmes[0].cohort_size (line"},
      {"share: 3", "shares: 3", "s.yaml: learners.programmes[0]: unknown key 'shares'"},
      {"max_queued: 4", "max_queued: 0", "s.yaml: learners.learner_quotas: max_running and max_queued must be at least 1"},
      {"median: 40", "median: -4", "s.yaml: learners.programmes[0].session_minutes.median"},
      {"name: genIAles", "name: france-travail", "s.yaml: learners.programmes[1].name: 'france-travail' given twice"},
      {"max_gpus: 12}", "max_gpus: 12, slice: 1g.10gb}", "s.yaml: learners.programmes[0].slice: no block of the cluster is sliced"},
      {"max_gpus: 12}", "max_gpus: 12, slice: 9g.1tb}", "s.yaml: learners.programmes[0].slice: unknown slice profile '9g.1tb'"},
      {"providers: [default]", "providers: [aws]", "s.yaml: learners.programmes[1].providers: no site is run by 'aws'"},
  };
  for (const Case& c : cases) {
    std::string text = kScenario;
    ASSERT_NE(text.find(c.from), std::string::npos) << c.from;
    text.replace(text.find(c.from), c.from.size(), c.to);
    auto sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
    ASSERT_FALSE(sc.ok()) << c.to;
    EXPECT_NE(sc.status().message().find(c.message), std::string::npos) << sc.status().message();
  }
  // A learner tenant clashing with a declared one is named.
  std::string clash = kScenario;
  clash += "tenants:\n  - {name: genIAles, kind: programme}\n";
  auto sc = load_scenario(testing::write("s.yaml", clash), std::nullopt);
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("s.yaml: learners: tenant 'genIAles': declared twice"), std::string::npos)
      << sc.status().message();
}

// kScenario on a site "lab": a node of 8 whole H100s and `nodes` nodes of `gpus` sliced ones;
// france-travail's sessions on 1g.10gb slices (and `extra` fields), genIAles' on 3g.40gb.
std::string on_slices(int nodes, int gpus, const std::string& extra = "") {
  std::string text = kScenario;
  text.replace(text.find("cluster: 2x8"), 12, R"(cluster:
  sites:
    - name: lab
      blocks:
        - {count: 1, nodes: 1, gpus_per_node: 8, gpu_type: H100}
        - {count: 1, nodes: )" + std::to_string(nodes) + ", gpus_per_node: " + std::to_string(gpus) +
                                                   ", gpu_type: H100, slices: mig}");
  text.replace(text.find("max_gpus: 12}"), 13, "slice: 1g.10gb" + extra + "}");
  text.replace(text.find("priority: 1,"), 12, "priority: 1, slice: 3g.40gb,");
  return text;
}

TEST(LearnersScenarioTest, SessionsOnSlices) {
  std::string text = on_slices(1, 2);
  auto sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  SimOptions opt = sc->options;
  int worst_learner = 0;
  opt.after_pass = [&](const Core& core, TimeMs) {
    for (const Tenant& t : core.state().tenants)
      if (t.kind == TenantKind::kLearner) worst_learner = std::max(worst_learner, t.sub_running);
  };
  auto r = simulate(*sc->topology, sc->trace, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(worst_learner, 1);
  long done = 0;
  for (const JobRecord& rec : r->jobs) done += rec.state == "finished" || rec.state == "timeout" ? 1 : 0;
  EXPECT_GT(done, static_cast<long>(r->jobs.size()) * 9 / 10) << "two sliced GPUs serve the lab";
}

// Cohorts' lab afternoons through the whole path: booked as slice reservations, used by the
// cohort's learners, who all start at once while the rest of the lab serves other sessions.
TEST(LearnersScenarioTest, CohortWorkshopsOnSlices) {
  std::string text =
      on_slices(4, 8, ", gpu_type: H100,\n       workshop: {site: lab, week: 1, weekday: 2, start_hour: 14, hours: 3}");
  auto sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  long booked = 0;
  for (const Command& c : sc->options.setup) booked += std::holds_alternative<AddReservation>(c);
  ASSERT_GT(booked, 0);
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(static_cast<long>(r->reservations.size()), booked);
  for (const auto& f : r->reservations) {
    EXPECT_EQ(f.slice, "1g.10gb");
    EXPECT_EQ(f.gpus, (f.slices + 6) / 7);
    EXPECT_GT(f.used, 0) << f.name;
    EXPECT_LE(f.used, f.reserved);
  }
  std::string json = report_json(*r, compute_metrics(*r), 0).dump();
  EXPECT_NE(json.find(R"("slices":{"profile":"1g.10gb","count":20})"), std::string::npos);

  text.replace(text.find("week: 1, weekday"), 7, "week: 3");
  auto bad = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().message().ends_with(
      "s.yaml: learners.programmes[0].workshop.week: must be a week of the course (1..2)"))
      << bad.status().message();
}

TEST(LearnersScenarioTest, MoneyOnNeedsCreditsPerLearner) {
  std::string text = kScenario;
  text += "credits:\n  prices: [{gpu_type: gpu, credits_per_gpu_hour: 2, priorities: [0, 1]}]\n";
  auto sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("s.yaml: learners: programme 'france-travail': credits_per_learner is required"),
            std::string::npos)
      << sc.status().message();
  text.replace(text.find("max_gpus: 12"), 12, "max_gpus: 12, credits_per_learner: 20");
  text.replace(text.find("priority: 1,"), 12, "priority: 1, credits_per_learner: 40,");
  sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  long grants = 0;
  for (const Command& c : sc->options.setup) grants += std::holds_alternative<AddGrant>(c) ? 1 : 0;
  long learners = 0;
  for (const AddTenant& t : sc->options.tenants) learners += t.kind == TenantKind::kLearner ? 1 : 0;
  EXPECT_EQ(grants, learners);
  auto r = simulate(*sc->topology, sc->trace, sc->options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  long done = 0;
  for (const JobRecord& rec : r->jobs) done += rec.state == "finished" || rec.state == "timeout" ? 1 : 0;
  EXPECT_GT(done, static_cast<long>(r->jobs.size()) * 9 / 10) << "learners pay from their grants";

  // With start-ups too: start-up grants go to the start-ups only.
  text += "  startup_grants: {programme: genai-studio, median_credits: 100, sigma: 0.5}\n";
  text += "workload:\n  startups: {tenants: 5, days: 7, load: 0.3, gang_sizes: {1: 1, 2: 1}}\n";
  sc = load_scenario(testing::write("s.yaml", text), std::nullopt);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  long startup_grants = 0, learner_grants = 0;
  for (const Command& c : sc->options.setup)
    if (auto* g = std::get_if<AddGrant>(&c)) {
      const bool startup = g->grant.id.starts_with("startup-grant:");
      startup_grants += startup ? 1 : 0;
      learner_grants += g->grant.id.starts_with("learner-grant:") ? 1 : 0;
      EXPECT_EQ(startup, g->grant.tenant.starts_with("startup-")) << g->grant.id;
    }
  EXPECT_EQ(learner_grants, learners);
  EXPECT_GE(startup_grants, 1);
  EXPECT_LE(startup_grants, 5);
}

}  // namespace
}  // namespace hexa
