// Placement and scheduling-pass benchmarks on the 25,000-GPU France cluster.
//   build/release/hexa_bench --benchmark_filter='Place|Pass'
#include <benchmark/benchmark.h>

#include <deque>

#include "bench_util.h"
#include "core/core.h"
#include "engine/placement.h"

namespace hexa {
namespace {

// Places a stream of mixed gangs; when one does not fit, the oldest allocations are freed
// until it does (steady churn on a full cluster).
void BM_PlaceMixed(benchmark::State& state) {
  Topology topo = bench::france();
  FreeIndex idx(topo);
  auto placer = std::move(make_placer(state.range(0) ? "topology" : "count")).value();
  std::vector<int> shapes = bench::mixed_shapes(100000, 7);
  std::deque<Allocation> live;
  std::size_t i = 0;
  long placed = 0;
  Allocation a;
  for (auto _ : state) {
    PlaceRequest req{shapes[i++ % shapes.size()], 0, 0};
    while (!placer->place(idx, req, &a, nullptr)) {
      idx.give(live.front());
      live.pop_front();
    }
    idx.take(a);
    live.push_back(a);
    ++placed;
  }
  state.counters["placements_per_s"] = benchmark::Counter(static_cast<double>(placed), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PlaceMixed)->Arg(1)->Arg(0)->ArgName("topology");

// One 1,024-GPU gang on a cluster half filled with small jobs (fragmented).
void BM_Place1024Gang(benchmark::State& state) {
  Topology topo = bench::france();
  FreeIndex idx(topo);
  auto placer = std::move(make_placer("topology")).value();
  Rng rng(11);
  Allocation a;
  while (idx.total_free() > topo.total_gpus() / 2) {
    PlaceRequest req{1 + static_cast<int>(rng.below(8)), 0, 0};
    if (placer->place(idx, req, &a, nullptr)) idx.take(a);
  }
  for (auto _ : state) {
    bool ok = placer->place(idx, {1024, 0, 0}, &a, nullptr);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Place1024Gang)->Unit(benchmark::kMicrosecond);

// One scheduling pass of the core over 100,000 pending jobs of mixed shapes on an empty
// cluster: it starts what fits and explains the rest.
void BM_SchedulePass100k(benchmark::State& state) {
  Topology topo = bench::france();
  std::vector<int> shapes = bench::mixed_shapes(100000, 3);
  long started = 0;
  for (auto _ : state) {
    state.PauseTiming();
    SchedulerOptions opt;
    opt.policy = state.range(0) ? "backfill" : "fifo";
    auto core = std::move(Core::make(topo, opt)).value();
    (void)core->apply(AddTenant::root("t", 1), 0);
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      JobSpec s;
      s.name = "j" + std::to_string(i);
      s.gpus = shapes[i];
      s.time_limit = kHour;
      (void)core->apply(SubmitJob{s}, 0);
    }
    state.ResumeTiming();
    auto fx = core->apply(Schedule{}, 0);
    started += static_cast<long>(fx->list.size());
  }
  state.counters["started"] = benchmark::Counter(static_cast<double>(started), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_SchedulePass100k)->Arg(0)->Arg(1)->ArgName("backfill")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hexa

BENCHMARK_MAIN();
