// A reference scheduler for the trace policies (fifo, backfill, las, srtf, fair, ftf) and the two
// whole-GPU placements (topology, count), written from their definitions (docs/simulator.md)
// and nothing else: a plain event loop, linear scans, no index, no code of src/engine. It is
// slow on purpose and small enough to check by reading; the differential test
// (differential_test.cc) replays random traces through it and through the simulator and
// compares every start, preemption and end.
//
// Scope: one site, one GPU type (one pool), whole GPUs, no quotas, credits, reservations of
// tenants, failures or slices. Each job has a time limit on its useful run time (0 = none).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/units.h"

namespace hexa::ref {

// Blocks of nodes: blocks[b][i] is the GPU count of node i of block b. Nodes are numbered
// block by block (block 0's nodes first), as Topology numbers nodes added in that order.
struct RefCluster {
  std::vector<std::vector<int>> blocks;
};

struct RefJob {
  std::string id;
  int tenant = 0;  // index into RefOptions::tenants
  TimeMs submit = 0;
  int gpus = 1;
  DurationMs duration = 1;  // true run time when alone on its GPUs
  DurationMs limit = 0;     // limit on useful run time; 0 = none
  int priority = 0;
  bool preemptible = true;
};

struct RefOptions {
  std::string policy = "fifo";         // fifo | backfill | las | srtf | fair | ftf
  std::string placement = "topology";  // topology | count
  DurationMs restart_overhead = 0;
  DurationMs preempt_exempt = 0;       // resolved (the engine's default is 2 x overhead)
  std::vector<GpuMs> las_thresholds;   // increasing
  int las_promote_knob = 0;
  DurationMs fair_half_life = kDay;
  std::vector<int> weights;            // by tenant index (the engine's tenant id)
};

enum class RefKind : std::uint8_t { kReject, kEnd, kTimeout, kPreempt, kStart };
const char* kind_name(RefKind k);

// (global node index, GPU index on that node)
using RefGpus = std::vector<std::pair<int, int>>;

struct RefEvent {
  TimeMs at = 0;
  int job = 0;  // index into the job list
  RefKind kind = RefKind::kStart;
  RefGpus gpus;  // starts only, sorted
  bool operator==(const RefEvent&) const = default;
};

// Events in (time, kind, job) order. REQUIRES: jobs sorted by submit; tenants and weights valid.
std::vector<RefEvent> reference_schedule(const RefCluster& cluster, const std::vector<RefJob>& jobs,
                                         const RefOptions& opt);

// Sorts events into the canonical (time, kind, job) order used by both sides.
void sort_events(std::vector<RefEvent>& events);

std::string to_string(const RefEvent& e, const std::vector<RefJob>& jobs);

}  // namespace hexa::ref
