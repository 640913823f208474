// Snapshots of the scheduler (engine/scheduler.h) and its advance-reservation book: every
// member that a later pass or explain() reads. Left out, as the scratch of one pass (each is
// cleared or worked out again before it is read): live_, open_, open_owner_ (all 0 between
// passes), held_, slice_miss_, whole_miss_, seen_,
// victims_fresh_, failed_preempts_, exempt_until_, defer_wake_, requeue_, changed_, refs_,
// run_, alloc_, rank_, price_rank_, res_.held and head_pools_ (given back at the end of every pass), drifting_,
// held_skips_ (a count for tests), and victims_ under a
// policy whose running keys drift (rebuilt in the pass that reads it). Left out too: easy_plans_
// and ends_versions_, a cache that a restored scheduler starts empty (it only ever returns what
// planning again gives: engine/reservation_cache.h).
#include <bit>

#include "engine/scheduler.h"
#include "model/archive.h"
#include "model/model_archive.h"

namespace hexa {
namespace {

bool running(const ClusterState& s, JobId id) {
  return s.jobs.contains(id) && s.jobs[id].phase == JobPhase::kRunning;
}

// Whole GPUs (no slices) of nodes of the topology.
bool whole_gpus(const Topology& topo, const Allocation& a) {
  for (const NodeGpus& g : a) {
    if (g.node >= topo.nodes().size() || g.slots != 0 || g.slice != 0) return false;
    const int gpus = topo.node(g.node).gpus;
    if (gpus < 64 && (g.mask >> gpus) != 0) return false;
  }
  return true;
}

}  // namespace

// A member added to one of these must be saved and loaded here (or, if it is the scratch of a
// pass, named as left out): their sizes make the build say so. Update them once it is done.
#if defined(__GLIBCXX__) && defined(__LP64__)
// choice_ is opt_.site_choice, set by the constructor; groups_ is the scratch of a pass, and
// so is the plan cache's free_now_.
static_assert(sizeof(Scheduler) == 1536, "Scheduler changed: save the new member in scheduler_archive.cc");
static_assert(sizeof(AdvanceBook) == 24, "AdvanceBook changed: save the new member in scheduler_archive.cc");
static_assert(sizeof(AdvanceReservation) == 200, "AdvanceReservation changed: save the new member in scheduler_archive.cc");
static_assert(sizeof(Reservation) == 64, "Reservation changed: save the new member in scheduler_archive.cc");
#endif

void AdvanceBook::save(Writer& w) const {
  w.seq(all_, [&](const AdvanceReservation& r) {
    w.str(r.name);
    w.u32(r.tenant);
    w.str(r.why);
    w.u32(r.site), w.u32(r.type);
    w.u64(r.types);
    w.b(r.whole), w.b(r.sliced);
    w.i32(r.slice);
    w.i64(r.slices), w.i64(r.from), w.i64(r.to);
    hexa::save(w, r.gpus);
    w.i64(r.size), w.i64(r.used);
    hexa::save(w, r.held);
    w.i64(r.held_count);
    w.b(r.begun);
  });
}

bool AdvanceBook::load(Reader& r, const Topology& topo, std::size_t tenants) {
  all_.resize(r.count(16));
  for (AdvanceReservation& res : all_) {
    res.name = r.str();
    res.tenant = r.u32();
    res.why = r.str();
    res.site = r.u32(), res.type = r.u32();
    res.types = r.u64();
    res.whole = r.b(), res.sliced = r.b();
    res.slice = r.i32();
    res.slices = r.i64(), res.from = r.i64(), res.to = r.i64();
    hexa::load(r, res.gpus);
    res.size = r.i64(), res.used = r.i64();
    hexa::load(r, res.held);
    res.held_count = r.i64();
    res.begun = r.b();
    if (!r.ok()) return false;
    if ((res.tenant != kNoTenant && res.tenant >= tenants) || res.site >= topo.sites().size() ||
        res.type >= topo.types().size() || res.slice < 0 ||
        static_cast<std::size_t>(res.slice) > topo.slice_profiles().size() || !whole_gpus(topo, res.gpus) ||
        !whole_gpus(topo, res.held))
      return r.fail("reservation '" + res.name + "': names a tenant, site, type, profile or GPU out of range");
  }
  return r.ok();
}

void Scheduler::save(Writer& w) const {
  queue_.save(w);
  w.seq(ends_, [&](const auto& e) { w.i64(e.first.first), w.u32(e.first.second); });  // EndGpus: from the job
  w.seq(borrowed_, [&](JobId id) { w.u32(id); });
  w.seq(parked_, [&](const auto& kv) {
    w.u32(kv.first);
    w.seq(kv.second, [&](const auto& e) { w.i64(e.first), w.u32(e.second); });  // in unpark order
  });
  w.opt(first_priority_, [&](int p) { w.i32(p); });
  w.b(priorities_vary_);
  w.u64(pass_id_);
  w.i64(pass_time_);
  w.e(stop_);
  w.u32(blocker_);
  w.b(res_.active), w.u32(res_.head), w.i64(res_.at);
  hexa::save(w, res_.gpus);
  book_.save(w);
  hexa::save(w, down_);
  w.seq(down_on_, [&](std::size_t i) { w.u64(i); });
  w.b(down_dirty_);
  w.seq(offline_, [&](std::uint64_t m) { w.u64(m); });
  w.seq(classes_, [&](const SliceClass& c) {
    w.i32(c.slice), w.u64(c.sites), w.u64(c.types);
    w.seq(c.left, [&](DurationMs d) { w.i64(d); });
  });
  w.seq(full_, [&](char f) { w.b(f != 0); });
  w.u64(starts_);
  w.seq(victim_gpus_, [&](long n) { w.i64(n); });
  w.seq(borrowed_gpus_, [&](long n) { w.i64(n); });
  if (!policy_->running_keys_drift())
    w.seq(victims_, [&](const Victim& v) { w.i32(v.priority), w.i64(v.key.level), w.i64(v.key.tie), w.u32(v.id); });
  policy_->save(w);
}

bool Scheduler::load(Reader& r, const ClusterState& s) {
  if (!queue_.load(r, s.jobs.size()) || !load_job_sets(r, s)) return false;
  first_priority_.reset();
  r.opt(first_priority_, [&](int& p) { p = r.i32(); });
  priorities_vary_ = r.b();
  pass_id_ = r.u64();
  pass_time_ = r.i64();
  stop_ = r.e(Stop::kFull);
  blocker_ = r.u32();
  res_ = {};
  res_.active = r.b(), res_.head = r.u32(), res_.at = r.i64();
  hexa::load(r, res_.gpus);
  if (!r.ok() || !whole_gpus(*s.topo, res_.gpus)) return r.fail("reservation of the head job: GPUs out of range");
  if (!book_.load(r, *s.topo, s.tenants.size()) || !load_held_out(r, *s.topo) || !load_classes(r, s)) return false;
  return load_victims(r, s) && policy_->load(r) && check_occupancy(r, s);
}

// Each set in its order (saved from a set: a value out of order is corrupt), of running jobs.
bool Scheduler::load_job_sets(Reader& r, const ClusterState& s) {
  easy_plans_.clear();  // the end order is read anew: no plan kept from before holds
  for (std::size_t n = r.count(2); n > 0 && r.ok(); --n) {
    std::pair<TimeMs, JobId> e{r.i64(), r.u32()};
    if (!running(s, e.second) || e.first != latest_end(s.jobs[e.second], opt_.restart_overhead) ||
        (!ends_.empty() && !(ends_.rbegin()->first < e)))
      return r.fail("ends: bad entry");
    ends_.emplace_hint(ends_.end(), e, end_gpus(s.free, s.jobs[e.second].alloc));
  }
  for (std::size_t n = r.count(); n > 0 && r.ok(); --n) {
    const JobId id = r.u32();
    if (!running(s, id) || s.jobs[id].borrowed_from == kNoTenant || (!borrowed_.empty() && id <= *borrowed_.rbegin()))
      return r.fail("borrowed: bad entry");
    borrowed_.insert(borrowed_.end(), id);
  }
  for (std::size_t n = r.count(2); n > 0 && r.ok(); --n) {
    const TenantId t = r.u32();
    if (t >= s.tenants.size() || (!parked_.empty() && t <= parked_.rbegin()->first)) return r.fail("parked: bad tenant");
    auto& jobs = parked_[t];
    for (std::size_t k = r.count(2); k > 0 && r.ok(); --k) {
      const std::int64_t need = r.i64();
      const JobId id = r.u32();
      // Not checked against the job: a job parked twice in one pass (refused on the reserved
      // GPUs, then again after a preemption) leaves an entry behind when it is cancelled.
      if (id >= s.jobs.size() || (!jobs.empty() && need < jobs.rbegin()->first)) return r.fail("parked: bad job");
      jobs.emplace_hint(jobs.end(), need, id);  // after its equals: unpark order kept
      ++parked_count_;
    }
  }
  return r.ok();
}

bool Scheduler::load_held_out(Reader& r, const Topology& topo) {
  hexa::load(r, down_);
  down_on_.resize(r.count());
  for (std::size_t& i : down_on_)
    if ((i = r.u64()) >= book_.all().size()) return r.fail("downtimes: bad index");
  down_dirty_ = r.b();
  offline_.resize(r.count());
  if (offline_.size() > topo.nodes().size()) return r.fail("offline GPUs: more nodes than the topology has");
  Allocation offline;
  for (NodeId n = 0; n < offline_.size(); ++n) offline.push_back({n, offline_[n] = r.u64()});
  if (r.ok() && (!whole_gpus(topo, down_) || !whole_gpus(topo, offline)))
    return r.fail("downtimes or offline nodes: GPUs out of range");
  return r.ok();
}

bool Scheduler::load_classes(Reader& r, const ClusterState& s) {
  const Topology& topo = *s.topo;
  classes_.resize(r.count(4));
  if (r.ok() && classes_.empty()) return r.fail("slice classes: class 0 missing");
  for (std::size_t c = 0; c < classes_.size() && r.ok(); ++c) {
    SliceClass& cls = classes_[c];
    cls.slice = r.i32(), cls.sites = r.u64(), cls.types = r.u64();
    cls.left.clear();
    for (std::size_t n = r.count(); n > 0 && r.ok(); --n) {
      const DurationMs d = r.i64();
      if (!cls.left.empty() && d < *cls.left.rbegin()) return r.fail("slice classes: out of order");
      cls.left.insert(cls.left.end(), d);
    }
    if (cls.slice < 0 || static_cast<std::size_t>(cls.slice) > topo.slice_profiles().size() || (c == 0) != (cls.slice == 0))
      return r.fail("slice classes: bad profile");
  }
  full_.resize(r.count());
  for (char& f : full_) f = r.b();
  starts_ = r.u64();
  for (std::vector<long>* v : {&victim_gpus_, &borrowed_gpus_}) {
    v->resize(r.count());
    for (long& n : *v) n = r.i64();
    if (v->size() > s.free.pools().size()) return r.fail("freeable GPUs: more pools than the topology has");
  }
  return r.ok();
}

// The running preemptible jobs, each under the key it was filed with (victim_key_).
bool Scheduler::load_victims(Reader& r, const ClusterState& s) {
  victims_.clear();
  victim_key_.assign(s.jobs.size(), PolicyKey{});
  if (policy_->running_keys_drift()) return r.ok();
  for (std::size_t n = r.count(4); n > 0 && r.ok(); --n) {
    Victim v{r.i32(), {r.i64(), r.i64()}, r.u32()};
    if (!running(s, v.id) || !s.jobs[v.id].spec.preemptible || (!victims_.empty() && !(*victims_.rbegin() < v)))
      return r.fail("victims: bad entry");
    victims_.insert(victims_.end(), v);
    victim_key_[v.id] = v.key;
  }
  return r.ok();
}

bool Scheduler::check_occupancy(Reader& r, const ClusterState& s) const {
  const Topology& topo = *s.topo;
  const SliceIndex& si = s.free.slices();
  std::vector<std::uint64_t> whole(topo.nodes().size(), 0);  // GPUs accounted for, by node
  std::vector<SlotMask> slots(si.gpus(), 0);                 // slots held by slices, by sliced GPU
  std::vector<char> aside(si.gpus(), 0);
  std::vector<long> held(topo.slice_profiles().size() + 1, 0);
  bool ok = true;
  // Whole GPUs of an unsliced node, or a sliced node's GPUs set aside.
  auto out = [&](NodeId n, std::uint64_t m) {
    if (!topo.node(n).sliced) {
      ok = ok && (whole[n] & m) == 0;
      whole[n] |= m;
      return;
    }
    for (; m; m &= m - 1) {
      char& a = aside[si.gpu_of(n, std::countr_zero(m))];
      ok = ok && !a;
      a = 1;
    }
  };
  for (NodeId n = 0; n < topo.nodes().size(); ++n)
    if (!topo.node(n).sliced) out(n, s.free.free_mask(n));
  for (JobId id : s.running) {
    const Job& j = s.jobs[id];
    if (j.reservation >= static_cast<long>(book_.all().size())) return r.fail("a job in no reservation of the book");
    for (const NodeGpus& g : j.alloc) {
      if (!g.slots) {
        out(g.node, g.mask);
        continue;
      }
      SlotMask& used = slots[si.gpu_of(g.node, std::countr_zero(g.mask))];
      ok = ok && (used & g.slots) == 0;
      used |= g.slots;
      ++held[g.slice];
    }
  }
  for (const NodeGpus& g : down_) out(g.node, g.mask);
  for (NodeId n = 0; n < offline_.size(); ++n)
    if (offline_[n]) out(n, offline_[n]);
  for (const AdvanceReservation& res : book_.all())
    for (const NodeGpus& g : res.held) out(g.node, g.mask);
  if (!ok) return r.fail("a GPU is free, in use or held out twice");
  for (NodeId n = 0; n < topo.nodes().size(); ++n) {
    const int gpus = topo.node(n).gpus;
    if (!topo.node(n).sliced && whole[n] != (gpus >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << gpus) - 1))
      return r.fail("GPUs of node '" + topo.node(n).name + "' neither free, in use nor held out: " + std::to_string(whole[n]));
  }
  for (SliceGpu g = 0; g < si.gpus(); ++g)
    if (si.used(g) != slots[g] || si.aside(g) != (aside[g] != 0))
      return r.fail("sliced GPU " + std::to_string(g) + ": slots or aside other than its slices and holds say");
  for (std::size_t k = 1; k < held.size(); ++k)
    if (si.held(static_cast<int>(k)) != held[k]) return r.fail("slices held other than the running jobs hold");
  return true;
}

}  // namespace hexa
