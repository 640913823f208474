// Slice packing on the Alibaba GPU-2023 pod list (FGD, ATC'23): the fragmentation-aware slice
// placer ("frag") against plain best fit ("bestfit"). The trace's fractional-GPU tasks
// (num_gpu = 1, gpu_milli < 1000) ask for the smallest profile of the built-in H100 table whose
// compute share covers gpu_milli; every GPU node of the trace's node list is made sliceable.
//   build/release/hexa_bench --benchmark_filter=Slice
// Traces from $HEXA_TRACES or ../shared/traces; skipped with a message when absent.
//
// Replay: tasks in creation-time order with their lifetimes, on 1 node in `scale` of the node
// list (the trace's own concurrency is low: at scale 1 everything fits). Fill: as in the FGD
// paper, tasks arrive in creation-time order (cycling through the list) and never leave,
// until the compute asked for reaches the cluster's; counts are taken at each arrival.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <queue>

#include "engine/placement.h"
#include "engine/slice_frag.h"
#include "sim/cluster_config.h"
#include "sim/trace.h"

namespace hexa {
namespace {

std::string traces_dir() {
  const char* env = std::getenv("HEXA_TRACES");
  return env && *env ? env : "../shared/traces";
}

const char* kPods[] = {"openb_pod_list_default.csv", "openb_pod_list_gpushare40.csv"};

// The node list, 1 node in `scale` kept, every block sliced.
Result<Topology> sliced_nodes(int scale) {
  auto full = load_alibaba_nodes(traces_dir() + "/alibaba-gpu-2023/openb_node_list_gpu_node.csv");
  if (!full.ok()) return full.status();
  Topology t;
  SiteId site = *t.add_site("alibaba");
  std::size_t i = 0;
  for (const BlockInfo& b : full->blocks()) {
    std::optional<BlockId> nb;
    for (NodeId n : b.nodes) {
      if (i++ % static_cast<std::size_t>(scale) != 0) continue;
      if (!nb) {
        nb = *t.add_block(site, b.name, full->types().name(b.type));
        (void)t.set_sliced(*nb);
      }
      (void)t.add_node(*nb, full->node(n).name, full->node(n).gpus);
    }
  }
  return t;
}

struct Task {
  TimeMs submit, end;
  int slice;
  TypeMask types;
};

// Fractional tasks of a pod list, as slice requests of t's profile table.
Result<std::vector<Task>> fractional(const Topology& t, const char* pods) {
  auto trace = load_alibaba(traces_dir() + "/alibaba-gpu-2023/" + pods);
  if (!trace.ok()) return trace.status();
  std::vector<Task> out;
  for (const TraceJob& j : trace->jobs) {
    if (j.gpus != 1 || j.gpu_milli >= 1000) continue;
    const int need = (j.gpu_milli * kSliceCompute + 999) / 1000;  // sevenths covering gpu_milli
    int best = 0;
    for (int k = 1; k <= static_cast<int>(t.slice_profiles().size()); ++k) {
      const SliceProfile& p = t.slice_profile(k);
      if (p.compute >= need && (!best || p.compute < t.slice_profile(best).compute ||
                                (p.compute == t.slice_profile(best).compute && p.memory < t.slice_profile(best).memory)))
        best = k;
    }
    TypeMask types = 0;
    for (const std::string& n : j.gpu_types)
      if (auto id = t.find_type(n)) types |= bit(*id);
    out.push_back({j.submit, j.submit + j.duration, best, types});
  }
  return out;
}

// The trace's own mix of profiles: what fragmentation is measured against.
SliceMix mix_of(const Topology& t, const std::vector<Task>& tasks) {
  SliceMix mix(t.slice_profiles().size() + 1, 0);
  for (const Task& k : tasks) ++mix[static_cast<std::size_t>(k.slice)];
  return mix;
}

long eligible_free(const FreeIndex& idx, const PlaceRequest& r) {
  long units = 0;
  for (PoolId p = 0; p < idx.pools().size(); ++p)
    if (pool_eligible(idx.pools()[p], r)) units += idx.slices().pool_free_units(p);
  return units;
}

struct Tally {
  long placed = 0, failed = 0, failed_with_room = 0, place_calls = 0;
  double place_ns = 0;
  bool place(const Placer& placer, FreeIndex& idx, const Topology& t, const Task& k, Allocation* a) {
    PlaceRequest r;
    r.slice = k.slice;
    r.types = k.types;
    auto t0 = std::chrono::steady_clock::now();
    bool ok = placer.place(idx, r, a, nullptr);
    place_ns += static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    ++place_calls;
    if (ok) {
      idx.take(*a);
      ++placed;
    } else {
      ++failed;
      if (eligible_free(idx, r) >= t.slice_profile(k.slice).compute) ++failed_with_room;
    }
    return ok;
  }
  void report(benchmark::State& state) const {
    state.counters["tasks"] = static_cast<double>(placed + failed);
    state.counters["failed"] = static_cast<double>(failed);
    state.counters["failed_with_room"] = static_cast<double>(failed_with_room);
    state.counters["place_us"] = place_calls ? place_ns / static_cast<double>(place_calls) / 1000.0 : 0;
  }
};

void BM_SliceAlibabaReplay(benchmark::State& state) {
  const char* pods = kPods[state.range(0)];
  const char* policy = state.range(1) ? "frag" : "bestfit";
  auto topo = sliced_nodes(static_cast<int>(state.range(2)));
  if (!topo.ok()) return state.SkipWithError(("public trace not found (set HEXA_TRACES): " + topo.status().message()).c_str());
  auto tasks = fractional(*topo, pods);
  if (!tasks.ok()) return state.SkipWithError(tasks.status().message().c_str());
  const SliceMix mix = mix_of(*topo, *tasks);
  auto placer = std::move(make_slice_placer(policy)).value();
  Tally tally;
  double frag_time = 0, span = 0, frag_at_peak = 0;
  long peak = -1;
  for (auto _ : state) {
    FreeIndex idx(*topo);
    tally = {};
    frag_time = span = 0, peak = -1;
    using End = std::pair<TimeMs, std::size_t>;
    std::priority_queue<End, std::vector<End>, std::greater<>> ends;
    std::vector<Allocation> held(tasks->size());
    TimeMs last = tasks->empty() ? 0 : tasks->front().submit;
    double frag_now = 0;
    for (std::size_t i = 0; i < tasks->size(); ++i) {
      const Task& k = (*tasks)[i];
      while (!ends.empty() && ends.top().first <= k.submit) {
        idx.give(held[ends.top().second]);
        ends.pop();
      }
      // Time-weighted fragmentation: the state since the last arrival held until now.
      frag_time += frag_now * static_cast<double>(k.submit - last);
      span += static_cast<double>(k.submit - last);
      last = k.submit;
      if (tally.place(*placer, idx, *topo, k, &held[i])) ends.push({k.end, i});
      SliceFragStat st = slice_fragmentation(idx.slices(), mix);
      frag_now = st.share();
      const long used = static_cast<long>(idx.slices().gpus()) * kSliceCompute - idx.slices().free_units();
      if (used > peak) peak = used, frag_at_peak = frag_now;
    }
  }
  tally.report(state);
  state.counters["gpus"] = static_cast<double>(topo->sliced_gpus());
  state.counters["frag_mean_pct"] = span > 0 ? 100.0 * frag_time / span : 0;
  state.counters["frag_at_peak_pct"] = 100.0 * frag_at_peak;
  state.counters["peak_used_pct"] = 100.0 * static_cast<double>(peak) / static_cast<double>(topo->sliced_gpus() * kSliceCompute);
  state.SetLabel(std::string(pods) + " " + policy);
}
BENCHMARK(BM_SliceAlibabaReplay)
    ->ArgsProduct({{0, 1}, {1, 0}, {1, 256}})
    ->ArgNames({"pods", "frag", "scale"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

void BM_SliceAlibabaFill(benchmark::State& state) {
  const char* pods = kPods[state.range(0)];
  const char* policy = state.range(1) ? "frag" : "bestfit";
  auto topo = sliced_nodes(1);
  if (!topo.ok()) return state.SkipWithError(("public trace not found (set HEXA_TRACES): " + topo.status().message()).c_str());
  auto tasks = fractional(*topo, pods);
  if (!tasks.ok() || tasks->empty()) return state.SkipWithError("no fractional tasks");
  const SliceMix mix = mix_of(*topo, *tasks);
  auto placer = std::move(make_slice_placer(policy)).value();
  const long capacity = topo->sliced_gpus() * kSliceCompute;
  Tally tally;
  double frag90 = 0, placed_pct = 0, first_fail_pct = 0;
  for (auto _ : state) {
    FreeIndex idx(*topo);
    tally = {};
    frag90 = 0, first_fail_pct = -1;
    long asked = 0;
    Allocation a;
    for (std::size_t i = 0; asked < capacity; ++i) {
      const Task& k = (*tasks)[i % tasks->size()];
      asked += topo->slice_profile(k.slice).compute;
      if (!tally.place(*placer, idx, *topo, k, &a) && first_fail_pct < 0)
        first_fail_pct = 100.0 * static_cast<double>(asked) / static_cast<double>(capacity);
      if (frag90 == 0 && asked * 10 >= capacity * 9) frag90 = slice_fragmentation(idx.slices(), mix).share();
    }
    placed_pct = 100.0 * static_cast<double>(capacity - idx.slices().free_units()) / static_cast<double>(capacity);
  }
  tally.report(state);
  state.counters["gpus"] = static_cast<double>(topo->sliced_gpus());
  state.counters["frag_at_90pct_load_pct"] = 100.0 * frag90;
  state.counters["first_fail_at_load_pct"] = first_fail_pct;
  state.counters["allocated_pct"] = placed_pct;
  state.SetLabel(std::string(pods) + " " + policy);
}
BENCHMARK(BM_SliceAlibabaFill)->ArgsProduct({{0, 1}, {1, 0}})->ArgNames({"pods", "frag"})->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace hexa
