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
//
// A reservation of slices (a cohort's lab afternoon on MIG slices) binds whole sliced GPUs,
// enough to hold the slices asked for; inside the window its tenant's slice jobs, of any
// profile, place there. GPUs are what MIG partitions one by one, so a GPU is the unit a
// reservation can hold without splitting a GPU's slots between two owners.
#pragma once

#include <string>
#include <vector>

#include "model/job.h"
#include "model/status.h"
#include "model/tenant.h"
#include "model/topology.h"

namespace hexa {

class Reader;
class Writer;

struct AdvanceReservation {
  std::string name;
  TenantId tenant = kNoTenant;  // who may use it inside its window; kNoTenant: nobody
  std::string why;              // for nobody: why the GPUs are out ("site mulhouse not online yet")
  SiteId site = 0;
  TypeId type = 0;              // a downtime: of its first node
  TypeMask types = 0;           // of all its GPUs
  bool whole = false;           // it holds whole GPUs
  bool sliced = false;          // it holds sliced GPUs (serving slice jobs only)
  int slice = 0;                // a reservation of slices: the profile asked for (JobSpec::slice)
  long slices = 0;              //   and how many
  TimeMs from = 0, to = 0;      // the window [from, to)
  Allocation gpus;              // bound when it was made
  long size = 0;                // GPUs in `gpus`
  GpuMs used = 0;               // GPU-ms its tenant's jobs ran on it inside the window (closed runs;
                                // a slice counts its sevenths of a GPU)

  // Kept by the scheduler during a pass.
  Allocation held;              // its free GPUs, taken out of the index
  long held_count = 0;
  bool begun = false;           // the window began and intruders were preempted

  bool active(TimeMs now) const { return from <= now && now < to; }
  // Whether a job allowed these sites and types could use its GPUs: a slice job (slice > 0)
  // sliced ones, any other job whole ones.
  bool could_serve(SiteMask job_sites, TypeMask job_types, int job_slice) const {
    return allows(job_sites, site) && (job_types == 0 || (job_types & types) != 0) && (job_slice ? sliced : whole);
  }
};

// What a reservation asks for: `gpus` whole GPUs, or, with `slice` (JobSpec::slice), `gpus`
// slices of that profile, held as the sliced GPUs they fill.
struct ReserveAsk {
  std::string name;
  TenantId tenant = kNoTenant;
  SiteId site = 0;
  TypeId type = 0;
  int gpus = 0;
  int slice = 0;
  TimeMs from = 0, to = 0;
};

// How many slices of the profile one empty GPU holds (7 of 1g.10gb, 3 of 2g.20gb, 1 of 4g.40gb).
int slices_per_gpu(const SliceProfile& p);

class AdvanceBook {
 public:
  // Binds GPUs of the type at the site (whole ones, or sliced ones for slices), on as few
  // nodes as it can, that no reservation overlapping the window holds. Errors: bad window or
  // size, an unknown profile, not enough GPUs left then.
  Result<std::size_t> reserve(const Topology& topo, ReserveAsk ask);
  // Whole nodes for nobody over [from, to) (downtime); they may overlap other reservations.
  std::size_t block_nodes(const Topology& topo, std::string name, std::string why, const std::vector<NodeId>& nodes,
                          TimeMs from, TimeMs to);

  std::vector<AdvanceReservation>& all() { return all_; }
  const std::vector<AdvanceReservation>& all() const { return all_; }
  bool empty() const { return all_.empty(); }
  bool has(std::string_view name) const;
  // The first window start or end after `now`; kNever when none.
  TimeMs next_boundary(TimeMs now) const;
  // Adds a run over [start, end) to what the reservation's tenant used of it: `gpus` whole
  // GPUs, or with `compute` > 0 one slice of that many sevenths of a GPU.
  void note_used(std::size_t r, int gpus, int compute, TimeMs start, TimeMs end);

  // Snapshots (engine/scheduler_archive.cc): every reservation, with what a pass keeps in it.
  void save(Writer& w) const;
  bool load(Reader& r, const Topology& topo, std::size_t tenants);

 private:
  std::vector<AdvanceReservation> all_;
};

}  // namespace hexa
