#include "sim/simulator.h"

#include <algorithm>

#include "core/job_request.h"
#include "model/energy.h"
#include "sim/event_queue.h"

namespace hexa {
namespace {

// One run segment of a job, for the report: where, on what, and the credits its close posted.
struct Segment {
  TimeMs start, end;
  int sevenths;  // GPUs held x 7: a slice counts as its share of a GPU
  SiteId site;
  TypeId type;
  TenantId tenant;
  Micro credits;  // the tenant's consumption posted when it closed (usage less refunds)
};

class Run {
 public:
  Run(const Topology& topo, const Trace& trace, const SimOptions& opt, Core& core)
      : topo_(topo), trace_(trace), opt_(opt), core_(core) {}

  Result<SimResult> go(const std::vector<TenantId>* prepared);

 private:
  // `prepared`: the core holds the tenants and set-up already, and these are the trace jobs'
  // tenant ids there (PreparedCore).
  Status setup_tenants(const std::vector<TenantId>* prepared);
  void arrive(std::uint32_t idx, TimeMs now);
  void on_effects(const Effects& fx, TimeMs now);
  void started(JobId id, TimeMs now);
  void preempted(JobId id, TimeMs now, DurationMs lost = 0);
  void ended(JobId id, TimeMs now);
  void finish_records();
  void segment_closed(JobId id, TimeMs now);
  void count_pending(const Effects& fx, TimeMs now);
  void fill_timelines(const std::vector<std::string>& cls);

  const Topology& topo_;
  const Trace& trace_;
  const SimOptions& opt_;
  Core& core_;
  EventQueue q_;
  SimResult out_;
  std::vector<TenantId> tenant_of_;     // per trace job
  std::vector<JobId> core_of_;          // per trace job: core id, or kNone
  // What the simulator knows of a job beyond the core: its true remaining work.
  struct Live {
    DurationMs left = 0;      // work left, by the simulator's own account
    std::uint32_t epoch = 0;  // run segments begun; a completion of an older one is stale
    SiteId site = 0;          // where it last ran
    TypeId type = 0;          // on which GPU type
  };
  std::vector<Live> live_;  // per core job id
  std::vector<Segment> segments_;
  // The request of the job arriving, kept from one arrival to the next: assigning a job's names
  // and lists into it reuses the buffers the previous one left (learners' names are longer than
  // a short string holds), where a fresh request allocated each of them again.
  JobRequest req_;
  TimeMs scheduled_wake_ = kNever;
  // For the report's timelines, sampled here and not in the core.
  long pending_ = 0;                                 // jobs accepted, not running, not ended
  std::vector<std::pair<TimeMs, long>> pending_at_;  // (time, pending) at each change
  std::vector<Micro> paid_;                          // per tenant: consumption seen so far
  static constexpr JobId kNone = ~JobId{0};
};

Status Run::setup_tenants(const std::vector<TenantId>* prepared) {
  if (prepared) {
    // Each id checked against its name: a compare, where a lookup hashed a name and missed in
    // a table of 40,000 (twice per job of the France month, with the loader's).
    for (std::size_t i = 0; i < trace_.jobs.size(); ++i) {
      const TenantId id = (*prepared)[i];
      const auto& tenants = core_.state().tenants;
      if (id >= tenants.size() || tenants[id].name != trace_.jobs[i].tenant)  // a trace changed since the load
        return Status::Invalid("simulate: the prepared core does not hold the trace's tenant '" +
                               trace_.jobs[i].tenant + "' where the loader found it");
    }
    tenant_of_ = *prepared;
    return Status::Ok();
  }
  for (const AddTenant& t : opt_.tenants)
    if (auto fx = core_.apply(t, 0); !fx.ok()) return fx.status();
  tenant_of_.reserve(trace_.jobs.size());
  for (const TraceJob& tj : trace_.jobs) {
    auto id = core_.find_tenant(tj.tenant);
    if (!id) {
      AddTenant t;
      t.name = tj.tenant;
      if (auto fx = core_.apply(t, 0); !fx.ok()) return fx.status();
      id = core_.find_tenant(tj.tenant);
    }
    tenant_of_.push_back(*id);
  }
  for (const Command& c : opt_.setup)
    if (auto fx = core_.apply(c, 0); !fx.ok()) return fx.status();
  return Status::Ok();
}

void Run::arrive(std::uint32_t idx, TimeMs now) {
  const TraceJob& tj = trace_.jobs[idx];
  JobRecord& rec = out_.jobs[idx];
  // The fields a trace job gives, all set below but the tenant, known by id (tenant_of_); the
  // others keep their defaults.
  JobRequest& req = req_;
  req.name = tj.id;
  req.gpus = tj.gpus;
  req.gpu_types = tj.gpu_types;
  req.sites = tj.sites;
  req.providers = tj.providers;
  req.prefer = tj.prefer;
  req.slice = tj.slice;
  req.priority = tj.priority;
  req.preemptible = tj.preemptible;
  req.time_limit = tj.time_limit > 0 ? tj.time_limit : (opt_.limits_from_duration ? tj.duration : 0);
  req.oracle_duration = tj.duration;
  req.start_target = tj.start_target;
  req.deferrable = tj.deferrable;
  req.deadline = tj.deadline >= 0 ? tj.deadline : kNever;
  req.checkpoint_every = -1;
  auto spec = resolve(req, tenant_of_[idx], core_, JobDefaults{0, opt_.checkpoint_every});
  auto fx = spec.ok() ? core_.apply(SubmitJob{std::move(*spec)}, now) : Result<Effects>(spec.status());
  if (!fx.ok()) {  // the loader checked the fields; what is left does not fit this cluster
    rec.state = "rejected";
    rec.reason = fx.status().message();
    rec.end = now;
    return;
  }
  JobId id = std::get<JobAccepted>(fx->list.front()).job;
  core_of_[idx] = id;
  live_.resize(id + 1);
  live_[id].left = tj.duration;
  on_effects(*fx, now);
}

void Run::started(JobId id, TimeMs now) {
  const Job& j = core_.job(id);
  DurationMs overhead = j.resumed() ? opt_.sched.restart_overhead : 0;
  Live& l = live_[id];
  DurationMs need = l.left + overhead;
  // The limit bounds useful run time (engine/reservation.h): the core stops the job then by
  // itself, as it would a live one; the trace's own end comes first or not at all.
  DurationMs limit_left = j.spec.time_limit > 0 ? overhead + j.spec.time_limit - j.useful_ms : kNever;
  l.site = topo_.node(j.alloc.front().node).site;
  l.type = topo_.node(j.alloc.front().node).type;
  ++l.epoch;
  if (need <= limit_left) q_.push(now + need, EventKind::kComplete, id, l.epoch);
}

// Preempted, or killed by a node failure that threw away `lost` ms of its useful work.
void Run::preempted(JobId id, TimeMs now, DurationMs lost) {
  const Job& j = core_.job(id);  // already back in the queue: its segment is closed
  DurationMs useful = j.last_run_ms - (j.preemptions > 1 ? opt_.sched.restart_overhead : 0);
  live_[id].left -= std::max<DurationMs>(0, useful) - lost;
  ++live_[id].epoch;  // the completion pushed at start is now stale
  segment_closed(id, now);
}

void Run::ended(JobId id, TimeMs now) {
  const Job& j = core_.job(id);
  DurationMs useful = j.last_run_ms - (j.resumed() ? opt_.sched.restart_overhead : 0);
  live_[id].left -= std::max<DurationMs>(0, useful);
  segment_closed(id, now);
}

// The core meters a segment (and refunds its restart or lost work) when it closes, so the
// tenant's consumption grew by that segment's net cost since we last looked.
void Run::segment_closed(JobId id, TimeMs now) {
  const Job& j = core_.job(id);
  Micro credits = 0;
  if (core_.credits_on()) {
    if (paid_.size() <= j.spec.tenant) paid_.resize(j.spec.tenant + 1, 0);
    // The tenant's id is its ledger index too (Core adds both together, and check_loaded holds
    // a restored core to it): its consumption read there, no name looked up or compared (the
    // compare of two learner names, on the heap, was 0.6% of the France month).
    const auto& funds = core_.ledger().tenants();
    if (j.spec.tenant < funds.size()) {
      const Micro consumed = funds[j.spec.tenant].paid;  // Ledger::consumed
      credits = consumed - paid_[j.spec.tenant], paid_[j.spec.tenant] = consumed;
    }
  }
  segments_.push_back(
      {now - j.last_run_ms, now, sevenths_of(topo_, j.spec), live_[id].site, live_[id].type, j.spec.tenant, credits});
}

void Run::count_pending(const Effects& fx, TimeMs now) {
  long before = pending_;
  for (const Effect& e : fx.list) {
    if (std::holds_alternative<JobAccepted>(e) || std::holds_alternative<JobPreempted>(e) ||
        std::holds_alternative<JobFailed>(e))
      ++pending_;
    if (std::holds_alternative<JobStarted>(e) || std::holds_alternative<JobRejected>(e)) --pending_;
  }
  if (pending_ == before) return;
  if (!pending_at_.empty() && pending_at_.back().first == now)
    pending_at_.back().second = pending_;
  else
    pending_at_.push_back({now, pending_});
}

void Run::on_effects(const Effects& fx, TimeMs now) {
  count_pending(fx, now);
  for (const Effect& e : fx.list) {
    if (auto* s = std::get_if<JobStarted>(&e)) started(s->job, now);
    if (auto* p = std::get_if<JobPreempted>(&e)) preempted(p->job, now), ++out_.preemptions;
    if (auto* d = std::get_if<JobEnded>(&e)) ended(d->job, now);
    if (auto* f = std::get_if<JobFailed>(&e)) {
      preempted(f->job, now, f->lost);
      ++out_.failures;
      out_.lost_gpu_ms += f->lost * core_.job(f->job).spec.gpus;
    }
    if (auto* a = std::get_if<BudgetAlerted>(&e)) out_.alerts.push_back(a->alert);
    if (auto* f = std::get_if<LedgerFault>(&e)) out_.notes.push_back("ledger fault: " + f->what);
  }
  if (fx.wake_at != kNever && fx.wake_at != scheduled_wake_) {
    scheduled_wake_ = fx.wake_at;
    q_.push(fx.wake_at, EventKind::kWake);
  }
}

Result<SimResult> Run::go(const std::vector<TenantId>* prepared) {
  if (Status st = setup_tenants(prepared); !st.ok()) return st;
  out_.jobs.resize(trace_.jobs.size());
  core_of_.assign(trace_.jobs.size(), kNone);
  // At least one segment and two queue changes per job: grown by doubling, these vectors were
  // copied and page-faulted in again about log n times.
  segments_.reserve(trace_.jobs.size());
  pending_at_.reserve(2 * trace_.jobs.size());
  live_.reserve(trace_.jobs.size());
  std::vector<TimeMs> arrivals(trace_.jobs.size());
  for (std::uint32_t i = 0; i < trace_.jobs.size(); ++i) {
    const TraceJob& tj = trace_.jobs[i];
    out_.jobs[i] = JobRecord{tj.id, tj.tenant, tj.gpus, tj.submit, -1, -1, tj.duration, 0, 0, 0, 0, 0, false, -1,
                             "pending", "", "", "", tj.start_target};
    arrivals[i] = tj.submit;
  }
  q_.push_arrivals(std::move(arrivals));
  for (std::uint32_t i = 0; i < opt_.failures.size(); ++i) q_.push(opt_.failures[i].at, EventKind::kFail, i);
  std::size_t arrived = 0;
  while (!q_.empty()) {
    TimeMs now = q_.top().time;
    const long events_before = out_.events;
    bool real = false;  // stale events alone need no pass
    bool woken = false;  // a wake-up adds an event only at an instant where nothing else happens
    while (!q_.empty() && q_.top().time == now) {
      Event e = q_.pop();
      if (e.kind == EventKind::kComplete && e.epoch != live_[e.subject].epoch) continue;
      if (e.kind == EventKind::kWake && e.time != scheduled_wake_) continue;  // superseded
      if (e.kind == EventKind::kWake) woken = true;
      else ++out_.events;
      real = true;
      if (e.kind == EventKind::kArrive) {
        arrive(e.subject, now);
        if (opt_.progress && ++arrived % 4096 == 0) opt_.progress(double(arrived) / double(trace_.jobs.size()));
      } else if (e.kind == EventKind::kFail) {
        const std::string& node = opt_.failures[e.subject].node;
        auto id = topo_.find_node(node);
        if (id && !core_.node(*id).online) continue;  // down already: not a new failure
        ++out_.failed_nodes;
        auto fx = core_.apply(FailNode{node}, now);
        if (!fx.ok()) return fx.status();
        on_effects(*fx, now);
        q_.push(now + opt_.repair, EventKind::kRepair, e.subject);
      } else if (e.kind == EventKind::kRepair) {
        auto fx = core_.apply(NodeUp{opt_.failures[e.subject].node}, now);
        if (!fx.ok()) return fx.status();
        on_effects(*fx, now);
      } else if (e.kind == EventKind::kComplete) {
        auto fx = core_.apply(CompleteJob{e.subject, core_.job(e.subject).segment, EndKind::kCompleted}, now);
        if (!fx.ok()) return fx.status();
        on_effects(*fx, now);
      } else {
        scheduled_wake_ = kNever;
      }
    }
    if (!real) continue;
    if (woken && out_.events == events_before) ++out_.events;
    auto fx = core_.apply(Schedule{}, now);
    if (!fx.ok()) return fx.status();
    ++out_.passes;
    on_effects(*fx, now);
    if (opt_.after_pass) opt_.after_pass(core_, now);
  }
  if (opt_.progress) opt_.progress(1.0);
  finish_records();
  if (opt_.at_end) opt_.at_end(core_, out_.last_end);
  return std::move(out_);
}

void Run::finish_records() {
  // Each tenant's class, from its parent's: parents come first (a tenant names an existing
  // parent), so one lookup per tenant does what walking up from each tenant did.
  std::vector<std::string> cls;
  for (const Tenant& t : core_.state().tenants) {
    auto it = opt_.classes.find(t.name);
    cls.push_back(it != opt_.classes.end() ? it->second : t.parent == kNoTenant ? "other" : cls[t.parent]);
  }
  for (std::uint32_t i = 0; i < trace_.jobs.size(); ++i) {
    JobRecord& rec = out_.jobs[i];
    rec.cls = cls[tenant_of_[i]];
    if (core_of_[i] == kNone) continue;
    const Job& j = core_.job(core_of_[i]);
    rec.first_start = j.first_start;
    rec.end = j.end;
    rec.useful_ms = j.useful_ms;
    rec.run_ms = j.run_ms;
    rec.preemptions = j.preemptions;
    rec.failures = j.failures;
    rec.lost_ms = j.lost_ms;
    rec.waited_on_quota = j.waited_on_quota;
    rec.credit_wait = j.first_admission_wait;
    if (j.first_start >= 0) rec.site = topo_.site(live_[j.id].site).name;
    switch (j.phase) {
      case JobPhase::kFinished: rec.state = j.end_kind == EndKind::kTimeout ? "timeout" : "finished"; break;
      case JobPhase::kRejected: rec.state = "rejected", rec.reason = j.end_reason; break;
      case JobPhase::kPending: rec.state = "pending", rec.reason = core_.explain(j.id); break;
      default: rec.state = phase_name(j.phase); break;
    }
  }
  out_.total_gpus = topo_.total_gpus();
  for (SiteId site = 0; site < topo_.sites().size(); ++site) {
    out_.sites.emplace_back();
    out_.sites.back().name = topo_.site(site).name;
    out_.sites.back().gpus = topo_.site_gpus(site, 0);
    out_.sites.back().profile = topo_.site(site).profile;
  }
  // Busy GPU-ms, summed in sevenths of a GPU-ms and divided once, so slices add up exactly.
  std::vector<GpuMs> busy7(topo_.sites().size(), 0);
  for (const Segment& seg : segments_) busy7[seg.site] += (seg.end - seg.start) * seg.sevenths;
  for (SiteId site = 0; site < topo_.sites().size(); ++site) out_.sites[site].busy = busy7[site] / kSliceCompute;
  out_.first_submit = trace_.jobs.empty() ? 0 : trace_.jobs.front().submit;
  out_.last_end = out_.first_submit;
  for (const Segment& s : segments_) out_.last_end = std::max(out_.last_end, s.end);
  // Timeline: about 200 steps over the run, each a whole number of minutes.
  DurationMs span = out_.last_end - out_.first_submit;
  out_.timeline_step = std::max<DurationMs>(kMinute, (span / 200 + kMinute - 1) / kMinute * kMinute);
  fill_timelines(cls);
  out_.credits_on = core_.credits_on();
  for (std::size_t k = 0; out_.credits_on && k < core_.state().tenants.size(); ++k) {
    const Tenant& t = core_.state().tenants[k];
    auto consumed = core_.ledger().consumed(t.name);
    auto left = core_.ledger().spendable(t.name, out_.last_end);
    out_.credits.push_back({t.name, cls[k], consumed.ok() ? *consumed : 0, left.ok() ? *left : 0});
  }
  for (const AdvanceReservation& r : core_.scheduler().reservations().all()) {
    if (r.tenant == kNoTenant) continue;  // downtimes: capacity out, not set aside for anyone
    SimResult::ReservationFigures f{r.name,   core_.state().tenants[r.tenant].name,
                                    topo_.site(r.site).name,
                                    r.size,   r.slice ? topo_.slice_profile(r.slice).name : "",
                                    r.slices, r.from,
                                    r.to,     r.size * (r.to - r.from),
                                    r.used};
    for (JobId id : core_.state().running) {  // still running at the end: its open segment
      const Job& j = core_.job(id);
      if (j.reservation < 0 || &core_.scheduler().reservations().all()[static_cast<std::size_t>(j.reservation)] != &r)
        continue;
      DurationMs ms = std::max<TimeMs>(0, std::min(out_.last_end, r.to) - std::max(j.last_start, r.from));
      f.used += j.spec.slice ? slice_gpu_ms(topo_.slice_profile(j.spec.slice).compute, ms) : ms * j.spec.gpus;
    }
    out_.reservations.push_back(std::move(f));
  }
  out_.notes.insert(out_.notes.begin(), trace_.notes.begin(), trace_.notes.end());
  out_.policy = std::string(core_.scheduler().policy().name());
  out_.placement = std::string(core_.scheduler().placer().name());
  out_.oracle = core_.scheduler().policy().needs_oracle();
}

// Cuts every segment at step and hour boundaries: busy GPU-ms per step (per site and in all),
// power by hour of the day, credits per step; then the pending-job curve per step.
void Run::fill_timelines(const std::vector<std::string>& cls) {
  const DurationMs step = out_.timeline_step;
  const auto steps = static_cast<std::size_t>((out_.last_end - out_.first_submit) / step + 1);
  out_.busy_per_step.assign(steps, 0);
  for (auto& site : out_.sites) site.busy_per_step.assign(steps, 0);
  std::map<std::string, std::vector<Micro>> burn;
  std::vector<std::vector<Micro>*> burn_of;  // per tenant
  if (core_.credits_on())
    for (const std::string& c : cls) burn_of.push_back(&burn.try_emplace(c, steps, 0).first->second);
  for (const Segment& s : segments_) {
    auto& site = out_.sites[s.site];
    const std::int64_t watts = topo_.type_watts(s.type);
    Micro spread = 0;
    for (TimeMs t = s.start; t < s.end;) {
      auto k = static_cast<std::size_t>((t - out_.first_submit) / step);
      TimeMs upto = std::min({s.end, out_.first_submit + static_cast<TimeMs>(k + 1) * step, (t / kHour + 1) * kHour});
      GpuMs busy = (upto - t) * s.sevenths;  // in sevenths of a GPU-ms until the end
      out_.busy_per_step[k] += busy;
      site.busy_per_step[k] += busy;
      site.watt_ms_by_hour[static_cast<std::size_t>(t / kHour % 24)] += busy * watts;
      if (s.credits != 0 && !burn_of.empty()) {
        // Exact shares: the last piece takes the remainder.
        auto share = static_cast<Micro>(static_cast<Int128>(s.credits) * (upto - s.start) / (s.end - s.start)) - spread;
        (*burn_of[s.tenant])[k] += share;
        spread += share;
      }
      t = upto;
    }
    if (s.end == s.start && s.credits != 0 && !burn_of.empty())
      (*burn_of[s.tenant])[static_cast<std::size_t>((s.start - out_.first_submit) / step)] += s.credits;
  }
  for (GpuMs& b : out_.busy_per_step) b /= kSliceCompute;
  for (auto& site : out_.sites) {
    for (GpuMs& b : site.busy_per_step) b /= kSliceCompute;
    for (auto& w : site.watt_ms_by_hour) w /= kSliceCompute;
  }
  for (auto& [name, v] : burn) out_.burn_per_step.push_back({name, std::move(v)});
  out_.queue_max_per_step.assign(steps, 0);
  out_.queue_ms_per_step.assign(steps, 0);
  // pending_at_ is a step function: each value holds until the next change.
  for (std::size_t i = 0; i < pending_at_.size(); ++i) {
    const auto [from, n] = pending_at_[i];
    const TimeMs until = i + 1 < pending_at_.size() ? pending_at_[i + 1].first : out_.last_end;
    for (TimeMs t = std::max(from, out_.first_submit); t <= out_.last_end;) {
      auto k = static_cast<std::size_t>((t - out_.first_submit) / step);
      out_.queue_max_per_step[k] = std::max(out_.queue_max_per_step[k], n);
      TimeMs upto = std::min(until, out_.first_submit + static_cast<TimeMs>(k + 1) * step);
      out_.queue_ms_per_step[k] += (upto - t) * n;
      if (upto >= until) break;
      t = upto;
    }
  }
}

}  // namespace

Result<SimResult> simulate(const Topology& topo, const Trace& trace, const SimOptions& opt, PreparedCore prepared) {
  const bool use = prepared.matches(topo, trace, opt);
  std::unique_ptr<Core> core = use ? std::move(prepared.core) : nullptr;
  if (!core) {
    auto made = Core::make(topo, opt.sched);
    if (!made.ok()) return made.status();
    core = std::move(made).value();
  }
  Run run(topo, trace, opt, *core);
  Result<SimResult> out = run.go(use ? &prepared.tenant_of : nullptr);
  if (opt.keep_core) *opt.keep_core = std::move(core);
  return out;
}

}  // namespace hexa
