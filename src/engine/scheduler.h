// Scheduler: the pending queue and one scheduling pass over a ClusterState. Pure: the caller
// passes `now`. It starts, preempts and reserves by changing the state, and reports what it
// did as data.
#pragma once

#include <memory>
#include <optional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/admission.h"
#include "engine/advance_reservations.h"
#include "engine/cluster_state.h"
#include "engine/options.h"
#include "engine/pending_queue.h"
#include "engine/placement.h"
#include "engine/queue_policy.h"
#include "engine/reservation.h"
#include "engine/reservation_cache.h"

namespace hexa {

struct PassResult {
  std::vector<JobId> started;
  std::vector<JobId> preempted;
  TimeMs wake_at = kNever;  // when the order may change with no new event (las thresholds)
};

class Scheduler {
 public:
  static Result<Scheduler> make(const SchedulerOptions& opt);

  // A job enters the queue (new, or preempted). REQUIRES: j is pending and not queued.
  void enqueue(ClusterState& s, const Job& j, TimeMs now);
  // A pending job leaves the queue without running (cancelled).
  void dequeue(ClusterState& s, const Job& j);
  // The tenant's funds may have grown: its jobs that admission held back and whose need its
  // room now covers are queued again; `all`: every one (what a job needs has changed).
  void unpark(ClusterState& s, TenantId t, TimeMs now, bool all = false);
  // Funds may have grown for anyone (a grant began, a budget period turned), or prices changed.
  void unpark_all(ClusterState& s, TimeMs now, bool all = false);
  // Jobs held back by admission.
  std::size_t parked() const { return parked_count_; }
  // The least need among the tenant's held-back jobs; none when it has none.
  std::optional<std::int64_t> least_parked_need(TenantId t) const;

  PassResult pass(ClusterState& s, TimeMs now);

  // Ends the running segment; the job goes to `to`. A preempted job (to = pending) is queued
  // again unless `requeue` is false (the pass queues its victims once it is done).
  void stop(ClusterState& s, Job& j, TimeMs now, JobPhase to, bool requeue = true);

  // A node's state changes (ClusterState::nodes). A node that takes no work has its free GPUs
  // out of placement, and keeps out what its running jobs free as they stop; back in service,
  // they return. REQUIRES: between passes.
  void set_node(ClusterState& s, NodeId n, NodeStatus st);

  // Advance reservations (workshops, maintenance, capacity not online yet): the core adds them.
  AdvanceBook& reservations() { return book_; }
  const AdvanceBook& reservations() const { return book_; }

  // Credits and budgets, if the host has them. REQUIRES: outlives the scheduler.
  void set_admission(Admission* a) { admission_ = a; }

  const SchedulerOptions& options() const { return opt_; }
  const QueuePolicy& policy() const { return *policy_; }
  const Placer& placer() const { return *placer_; }
  std::size_t pending() const { return queue_.size(); }
  // The queued jobs (not those admission holds back) by priority, group id and key.
  void queued_in_order(std::vector<JobId>* out) const { queue_.in_order(out); }
  // Scheduling passes run so far, and the last one's EASY reservation (inactive when none).
  std::uint64_t passes() const { return pass_id_; }
  const Reservation& reservation() const { return res_; }
  // Backfills that would have given the head's held GPUs back in vain (held_could_fit), for tests.
  std::uint64_t held_skips() const { return held_skips_; }
  // Why a pending job waits, in words.
  std::string explain(const ClusterState& s, const Job& j) const;
  // Why a pending job waits, as the last pass that reached it found: its own reason, or its
  // queue entry's, when that pass sent it to wait without looking at it (visit_run).
  WaitReason wait_of(const Job& j) const { return queue_.wait_of(j.id, j.wait); }

  // Snapshots (engine/scheduler_archive.cc): every member a later pass or explain() reads;
  // the scratch of a pass is left out. REQUIRES (load): between passes, a scheduler made with
  // the same options, `s` loaded already (ids are checked against it). The admission seam is
  // the host's to set again.
  void save(Writer& w) const;
  bool load(Reader& r, const ClusterState& s);

 private:
  Scheduler(SchedulerOptions opt, std::unique_ptr<QueuePolicy> p, std::unique_ptr<Placer> pl)
      : opt_(std::move(opt)),
        choice_(opt_.site_choice == "cheapest"   ? SiteChoice::kCheapest
                : opt_.site_choice == "greenest" ? SiteChoice::kGreenest
                                                 : SiteChoice::kEarliest),
        policy_(std::move(p)),
        placer_(std::move(pl)) {}

  // Where the last pass stopped looking, for jobs it did not reach.
  enum class Stop : std::uint8_t { kNone, kBlocked, kFull };

  // Running preemptible jobs, the first one preempted first: lowest priority, then highest
  // level, then latest arrival.
  struct Victim {
    int priority;
    PolicyKey key;
    JobId id;
    bool operator<(const Victim& o) const {
      if (priority != o.priority) return priority < o.priority;
      if (key.level != o.key.level) return key.level > o.key.level;
      return id > o.id;
    }
  };

  void rank_sites(const ClusterState& s, TimeMs now);
  const std::vector<std::int64_t>* site_rank(const ClusterState& s, const Job& j);
  void start(ClusterState& s, Job& j, const Allocation& alloc, TimeMs now);
  // Asks the admission seam; when it refuses, the job's reason says why.
  bool admitted(const ClusterState& s, Job& j, const Allocation& alloc, TimeMs now);
  // Whether admission refused (and parked) the job in this pass.
  bool refused_now(const Job& j) const { return j.wait.kind == WaitKind::kAdmission && j.wait.pass == pass_id_; }
  using Groups = std::vector<std::pair<GroupKey, PendingQueue::Group*>>;
  void order_next(ClusterState& s, TimeMs now, Groups& groups, std::size_t done, std::size_t to, std::size_t want);
  bool all_full(const Groups& groups, std::size_t from, std::size_t to) const;
  void visit_run(ClusterState& s, TimeMs now, Groups& groups, std::size_t from, std::size_t to, PassResult& r);
  // Tries to start one job; false when it must wait (its reason is set).
  bool consider(ClusterState& s, Job& j, TimeMs now, PassResult& r);
  bool try_backfill(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r);
  // hold(s, res_), counting what it held by pool (head_pools_).
  void hold_head(ClusterState& s);
  // Whether giving the head's held GPUs back could let a placement of req succeed.
  bool held_could_fit(const ClusterState& s, const PlaceRequest& req);
  // Advance reservations (scheduler_reserved.cc). Windows that begin preempt what is not theirs.
  void begin_windows(ClusterState& s, TimeMs now, PassResult& r);
  void hold_reserved(ClusterState& s, TimeMs now);
  void unhold_reserved(ClusterState& s);
  // Takes the GPUs of the downtimes on now out of the index, when that set changed.
  void keep_down(ClusterState& s, TimeMs now);
  // Node states: the node's holdable GPUs out of the index (into offline_), or back.
  void take_offline(ClusterState& s, NodeId n);
  void put_online(ClusterState& s, NodeId n);
  // Whether the pass holds this reservation itself (a downtime on now is kept by keep_down).
  static bool held_by_pass(const AdvanceReservation& r, TimeMs now) { return r.tenant != kNoTenant || !r.active(now); }
  // Starts j in an active reservation of its tenant (or an ancestor's).
  bool try_reserved(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r);
  // Into alloc_: `gpus` of the whole GPUs the reservation holds, given back to the index for
  // start() to take (REQUIRES: it holds that many); or a slice on one of its sliced GPUs
  // (false when none has room).
  void reserved_gpus(ClusterState& s, const AdvanceReservation& res, int gpus);
  bool reserved_slice(const ClusterState& s, const AdvanceReservation& res, int slice);
  // Starts j on GPUs reserved for later, if its time limit ends it before those windows.
  bool try_before_windows(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r);
  bool slice_before_windows(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs end, TimeMs now, PassResult& r);
  // A job running in a reservation gives its GPUs up only to its reservation's tenants.
  bool may_evict(const ClusterState& s, const Job& j, const Job& victim) const;
  // GPUs held for reservations in the pools j may use.
  long reserved_for(const PlaceRequest& req) const;
  std::string reserved_text(const ClusterState& s, const Job& j) const;
  // A deferrable job waits for a lower-carbon hour, when one comes before it must start.
  bool defer(const ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now);
  bool try_preempt(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r);
  // Reclaims GPUs borrowed beyond their guarantee by other tenants, for a job within its own.
  bool try_reclaim(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r);
  // Frees the candidates' GPUs one by one until `req` fits, then preempts those it uses and
  // starts j. Changes nothing when it does not fit.
  bool evict(ClusterState& s, Job& j, const PlaceRequest& req, const std::vector<JobId>& cand, TimeMs now,
             PassResult& r);
  void file(ClusterState& s, const Job& j, TimeMs now);
  QueueShape shape_of(const ClusterState& s, const Job& j) const;
  bool waits_behind_head(const ClusterState& s, TimeMs now, const QueueEntry& e);  // writes e.waited
  void unfile(const Job& j);  // out of the queue (no-op when not in it)
  void refile(ClusterState& s, const Job& j, TimeMs now);  // unfile, then file: a new key
  // What a job's time limit leaves it to run, a restart's overhead included.
  DurationMs limit_left(const Job& j) const {
    return (j.resumed() ? opt_.restart_overhead : 0) + j.spec.time_limit - j.useful_ms;
  }
  // Full slice classes (engine/slice_classes.cc).
  std::uint32_t slice_class(const Job& j);
  bool class_full(const ClusterState& s, std::uint32_t c, TimeMs now) const;
  void mark_full_classes(const ClusterState& s, TimeMs now);
  void recheck_class(const ClusterState& s, const Job& j, TimeMs now);
  bool skipped(JobId id) const { return skipped_class(queue_.class_of(id)); }
  bool skipped_class(std::uint32_t c) const { return c < full_.size() && full_[c]; }
  // Running GPUs per pool that preemption or reclaim could free: preemptible, or borrowed.
  void count_freeable(const ClusterState& s, const Job& j, long sign);
  bool can_preempt_now(const ClusterState& s, const Job& j, TimeMs now);
  void add_victim(const ClusterState& s, const Job& j, TimeMs now);
  void remove_victim(const Job& j);
  void refresh_victims(const ClusterState& s, TimeMs now);
  void rebuild_drifting_victims(const ClusterState& s, TimeMs now);
  template <typename F>
  void each_victim(F&& f) const;
  bool outranks(const ClusterState& s, const Job& j, const Victim& v, TimeMs now) const;
  // Parts of load() (engine/scheduler_archive.cc): the sets of running and parked jobs, what is
  // held out of the index, the slice classes and freeable counts, the victims; then, every GPU
  // is free, run by a job, or held out by a downtime, a node state or a reservation, once.
  bool load_job_sets(Reader& r, const ClusterState& s);
  bool load_held_out(Reader& r, const Topology& topo);
  bool load_classes(Reader& r, const ClusterState& s);
  bool load_victims(Reader& r, const ClusterState& s);
  bool check_occupancy(Reader& r, const ClusterState& s) const;

  SchedulerOptions opt_;
  // opt_.site_choice, checked by make(): compared as a string for every job looked at, it was
  // 2% of the France month.
  enum class SiteChoice : std::uint8_t { kEarliest, kCheapest, kGreenest } choice_;
  std::unique_ptr<QueuePolicy> policy_;
  std::unique_ptr<Placer> placer_;
  Admission* admission_ = nullptr;
  PendingQueue queue_;
  EndOrder ends_;  // running whole-GPU jobs with a time limit, by when they end at the latest
  // By PoolId: bumped when a job with GPUs in the pool enters or leaves ends_, for easy_plans_
  // (a plan reads only the pools its head may use).
  std::vector<std::uint64_t> ends_versions_;
  void ends_changed(const ClusterState& s, const Allocation& a);
  EasyPlanCache easy_plans_;        // EASY reservations kept across passes while unchanged
  std::set<JobId> borrowed_;  // running jobs beyond a guarantee: reclaimable
  // Jobs admission refused, out of the queue until their tenant's funds change (unpark), so
  // that a tenant out of credits costs the passes nothing.
  // Per tenant, by need: unpark() re-queues only the jobs the tenant's room now covers.
  std::map<TenantId, std::multimap<std::int64_t, JobId>> parked_;
  std::size_t parked_count_ = 0;
  std::optional<int> first_priority_;
  bool priorities_vary_ = false;  // until then no job can preempt by priority

  // The last pass, for explain().
  std::uint64_t pass_id_ = 0;
  TimeMs pass_time_ = -1;
  Stop stop_ = Stop::kNone;
  JobId blocker_ = 0;
  Reservation res_;
  std::vector<std::pair<PoolId, long>> head_pools_;  // res_.held's GPUs, by pool
  std::uint64_t held_skips_ = 0;  // held_could_fit's noes, for tests
  AdvanceBook book_;
  std::vector<std::size_t> live_;  // reservations whose window has not ended, by index
  // GPUs they hold out of the index in this pass: [0] whole, [1] sliced (a downtime of both
  // kinds counts in both: these gate the searches, they must not miss any).
  long held_[2] = {0, 0};
  std::vector<std::size_t> open_;  // tenants' reservations active in this pass
  struct SliceMiss { int slice; SiteMask sites; TypeMask types; TimeMs end; };
  std::vector<SliceMiss> slice_miss_;  // slice jobs no reserved GPU had room for, before windows
  // Whole-GPU gangs that did not fit with the windows after their end given back: those are a
  // tail of live_ (by window start), from `first` (same rule as slice_miss_: free GPUs only
  // shrink within a pass until a job stops). With thousands of waiting jobs of a few shapes,
  // giving back and taking again every later window for each of them was a fifth of a pass at
  // ten times France (docs/PERFORMANCE.md).
  struct WholeMiss { int gpus; SiteMask sites; TypeMask types; std::size_t first; };
  std::vector<WholeMiss> whole_miss_;
  void note_whole_miss(const PlaceRequest& req, std::size_t first);
  // By TenantId: 1 for the owners of open_ (try_reserved looks at a job's ancestors only).
  std::vector<char> open_owner_;
  bool owns_open(const ClusterState& s, TenantId t) const;
  void count_held(const AdvanceReservation& r, long sign) {
    if (r.whole) held_[0] += sign * r.held_count;
    if (r.sliced) held_[1] += sign * r.held_count;
  }
  long reserved_held() const { return held_[0] + held_[1]; }
  // Downtimes (reservations for nobody) that are on stay out of the index from pass to pass:
  // nothing can run there, so holding them anew every pass would only cost time.
  Allocation down_;                // the GPUs they took
  std::vector<std::size_t> down_on_;  // which downtimes were on when down_ was taken
  bool down_dirty_ = false;        // a node came back: take down_ anew in the next pass
  std::vector<std::uint64_t> offline_;  // by NodeId: GPUs out of the index for the node's state
  TimeMs defer_wake_ = kNever;     // the next hour a deferred job looks again

  // Slice jobs fall into classes: (profile, sites, types); deferrable ones, and whole-GPU jobs,
  // into class 0, never skipped. A class is full in a pass when no job of it can start in that
  // pass whatever its tenant or quota: no GPU it may use has room for its profile, nothing
  // there can be preempted or reclaimed, and no reserved GPU it could reach has room. Its jobs
  // are then not looked at: with an oversubscribed lab, that was every pass looking at every
  // waiting session. Capacity there cannot grow within the pass (nothing there can be
  // preempted), so a class full at any point of a pass stays full to its end.
  struct SliceClass {
    int slice = 0;
    SiteMask sites = 0;
    TypeMask types = 0;
    std::multiset<DurationMs> left;  // time left by the limits of its queued jobs (with a limit)
  };
  std::vector<SliceClass> classes_ = std::vector<SliceClass>(1);
  std::vector<char> full_;            // by class, in this pass
  std::vector<std::uint64_t> seen_;   // by class: starts_ + 1 when full_ was last worked out
  std::uint64_t starts_ = 0;          // jobs started, ever
  std::vector<long> victim_gpus_, borrowed_gpus_;  // by PoolId (count_freeable)

  // Scratch, reused across passes to avoid allocation.
  std::set<Victim> victims_;
  std::vector<Victim> drifting_;       // instead of victims_ for drifting keys, sorted in each pass
  std::vector<PolicyKey> victim_key_;  // by JobId: the key it is filed under in victims_
  bool victims_fresh_ = false;         // for drifting keys: rebuilt in this pass
  struct Failed { TypeMask types; SiteMask sites; int gpus; int slice; };
  std::vector<Failed> failed_preempts_;
  TimeMs exempt_until_ = kNever;  // earliest end of an exemption that kept a victim running
  std::vector<JobId> requeue_, changed_;
  Groups groups_;  // the pass's groups (scratch)
  std::vector<QueuePolicy::GroupRef> refs_;  // order_next
  Groups run_;
  Allocation alloc_;
  std::vector<std::int64_t> rank_;  // by PoolId: the site choice (SchedulerOptions::site_choice)
  // `cheapest` with prices from the admission seam: by (priority, preemptible), the price per
  // pool. Cleared every pass (prices may change between passes).
  std::map<std::pair<int, bool>, std::vector<std::int64_t>> price_rank_;
};

}  // namespace hexa
