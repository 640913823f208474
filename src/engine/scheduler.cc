#include "engine/scheduler.h"

#include <algorithm>
#include <bit>
#include <iterator>
#include <limits>

#include "engine/decay.h"
#include "engine/quota.h"

namespace hexa {

Result<Scheduler> Scheduler::make(const SchedulerOptions& opt) {
  auto policy = make_queue_policy(opt);
  if (!policy.ok()) return policy.status();
  auto placer = make_placer(opt.placement, opt.slice_placement);
  if (!placer.ok()) return placer.status();
  if (opt.site_choice != "earliest" && opt.site_choice != "cheapest" && opt.site_choice != "greenest")
    return Status::Invalid("site_choice: unknown '" + opt.site_choice + "'; expected earliest, cheapest or greenest");
  return Scheduler(opt, std::move(policy).value(), std::move(placer).value());
}

void Scheduler::enqueue(ClusterState& s, const Job& j, TimeMs now) {
  count_queued(s, j, +1);
  file(s, j, now);
}

void Scheduler::file(ClusterState& s, const Job& j, TimeMs now) {
  if (!first_priority_) first_priority_ = j.spec.priority;
  priorities_vary_ = priorities_vary_ || j.spec.priority != *first_priority_;
  std::uint32_t c = slice_class(j);
  queue_.push(j.id, {-j.spec.priority, policy_->group(j)}, policy_->key(s, j, now), c, shape_of(s, j));
  if (c && j.spec.time_limit > 0) classes_[c].left.insert(limit_left(j));
}

// What consider() reads to send a job to wait behind the EASY head at its first tests
// (only_waits_behind_head): a whole-GPU job, not deferrable, whose quota check cannot fail
// (no quota on its tenant or above, some GPU type of the cluster allowed). Any other is
// looked at in every pass.
QueueShape Scheduler::shape_of(const ClusterState& s, const Job& j) const {
  if (j.spec.slice || j.spec.deferrable || j.spec.tenant >= s.quota_chain.size() || s.quota_chain[j.spec.tenant] != 0)
    return {};
  bool some_type = false;
  for (TypeId t = 0; t < s.topo->types().size() && !some_type; ++t) some_type = allows(j.spec.types, t);
  if (!some_type) return {};
  return {j.spec.gpus, j.spec.time_limit > 0 ? limit_left(j) : kNever};
}

void Scheduler::unfile(const Job& j) {
  if (!queue_.contains(j.id)) return;
  std::uint32_t c = queue_.class_of(j.id);
  queue_.erase(j.id);
  if (c == 0 || j.spec.time_limit <= 0) return;
  auto& left = classes_[c].left;  // what file() put there: nothing it depends on moves in the queue
  if (auto it = left.find(limit_left(j)); it != left.end()) left.erase(it);
}

// What unfile and file do, in place when the job stays queued in its group with no slice
// class (the class's time-left set would get the same value back).
void Scheduler::refile(ClusterState& s, const Job& j, TimeMs now) {
  if (queue_.contains(j.id) && queue_.class_of(j.id) == 0 && slice_class(j) == 0 &&
      queue_.rekey(j.id, {-j.spec.priority, policy_->group(j)}, policy_->key(s, j, now)))
    return;
  unfile(j);
  file(s, j, now);
}

void Scheduler::dequeue(ClusterState& s, const Job& j) {
  count_queued(s, j, -1);
  unfile(j);
  if (j.wait.kind != WaitKind::kAdmission) return;
  auto it = parked_.find(j.spec.tenant);
  if (it == parked_.end()) return;
  auto [lo, hi] = it->second.equal_range(j.admission_need);
  for (auto p = lo; p != hi; ++p)
    if (p->second == j.id) {
      it->second.erase(p);
      --parked_count_;
      break;
    }
}

void Scheduler::unpark(ClusterState& s, TenantId t, TimeMs now, bool all) {
  auto it = parked_.find(t);
  if (it == parked_.end()) return;
  auto& jobs = it->second;
  // Cheapest first, as many as the tenant's room covers together: re-queueing more would only
  // place them and refuse them again, and a tenant short of money with a long queue would
  // make every pass cost its whole queue. Those left wait for the next change in its funds.
  std::int64_t room = all || !admission_ ? std::numeric_limits<std::int64_t>::max() : admission_->room(s, t, now);
  auto p = jobs.begin();
  for (; p != jobs.end() && p->first <= room; ++p) {
    if (!all) room -= p->first;
    if (s.jobs[p->second].phase == JobPhase::kPending && !queue_.contains(p->second)) file(s, s.jobs[p->second], now);
  }
  parked_count_ -= static_cast<std::size_t>(std::distance(jobs.begin(), p));
  jobs.erase(jobs.begin(), p);
  if (jobs.empty()) parked_.erase(it);
}

std::optional<std::int64_t> Scheduler::least_parked_need(TenantId t) const {
  auto it = parked_.find(t);
  if (it == parked_.end() || it->second.empty()) return std::nullopt;
  return it->second.begin()->first;
}

void Scheduler::unpark_all(ClusterState& s, TimeMs now, bool all) {
  std::vector<TenantId> tenants;
  for (const auto& kv : parked_) tenants.push_back(kv.first);
  for (TenantId t : tenants) unpark(s, t, now, all);
}

void Scheduler::start(ClusterState& s, Job& j, const Allocation& alloc, TimeMs now) {
  dequeue(s, j);
  TypeId type = s.topo->node(alloc.front().node).type;
  j.borrowed_from = borrows_from(s, j, type);
  if (j.borrowed_from != kNoTenant) borrowed_.insert(j.id);
  ++starts_;
  count_running(s, j, type, +1);
  s.free.take(alloc);
  j.alloc = alloc;
  count_freeable(s, j, +1);
  j.phase = JobPhase::kRunning;
  j.last_start = now;
  ++j.segment;
  if (j.first_start < 0) j.first_start = now;
  Tenant& t = s.tenants[j.spec.tenant];
  charge_usage(t, now, opt_.fair_half_life);
  t.running_gpus += j.spec.gpus;
  s.add_running(j);
  if (admission_) admission_->started(s, j, now);
  if (TimeMs end = latest_end(j, opt_.restart_overhead); end != kNever && !j.spec.slice) {
    ends_.emplace(std::pair{end, j.id}, end_gpus(s.free, j.alloc));
    ends_changed(s, j.alloc);
  }
  add_victim(s, j, now);
  policy_->on_started(s, j, now);
}

void Scheduler::stop(ClusterState& s, Job& j, TimeMs now, JobPhase to, bool requeue) {
  slice_miss_.clear();  // slots it frees may be on reserved GPUs
  whole_miss_.clear();  // and so may GPUs
  if (ends_.erase({latest_end(j, opt_.restart_overhead), j.id})) ends_changed(s, j.alloc);
  if (j.reservation >= 0)
    book_.note_used(static_cast<std::size_t>(j.reservation), j.spec.gpus,
                    j.spec.slice ? s.topo->slice_profile(j.spec.slice).compute : 0, j.last_start, now);
  j.reservation = -1;
  remove_victim(j);
  count_freeable(s, j, -1);
  borrowed_.erase(j.id);
  count_running(s, j, s.topo->node(j.alloc.front().node).type, -1);
  DurationMs seg = now - j.last_start;
  j.run_ms += seg;
  j.useful_ms += j.resumed() ? std::max<DurationMs>(0, seg - opt_.restart_overhead) : seg;
  j.last_run_ms = seg;
  s.free.give(j.alloc);
  for (const NodeGpus& g : j.alloc)  // a draining or lost node keeps what its jobs free
    if (!s.nodes[g.node].takes_work()) take_offline(s, g.node);
  j.alloc.clear();
  s.remove_running(j);
  Tenant& t = s.tenants[j.spec.tenant];
  charge_usage(t, now, opt_.fair_half_life);
  t.running_gpus -= j.spec.gpus;
  j.phase = to;
  if (to == JobPhase::kPending) {
    ++j.preemptions;
    j.queued_since = now;
    j.wait = {};
    if (requeue) enqueue(s, j, now);
  } else {
    j.end = now;
  }
  if (admission_) {
    admission_->stopped(s, j, now);
    unpark(s, j.spec.tenant, now);  // its hold came back
  }
  policy_->on_stopped(s, j, now);
}

void Scheduler::ends_changed(const ClusterState& s, const Allocation& a) {
  ends_versions_.resize(s.free.pools().size());
  for (const NodeGpus& g : a) ++ends_versions_[s.free.pool_of_block(s.topo->node(g.node).block)];
}

bool Scheduler::admitted(const ClusterState& s, Job& j, const Allocation& alloc, TimeMs now) {
  if (!admission_ || admission_->admit(s, j, alloc, now, &j.admission_why)) return true;
  j.wait = WaitReason::of(WaitKind::kAdmission, pass_id_, 0);
  j.waited_on_admission = true;
  if (j.first_admission_wait < 0) j.first_admission_wait = now;
  unfile(j);
  j.admission_need = admission_->need(s, j, alloc);
  parked_[j.spec.tenant].emplace(j.admission_need, j.id);
  ++parked_count_;
  return false;
}

// Ranks groups[from, to) (one priority) from `done` on: the next `want` of them in order.
void Scheduler::order_next(ClusterState& s, TimeMs now, Groups& groups, std::size_t done, std::size_t to,
                           std::size_t want) {
  if (to - done < 2) return;
  refs_.clear();
  for (std::size_t i = done; i < to; ++i) refs_.push_back({groups[i].first.group, static_cast<std::uint32_t>(i - done)});
  policy_->order_groups(s, now, refs_, want);
  run_.assign(groups.begin() + static_cast<std::ptrdiff_t>(done), groups.begin() + static_cast<std::ptrdiff_t>(to));
  for (std::size_t i = 0; i < refs_.size(); ++i) groups[done + i] = run_[refs_[i].at];
}

// Whether every group of groups[from, to) has only jobs of full slice classes.
bool Scheduler::all_full(const Groups& groups, std::size_t from, std::size_t to) const {
  for (std::size_t i = from; i < to; ++i) {
    const PendingQueue::Group& g = *groups[i].second;
    if (g.other != 0 || g.cls == 0 || g.cls >= full_.size() || !full_[g.cls]) return false;
  }
  return true;
}

// Visits the groups of one priority in rank order, ordering them a few at a time: once those
// left are all of full slice classes (a lab that filled up in this pass), they need no order
// and no visit. A full sort of thousands of waiting learners in every pass was most of a run.
void Scheduler::visit_run(ClusterState& s, TimeMs now, Groups& groups, std::size_t from, std::size_t to,
                          PassResult& r) {
  std::size_t want = 16;
  for (std::size_t done = from; done < to && stop_ == Stop::kNone; want *= 2) {
    if (done > from && all_full(groups, done, to)) return;
    order_next(s, now, groups, done, to, want);
    const std::size_t end = std::min(to, done + want);
    for (; done < end && stop_ == Stop::kNone; ++done)
      for (auto it = groups[done].second->begin(); it != groups[done].second->end() && stop_ == Stop::kNone;) {
        const QueueEntry& e = *it++;  // step first: starting the job erases its entry
        if (skipped_class(e.cls) || waits_behind_head(s, now, e)) continue;
        consider(s, s.jobs[e.id], now, r);
      }
  }
}

// What consider() would answer at its first tests, read from the queue's entry without the
// job: that it waits behind the EASY head (only_waits_behind_head, for a job of a shape that
// gets there; see shape_of). Then the reason goes in the entry (PendingQueue::wait_of). Under a
// held reservation most of a month's waiting gangs do only that, in every pass, and looking
// at each job (five cache lines of it) was a quarter of the pass.
bool Scheduler::waits_behind_head(const ClusterState& s, TimeMs now, const QueueEntry& e) {
  if (!res_.active || e.shape.gpus == 0 || !opt_.skip_full_classes || (admission_ && choice_ == SiteChoice::kCheapest) ||
      !open_.empty())
    return false;
  // consider()'s first test could end the pass (nothing free, nothing held): let it.
  if (s.free.none_free() && res_.held.empty() && reserved_held() == 0 && borrowed_.empty()) return false;
  // Stricter than only_waits_behind_head where reserved GPUs are held: a job without a time
  // limit that would fit with them goes to consider(), which gives the same answer.
  const long free = s.free.total_free();
  if (e.shape.gpus <= free + held_[0] || e.shape.left <= res_.at - now) return false;
  // A job that admission refused in this pass (parked, then queued again) keeps that reason,
  // as in consider(): its own reason is from this pass, so wait_of does not read this one.
  e.waited = {pass_id_, free, res_.at, res_.head};
  return true;
}

// Ranks the pools for the site choice: by price factor, or by gCO2e per GPU-hour now (grid
// intensity at this hour x PUE x the GPU type's power).
void Scheduler::rank_sites(const ClusterState& s, TimeMs now) {
  const Topology& topo = *s.topo;
  const auto hour = static_cast<std::size_t>(now / kHour % 24);
  rank_.resize(s.free.pools().size());
  for (PoolId p = 0; p < rank_.size(); ++p) {
    const PoolInfo& pool = s.free.pools()[p];
    const SiteProfile& site = topo.site(pool.site).profile;
    rank_[p] = choice_ == SiteChoice::kCheapest
                   ? site.price_factor_bps
                   : std::int64_t{site.carbon[hour]} * site.pue_milli * topo.type_watts(pool.type);
  }
}

// The site choice's ranking for j. `cheapest` with an admission that prices (money on): the
// price j's tenant would be charged in each pool, which is what the ledger bills, not the
// cluster's price factor (the two may disagree). Else the pass's ranking by pool.
const std::vector<std::int64_t>* Scheduler::site_rank(const ClusterState& s, const Job& j) {
  if (choice_ == SiteChoice::kEarliest) return nullptr;
  if (choice_ != SiteChoice::kCheapest || admission_ == nullptr) return &rank_;
  auto [it, fresh] = price_rank_.try_emplace({j.spec.priority, j.spec.preemptible});
  if (fresh) {
    it->second.resize(rank_.size());
    for (PoolId p = 0; p < rank_.size(); ++p)
      if ((it->second[p] = admission_->price(s, j, p)) < 0) {
        it->second = rank_;  // no prices: the price factors
        break;
      }
  }
  return &it->second;
}

PassResult Scheduler::pass(ClusterState& s, TimeMs now) {
  if (choice_ != SiteChoice::kEarliest) rank_sites(s, now);
  price_rank_.clear();
  ++pass_id_;
  pass_time_ = now;
  stop_ = Stop::kNone;
  res_ = {};
  failed_preempts_.clear();
  exempt_until_ = kNever;
  refresh_victims(s, now);
  PassResult r;
  defer_wake_ = kNever;
  if (!book_.empty()) {
    begin_windows(s, now, r);
    hold_reserved(s, now);
  }
  mark_full_classes(s, now);

  changed_.clear();
  policy_->changed_keys(s, now, &changed_);
  if (policy_->waiting_keys_drift())  // every waiting job moves (ftf); changed_keys added none
    for (auto& [key, group] : queue_.groups())
      for (const QueueEntry& e : *group) changed_.push_back(e.id);
  for (JobId id : changed_) refile(s, s.jobs[id], now);  // under its new key
  Groups& groups = groups_;
  queue_.groups(full_, &groups);  // less the groups of full slice classes
  for (std::size_t a = 0; a < groups.size() && stop_ == Stop::kNone;) {  // each priority
    std::size_t b = a;
    while (b < groups.size() && groups[b].first.neg_priority == groups[a].first.neg_priority) ++b;
    visit_run(s, now, groups, a, b, r);
    a = b;
  }
  if (res_.active) unhold(s, res_);
  if (!book_.empty()) unhold_reserved(s);
  for (JobId id : requeue_) enqueue(s, s.jobs[id], now);
  requeue_.clear();
  queue_.drop_empty_groups();
  r.wake_at = std::min({policy_->next_wakeup(s, now, !queue_.empty()), exempt_until_, defer_wake_,
                        book_.empty() ? kNever : book_.next_boundary(now)});
  if (r.wake_at <= now) r.wake_at = now + 1;
  return r;
}

namespace {

// Whether a whole-GPU job, looked at while an EASY reservation is held, can only wait, as
// try_backfill would find: fewer GPUs free than it needs, no end before the head starts (so
// the head's GPUs are not its to borrow), and try_before_windows turning it down at its first
// tests. `held`: whole GPUs held for advance reservations in this pass.
bool only_waits_behind_head(const Job& j, long free, long held, TimeMs head_at, TimeMs now, DurationMs overhead) {
  if (j.spec.slice || j.spec.deferrable || free >= j.spec.gpus) return false;
  if (j.spec.time_limit <= 0) return true;  // no end known: neither before the head nor a window
  const TimeMs end = now + (j.resumed() ? overhead : 0) + j.spec.time_limit - j.useful_ms;
  return end > head_at && (held == 0 || free + held < j.spec.gpus);
}

}  // namespace

bool Scheduler::consider(ClusterState& s, Job& j, TimeMs now, PassResult& r) {
  // Nothing is free: only preemption or reclaim can start anything. When this job cannot
  // preempt, no later one can either (they rank lower); reclaim depends on each job's tenant.
  if (s.free.none_free() && res_.held.empty() && reserved_held() == 0 && borrowed_.empty() &&
      !can_preempt_now(s, j, now)) {
    stop_ = Stop::kFull;
    return false;
  }
  QuotaVerdict quota = check_quotas(s, j);
  if (!quota.ok) {  // waits on its tenant's quota; holds up no one behind it
    j.wait = quota.wait;
    j.wait.pass = pass_id_;
    j.waited_on_quota = true;
    return false;
  }
  // Under an EASY reservation most waiting gangs can only wait (3 in 4 looked at in the France
  // 3-day cut): they get try_backfill's answer without the placement and window calls that
  // would each turn them down (quotas narrow the types, which none of those first tests
  // reads). Only where those calls do nothing else: no per-job price ranks (site_rank fills
  // them), no open window of its tenant (try_reserved), not refused in this pass.
  if (res_.active && opt_.skip_full_classes &&
      only_waits_behind_head(j, s.free.total_free(), held_[0], res_.at, now, opt_.restart_overhead) &&
      !(admission_ && choice_ == SiteChoice::kCheapest) && (open_.empty() || !owns_open(s, j.spec.tenant)) &&
      !refused_now(j)) {
    j.wait = WaitReason::of(WaitKind::kWouldDelayHead, pass_id_, s.free.total_free(), res_.at, res_.head);
    return false;
  }
  PlaceRequest req{j.spec.gpus, quota.allowed ? quota.allowed : j.spec.types, j.spec.sites,
                   site_rank(s, j), j.spec.prefer};
  req.slice = j.spec.slice;
  if (j.spec.deferrable && defer(s, j, req, now)) return false;  // holds up no one behind it
  if (!open_.empty() && try_reserved(s, j, req, now, r)) return true;
  if (refused_now(j)) return false;
  // Only whole-GPU jobs hold an EASY reservation (reservation.h): sliced and whole GPUs are
  // apart, so a slice waiting takes no protection away from a big gang, nor the reverse.
  if (res_.active && !req.slice) return try_backfill(s, j, req, now, r);
  PlaceFailure why;
  if (placer_->place(s.free, req, &alloc_, &why)) {
    if (!admitted(s, j, alloc_, now)) return false;  // holds up no one behind it
    start(s, j, alloc_, now);
    r.started.push_back(j.id);
    return true;
  }
  if (try_before_windows(s, j, req, now, r) || try_preempt(s, j, req, now, r) || try_reclaim(s, j, req, now, r))
    return true;
  if (refused_now(j)) return false;  // room was made, but admission said no: parked
  j.wait = WaitReason::of(why.kind, pass_id_, why.best);
  if (long held = live_.empty() ? 0 : reserved_for(req); held > 0 && held + why.best >= j.spec.gpus)
    j.wait = WaitReason::of(WaitKind::kReservedGpus, pass_id_, held);
  if (req.slice) recheck_class(s, j, now);
  if (policy_->skip() == Skip::kStrict) {
    blocker_ = j.id;
    stop_ = Stop::kBlocked;
  } else if (policy_->skip() == Skip::kEasy && !req.slice) {
    res_ = easy_plans_.plan(s, *placer_, j, now, ends_, ends_versions_);
    if (res_.active) {
      hold_head(s);
      j.wait = WaitReason::of(WaitKind::kReserved, pass_id_, why.best, res_.at, j.id);
    }
  }
  return false;
}

void Scheduler::hold_head(ClusterState& s) {
  hold(s, res_);
  head_pools_.clear();
  for (const NodeGpus& g : res_.held) {
    const PoolId p = s.free.pool_of_block(s.topo->node(g.node).block);
    auto it = std::find_if(head_pools_.begin(), head_pools_.end(), [p](const auto& e) { return e.first == p; });
    if (it == head_pools_.end()) it = head_pools_.insert(head_pools_.end(), {p, 0});
    it->second += std::popcount(g.mask);
  }
}

// A gang is placed in one pool, and giving the held GPUs back changes only their pools: where
// none of those could then have enough GPUs free, the placement fails as it did without them,
// and the hold taken again is the one given back (no whole GPU of the reservation frees up
// within a pass). In the France month four in five such tries were answered here, saving the
// give, the placement and the take of a head's some hundred GPUs.
bool Scheduler::held_could_fit(const ClusterState& s, const PlaceRequest& req) {
  if (!opt_.skip_full_classes) return true;
  for (const auto& [p, n] : head_pools_)
    if (pool_eligible(s.free.pools()[p], req) && s.free.pool_free(p) + n >= req.gpus) return true;
  ++held_skips_;
  return false;
}

bool Scheduler::try_backfill(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r) {
  PlaceFailure why;
  // Fewer GPUs free in all than a whole-GPU gang needs: no placement can succeed.
  bool ok = false;
  if (req.slice == 0 && s.free.total_free() < req.gpus)
    why = {WaitKind::kNoBlock, s.free.total_free()};
  else
    ok = placer_->place(s.free, req, &alloc_, &why);
  // A job sure to end (by its own time limit) before the reservation starts may also use the
  // reserved GPUs: it cannot delay the head job.
  DurationMs overhead = j.resumed() ? opt_.restart_overhead : 0;
  if (!ok && j.spec.time_limit > 0 && now + overhead + j.spec.time_limit - j.useful_ms <= res_.at) {
    // Fewer GPUs free, the reserved ones with them, than the gang needs: no placement can
    // succeed, and giving the reserved GPUs back to take them again would change nothing
    // (within a pass no whole GPU of the reservation frees up once it is held).
    // Counted only as far as the gang needs: a big head holds many nodes, and most jobs
    // looked at here need none of them (6% of the month was this loop, for every short job).
    long short_by = req.gpus - s.free.total_free();
    for (auto g = res_.held.begin(); short_by > 0 && g != res_.held.end(); ++g) short_by -= std::popcount(g->mask);
    if (short_by <= 0 && held_could_fit(s, req)) {
      unhold(s, res_);
      ok = placer_->place(s.free, req, &alloc_, nullptr) && admitted(s, j, alloc_, now);
      if (ok) start(s, j, alloc_, now);
      hold_head(s);
    }
    if (refused_now(j)) return false;
  } else if (ok) {
    if (!admitted(s, j, alloc_, now)) return false;
    start(s, j, alloc_, now);
  }
  if (ok) {
    r.started.push_back(j.id);
    return true;
  }
  if (try_before_windows(s, j, req, now, r)) return true;
  if (refused_now(j)) return false;
  j.wait = WaitReason::of(WaitKind::kWouldDelayHead, pass_id_, why.best, res_.at, res_.head);
  return false;
}

}  // namespace hexa
