// Scheduler options: every knob the engine reads, passed in, never global.
#pragma once

#include <string>
#include <vector>

#include "model/units.h"

namespace hexa {

struct SchedulerOptions {
  std::string policy = "fifo";        // fifo | backfill | las | srtf | fair
  std::string placement = "topology"; // topology | count
  std::string slice_placement = "frag"; // frag | bestfit: where a slice job goes (engine/placement_slice.cc)
  // Which site a job goes to when several can start it now: earliest (best fit anywhere),
  // cheapest (lowest price: with money on, the rate the job's tenant would be charged there, by
  // GPU type, site, priority and preemptible discount; else the site's price factor),
  // greenest (least gCO2e per GPU-hour at this hour).
  std::string site_choice = "earliest";
  // Extra run time a preempted job pays when it resumes (reload of its checkpoint).
  DurationMs restart_overhead = 0;
  // A job cannot be preempted before it has run this long in its current segment (Slurm's
  // PreemptExemptTime), so that every resumed segment does useful work and preemption cannot
  // livelock. Negative: twice the restart overhead.
  DurationMs preempt_exempt = -1;
  DurationMs exempt() const { return preempt_exempt >= 0 ? preempt_exempt : 2 * restart_overhead; }
  // las: attained-service thresholds between queues, in GPU-ms, increasing.
  std::vector<GpuMs> las_thresholds = {1 * kHour, 10 * kHour};
  // las: a preempted job waiting longer than knob x its last run goes back to the top queue;
  // 0 turns starvation promotion off.
  int las_promote_knob = 0;
  // fair: half-life of the decay of a tenant's usage.
  DurationMs fair_half_life = 7 * kDay;
  // Whether a pass leaves out the slice jobs of a full class (engine/slice_classes.cc), and
  // answers at once the whole-GPU jobs that can only wait behind an EASY reservation
  // (Scheduler::consider): the same schedule and wait reasons, found without trying each
  // waiting job's routes; and backfills the head's held GPUs cannot help (held_could_fit) are
  // answered without giving them back. Off only to check exactly that.
  bool skip_full_classes = true;
  bool operator==(const SchedulerOptions&) const = default;
};

}  // namespace hexa
