#include "model/model_archive.h"

#include "model/job_table.h"

namespace hexa {

// A member added to one of these must be saved and loaded here (or, if it is the scratch of a
// pass, named as left out): their sizes make the build say so. Update them once it is done.
#if defined(__GLIBCXX__) && defined(__LP64__)
static_assert(sizeof(JobSpec) == 128, "JobSpec changed: save the new member in model_archive.cc");
static_assert(sizeof(Job) == 432, "Job changed: save the new member in model_archive.cc");
static_assert(sizeof(NodeGpus) == 24, "NodeGpus changed: save the new member in model_archive.cc");
static_assert(sizeof(WaitReason) == 64, "WaitReason changed: save the new member in model_archive.cc");
static_assert(sizeof(Tenant) == 128, "Tenant changed: save the new member in model_archive.cc");
static_assert(sizeof(Quota) == 28, "Quota changed: save the new member in model_archive.cc");
static_assert(sizeof(JobTable) == 40, "JobTable changed: save the new member in model_archive.cc");
#endif

void save(Writer& w, const JobSpec& s) {
  w.str(s.name);
  w.u32(s.tenant);
  w.i32(s.gpus);
  w.u64(s.types), w.u64(s.sites), w.u64(s.prefer);
  w.i32(s.slice);
  w.i32(s.priority);
  w.b(s.preemptible);
  w.i64(s.time_limit), w.i64(s.checkpoint_every), w.i64(s.oracle_duration), w.i64(s.start_target);
  w.b(s.deferrable);
  w.i64(s.deadline);
}

void load(Reader& r, JobSpec& s) {
  s.name = r.str();
  s.tenant = r.u32();
  s.gpus = r.i32();
  s.types = r.u64(), s.sites = r.u64(), s.prefer = r.u64();
  s.slice = r.i32();
  s.priority = r.i32();
  s.preemptible = r.b();
  s.time_limit = r.i64(), s.checkpoint_every = r.i64(), s.oracle_duration = r.i64(), s.start_target = r.i64();
  s.deferrable = r.b();
  s.deadline = r.i64();
}

void save(Writer& w, const Allocation& a) {
  w.seq(a, [&](const NodeGpus& g) {
    w.u32(g.node);
    w.u64(g.mask);
    w.u8(g.slots), w.u8(g.slice);
  });
}

void load(Reader& r, Allocation& a) {
  a.resize(r.count(4));
  for (NodeGpus& g : a) {
    g.node = r.u32();
    g.mask = r.u64();
    g.slots = r.u8(), g.slice = r.u8();
  }
}

void save(Writer& w, const WaitReason& wr) {
  w.e(wr.kind);
  w.u64(wr.pass);
  w.i64(wr.a), w.i64(wr.at);
  w.u32(wr.other);
  w.i64(wr.b);
  w.e(wr.field);
  w.opt(wr.type, [&](TypeId t) { w.u32(t); });
}

void load(Reader& r, WaitReason& wr) {
  wr.kind = r.e(WaitKind::kReservedGpus);
  wr.pass = r.u64();
  wr.a = r.i64(), wr.at = r.i64();
  wr.other = r.u32();
  wr.b = r.i64();
  wr.field = r.e(QuotaField::kNoBorrowing);
  r.opt(wr.type, [&](TypeId& t) { t = r.u32(); });
}

void save(Writer& w, const Job& j) {
  save(w, j.spec);
  w.u32(j.id);
  w.e(j.phase);
  w.i64(j.submit), w.i64(j.first_start), w.i64(j.last_start), w.i64(j.end);
  w.i64(j.run_ms), w.i64(j.useful_ms), w.i64(j.last_run_ms), w.i64(j.queued_since);
  w.i32(j.preemptions), w.i32(j.failures);
  w.i64(j.lost_ms), w.i64(j.saved_ms), w.i64(j.las_base);
  save(w, j.alloc);
  save(w, j.wait);
  w.u32(j.slot);
  w.u32(j.borrowed_from);
  w.i32(j.reservation);
  w.b(j.waited_on_quota), w.b(j.waited_on_admission);
  w.str(j.admission_why);
  w.i64(j.first_admission_wait), w.i64(j.admission_need);
  w.i32(j.segment);
  w.e(j.end_kind);
  w.i32(j.exit_code), w.i32(j.exit_signal);
  w.str(j.end_reason);
}

void load(Reader& r, Job& j) {
  load(r, j.spec);
  j.id = r.u32();
  j.phase = r.e(JobPhase::kRejected);
  j.submit = r.i64(), j.first_start = r.i64(), j.last_start = r.i64(), j.end = r.i64();
  j.run_ms = r.i64(), j.useful_ms = r.i64(), j.last_run_ms = r.i64(), j.queued_since = r.i64();
  j.preemptions = r.i32(), j.failures = r.i32();
  j.lost_ms = r.i64(), j.saved_ms = r.i64(), j.las_base = r.i64();
  load(r, j.alloc);
  load(r, j.wait);
  j.slot = r.u32();
  j.borrowed_from = r.u32();
  j.reservation = r.i32();
  j.waited_on_quota = r.b(), j.waited_on_admission = r.b();
  j.admission_why = r.str();
  j.first_admission_wait = r.i64(), j.admission_need = r.i64();
  j.segment = r.i32();
  j.end_kind = r.e(EndKind::kRejected);
  j.exit_code = r.i32(), j.exit_signal = r.i32();
  j.end_reason = r.str();
}

void save(Writer& w, const Tenant& t) {
  w.str(t.name);
  w.i32(t.weight);
  w.u32(t.parent);
  w.e(t.kind);
  w.seq(t.quotas, [&](const Quota& q) {
    w.opt(q.type, [&](TypeId type) { w.u32(type); });
    for (int v : {q.max_gpus, q.guaranteed_gpus, q.borrow_limit, q.max_running, q.max_queued}) w.i32(v);
  });
  w.i64(t.usage), w.i64(t.usage_at);
  w.i32(t.running_gpus);
  w.seq(t.sub_gpus, [&](int n) { w.i32(n); });
  w.i32(t.sub_running), w.i32(t.sub_queued);
}

void load(Reader& r, Tenant& t) {
  t.name = r.str();
  t.weight = r.i32();
  t.parent = r.u32();
  t.kind = r.e(TenantKind::kLearner);
  t.quotas.resize(r.count(6));
  for (Quota& q : t.quotas) {
    r.opt(q.type, [&](TypeId& type) { type = r.u32(); });
    for (int* v : {&q.max_gpus, &q.guaranteed_gpus, &q.borrow_limit, &q.max_running, &q.max_queued}) *v = r.i32();
  }
  t.usage = r.i64(), t.usage_at = r.i64();
  t.running_gpus = r.i32();
  t.sub_gpus.resize(r.count());
  for (int& n : t.sub_gpus) n = r.i32();
  t.sub_running = r.i32(), t.sub_queued = r.i32();
}

void save(Writer& w, const NodeStatus& n) { w.u8(static_cast<std::uint8_t>(n.online | n.drain << 1)); }

void load(Reader& r, NodeStatus& n) {
  const std::uint8_t v = r.u8();
  if (v > 3) r.fail("node state out of range");
  n.online = v & 1, n.drain = v & 2;
}

void JobTable::save(Writer& w) const {
  w.u64(next_);
  std::vector<std::size_t> pages;  // which are in memory: a page whose ids all left may be
  for (std::size_t p = 0; p < pages_.size(); ++p)
    if (pages_[p]) pages.push_back(p);
  w.seq(pages, [&](std::size_t p) { w.u64(p); });
  w.u64(live_);
  for_each([&](const Job& j) { hexa::save(w, j); });
}

// Jobs go back at their ids, in the pages that were in memory (the page of the next id among
// them: push_back() writes into it).
bool JobTable::load(Reader& r) {
  *this = JobTable();
  const std::uint64_t next = r.u64();
  if (next > std::numeric_limits<JobId>::max()) return r.fail("job table: too many ids");
  pages_.resize((next + kPageSize - 1) >> kPageBits);
  for (std::size_t n = r.count(), last = 0; n > 0 && r.ok(); --n) {
    const std::uint64_t p = r.u64();
    if (p >= pages_.size() || pages_[p] || p < last) return r.fail("job table: bad page");
    pages_[p] = std::make_unique<Page>();
    last = p;
  }
  if ((next & (kPageSize - 1)) != 0 && r.ok() && !pages_.back()) return r.fail("job table: the last page is missing");
  const std::size_t live = r.count(16);
  for (std::size_t i = 0; i < live && r.ok(); ++i) {
    Job j;
    hexa::load(r, j);
    if (!r.ok()) break;
    if (j.id >= next || (i > 0 && j.id <= next_) || !pages_[j.id >> kPageBits])
      return r.fail("job table: job ids out of order, or in no page");
    next_ = j.id;
    Page& p = *pages_[j.id >> kPageBits];
    const JobId at = j.id & (kPageSize - 1);
    p.jobs[at] = std::move(j);
    p.held[at] = true;
    ++p.count;
  }
  next_ = next;
  live_ = live;
  return r.ok();
}

}  // namespace hexa
