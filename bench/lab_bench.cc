// A scheduling pass while learners wait on a full lab: the seeds' 25,000 GPUs plus a lab block of
// 256 sliced H100s (1,792 sessions of 1g.10gb running), and `waiting` learners (one tenant each,
// fair share) with a session queued. With `skip` the pass leaves out the full slice class
// (engine/slice_classes.cc); without, it looks at every waiting session. With `slot`, one
// session ends before each pass (and its learner queues another), so the pass starts the
// best-ranked learner and only then finds the lab full: what a pass costs after a session end.
//   build/release/hexa_bench --benchmark_filter=FullLab
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "core/core.h"

namespace hexa {
namespace {

void BM_PassFullLab(benchmark::State& state) {
  const int waiting = static_cast<int>(state.range(0));
  Topology topo = bench::france();
  BlockId lab = *topo.add_block(0, "paris-lab", "H100");
  (void)topo.set_sliced(lab);
  for (int n = 0; n < 32; ++n) (void)topo.add_node(lab, "paris-lab-n" + std::to_string(n), 8);
  SchedulerOptions opt;
  opt.policy = "fair";
  opt.skip_full_classes = state.range(1) != 0;
  auto core = std::move(Core::make(topo, opt)).value();
  (void)core->apply(AddTenant::root("cohort"), 0);
  JobSpec s;
  s.slice = *topo.find_slice("1g.10gb");
  s.time_limit = kHour;
  s.priority = 1;
  s.preemptible = false;
  auto submit = [&](const std::string& tenant, TimeMs now) {
    s.name = tenant + "-session";
    s.tenant = *core->find_tenant(tenant);
    auto fx = core->apply(SubmitJob{s}, now);
    if (!fx.ok() || !std::holds_alternative<JobAccepted>(fx->list.front())) {
      state.SkipWithError(fx.ok() ? std::get<JobRejected>(fx->list.front()).reason.c_str() : fx.status().message().c_str());
      return JobId{0};
    }
    return std::get<JobAccepted>(fx->list.front()).job;
  };
  for (int i = 0; i < 1792 + waiting; ++i) {
    AddTenant t;
    t.name = "learner-" + std::to_string(i);
    t.parent = "cohort";
    if (auto added = core->apply(t, 0); !added.ok()) return state.SkipWithError(added.status().message().c_str());
  }
  for (int i = 0; i < 1792; ++i) submit("learner-" + std::to_string(i), 0);
  (void)core->apply(Schedule{}, 0);  // fills the lab: 7 slices on each of 256 GPUs
  for (int i = 1792; i < 1792 + waiting; ++i) submit("learner-" + std::to_string(i), kMinute);
  TimeMs now = 2 * kMinute;
  long started = 0;
  JobId last = 0;  // a running session, to end before the next pass
  for (const Job& j : core->state().jobs)
    if (j.phase == JobPhase::kRunning) last = j.id;
  for (auto _ : state) {
    if (state.range(2)) {  // a session ends; its learner queues the next one
      state.PauseTiming();
      (void)core->apply(CompleteJob{last, core->job(last).segment}, now);
      submit(core->state().tenants[core->job(last).spec.tenant].name, now);
      state.ResumeTiming();
    }
    auto fx = core->apply(Schedule{}, now);
    for (const Effect& e : fx->list)
      if (const auto* st = std::get_if<JobStarted>(&e)) last = st->job, ++started;
    now += kSecond;
  }
  state.counters["started"] = benchmark::Counter(static_cast<double>(started), benchmark::Counter::kAvgIterations);
  state.counters["waiting"] = static_cast<double>(core->scheduler().pending());
}
BENCHMARK(BM_PassFullLab)
    ->ArgsProduct({{5000}, {0, 1}, {0, 1}})
    ->ArgNames({"waiting", "skip", "slot"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace hexa
