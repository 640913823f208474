// Advance reservations: GPUs set aside over a time window, for a tenant (a cohort's workshop,
// a start-up's demo day) or for nobody (planned maintenance, a site or node not online yet).
//
// A reservation binds specific GPUs when it is made, as Slurm's do: the book picks GPUs that
// no overlapping reservation holds, so two reservations never claim the same GPU at the same
// time, and asking for more than is left is an error, not a surprise on the day.
//
// How the scheduler keeps them (engine/scheduler.cc):
// - before the window, other work may use the GPUs only if it is sure to end (by its time
//   limit) before the window begins: it backfills around the reservation without delaying it;
// - when the window begins, whatever still runs there (work started before the reservation
//   was made, or without a time limit) is preempted;
// - inside the window, only the tenant's own jobs (and its sub-tenants': a cohort's learners)
//   run there, and they go there first.
#pragma once

#include <string>
#include <vector>

#include "model/job.h"
#include "model/status.h"
#include "model/tenant.h"
#include "model/topology.h"

namespace hexa {

struct AdvanceReservation {
  std::string name;
  TenantId tenant = kNoTenant;  // who may use it inside its window; kNoTenant: nobody
  std::string why;              // for nobody: why the GPUs are out ("site mulhouse not online yet")
  SiteId site = 0;
  TypeId type = 0;
  TimeMs from = 0, to = 0;      // the window [from, to)
  Allocation gpus;              // bound when it was made
  long size = 0;                // GPUs in `gpus`
  GpuMs used = 0;               // GPU-ms its tenant's jobs ran on it inside the window (closed runs)

  // Kept by the scheduler during a pass.
  Allocation held;              // its free GPUs, taken out of the index
  long held_count = 0;
  bool begun = false;           // the window began and intruders were preempted

  bool active(TimeMs now) const { return from <= now && now < to; }
};

class AdvanceBook {
 public:
  // Binds `gpus` GPUs of `type` at `site`, on as few nodes as it can, that no reservation
  // overlapping [from, to) holds. Errors: bad window or size, not enough GPUs left then.
  Result<std::size_t> reserve(const Topology& topo, std::string name, TenantId tenant, SiteId site, TypeId type,
                              int gpus, TimeMs from, TimeMs to);
  // Whole nodes for nobody over [from, to) (downtime); they may overlap other reservations.
  std::size_t block_nodes(const Topology& topo, std::string name, std::string why, const std::vector<NodeId>& nodes,
                          TimeMs from, TimeMs to);

  std::vector<AdvanceReservation>& all() { return all_; }
  const std::vector<AdvanceReservation>& all() const { return all_; }
  bool empty() const { return all_.empty(); }
  bool has(std::string_view name) const;
  // The first window start or end after `now`; kNever when none.
  TimeMs next_boundary(TimeMs now) const;
  // Adds a run of `gpus` GPUs over [start, end) to what the reservation's tenant used of it.
  void note_used(std::size_t r, int gpus, TimeMs start, TimeMs end);

 private:
  std::vector<AdvanceReservation> all_;
};

}  // namespace hexa
