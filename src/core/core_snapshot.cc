// Core::snapshot, restore and digest (core/core.h).
//
// Layout: the magic "HEXASNAP", the format version, the options and the topology it was made
// with, then each part behind a one-byte tag (state, scheduler, ledger, credits, the core's own
// members), and last a fixed64 checksum: hash64 of every byte before it. digest() is that
// checksum, worked out without making the bytes.
//
// What is saved is what history made; what follows from it (indexes, counts, pointers) is
// rebuilt on load, and checked where it must agree with what was saved.
#include <algorithm>
#include <cstring>

#include "core/core.h"
#include "model/archive.h"

namespace hexa {
namespace {

constexpr char kMagic[8] = {'H', 'E', 'X', 'A', 'S', 'N', 'A', 'P'};
constexpr std::uint32_t kVersion = 3;  // 2: Job::saved_ms; 3: the queue's job shapes and reasons
// The oldest this build reads: a replica upgraded across a format change loads the snapshots
// its journal was compacted to (docs/operations.md, "Upgrades").
constexpr std::uint32_t kOldestRead = 2;

void save_options(Writer& w, const SchedulerOptions& o, const CoreOptions& co) {
  w.str(o.policy), w.str(o.placement), w.str(o.slice_placement), w.str(o.site_choice);
  w.i64(o.restart_overhead), w.i64(o.preempt_exempt);
  w.seq(o.las_thresholds, [&](GpuMs t) { w.i64(t); });
  w.i32(o.las_promote_knob);
  w.i64(o.fair_half_life);
  w.b(o.skip_full_classes);
  w.b(co.nodes_start_down), w.b(co.retire_ended);
}

// The options a snapshot was made with must be the ones given: a policy's state means nothing
// to another, and the same commands would not give the same effects.
bool check_options(Reader& r, const SchedulerOptions& o, const CoreOptions& co) {
  auto differs = [&](const char* field, const std::string& saved, const std::string& given) {
    return r.fail("made with " + std::string(field) + " " + saved + ", restored with " + given);
  };
  for (auto [field, given] : {std::pair<const char*, const std::string*>{"policy", &o.policy},
                              {"placement", &o.placement},
                              {"slice_placement", &o.slice_placement},
                              {"site_choice", &o.site_choice}})
    if (std::string saved = r.str(); r.ok() && saved != *given) return differs(field, "'" + saved + "'", "'" + *given + "'");
  for (auto [field, given] : {std::pair<const char*, std::int64_t>{"restart_overhead", o.restart_overhead},
                              {"preempt_exempt", o.preempt_exempt}})
    if (std::int64_t saved = r.i64(); r.ok() && saved != given) return differs(field, std::to_string(saved), std::to_string(given));
  std::vector<GpuMs> thresholds(r.count());
  for (GpuMs& t : thresholds) t = r.i64();
  auto list = [](const std::vector<GpuMs>& v) {
    std::string s;
    for (GpuMs t : v) s += (s.empty() ? "" : ", ") + std::to_string(t);
    return "[" + s + "]";
  };
  if (r.ok() && thresholds != o.las_thresholds) return differs("las_thresholds", list(thresholds), list(o.las_thresholds));
  if (int knob = r.i32(); r.ok() && knob != o.las_promote_knob)
    return differs("las_promote_knob", std::to_string(knob), std::to_string(o.las_promote_knob));
  if (std::int64_t h = r.i64(); r.ok() && h != o.fair_half_life)
    return differs("fair_half_life", std::to_string(h), std::to_string(o.fair_half_life));
  for (auto [field, given] : {std::pair<const char*, bool>{"skip_full_classes", o.skip_full_classes},
                              {"nodes_start_down", co.nodes_start_down},
                              {"retire_ended", co.retire_ended}})
    if (bool saved = r.b(); r.ok() && saved != given) return differs(field, saved ? "on" : "off", given ? "on" : "off");
  return r.ok();
}

// All of the topology but its names and sizes, which are saved in the clear: a mismatch there
// is told by name.
std::uint64_t topology_hash(const Topology& t) {
  Writer w;
  for (const SiteInfo& s : t.sites()) {
    const SiteProfile& p = s.profile;
    w.str(p.provider), w.str(p.region);
    w.i32(p.price_factor_bps), w.i32(p.pue_milli);
    for (int c : p.carbon) w.i32(c);
  }
  for (const BlockInfo& b : t.blocks()) {
    w.str(b.name), w.u32(b.site), w.u32(b.type), w.b(b.sliced);
    w.seq(b.nodes, [&](NodeId n) { w.u32(n); });
  }
  for (TypeId k = 0; k < t.types().size(); ++k) w.i32(t.type_watts(k));
  w.seq(t.slice_profiles(), [&](const SliceProfile& p) { w.str(p.name), w.i32(p.compute), w.i32(p.memory), w.u8(p.starts); });
  w.seq(t.downtimes(), [&](const Downtime& d) {
    w.str(d.name), w.str(d.why), w.i64(d.from), w.i64(d.to);
    w.seq(d.nodes, [&](NodeId n) { w.u32(n); });
  });
  return hash64(w.take());
}

void save_topology(Writer& w, const Topology& t) {
  w.seq(t.sites(), [&](const SiteInfo& s) { w.str(s.name); });
  std::vector<std::string> types;
  for (TypeId k = 0; k < t.types().size(); ++k) types.push_back(t.types().name(k));
  w.seq(types, [&](const std::string& name) { w.str(name); });
  w.seq(t.nodes(), [&](const NodeInfo& n) { w.str(n.name), w.i32(n.gpus); });
  w.fixed64(topology_hash(t));
}

bool check_topology(Reader& r, const Topology& t) {
  auto names = [&](const char* what, std::size_t given, auto name_of) {
    const std::size_t saved = r.count();
    if (r.ok() && saved != given)
      return r.fail("topology differs: " + std::to_string(saved) + " " + what + " saved, " + std::to_string(given) + " given");
    for (std::size_t i = 0; i < saved && r.ok(); ++i)
      if (std::string s = r.str(); r.ok() && s != name_of(i))
        return r.fail(std::string("topology differs: ") + what + " #" + std::to_string(i) + " is '" + s + "' saved, '" +
                      name_of(i) + "' given");
    return r.ok();
  };
  if (!names("sites", t.sites().size(), [&](std::size_t i) { return t.sites()[i].name; }) ||
      !names("GPU types", t.types().size(), [&](std::size_t i) { return t.types().name(static_cast<TypeId>(i)); }))
    return false;
  const std::size_t nodes = r.count(2);
  if (r.ok() && nodes != t.nodes().size())
    return r.fail("topology differs: " + std::to_string(nodes) + " nodes saved, " + std::to_string(t.nodes().size()) + " given");
  for (const NodeInfo& n : t.nodes()) {
    std::string name = r.str();
    const int gpus = r.i32();
    if (r.ok() && (name != n.name || gpus != n.gpus))
      return r.fail("topology differs: node '" + name + "' with " + std::to_string(gpus) + " GPUs saved, '" + n.name +
                    "' with " + std::to_string(n.gpus) + " given");
  }
  if (std::uint64_t h = r.fixed64(); r.ok() && h != topology_hash(t))
    return r.fail("topology differs: same sites, types and nodes, other blocks, profiles, slices or downtimes");
  return r.ok();
}

// Sets and maps are saved in order: a value out of order (or twice) is corrupt, so that equal
// states have equal bytes.
template <class C, class V>
bool append_in_order(Reader& r, C& c, V&& v, const char* what) {
  if (!r.ok()) return false;
  if (!c.empty() && !c.value_comp()(*c.rbegin(), v)) return r.fail(std::string(what) + ": out of order");
  c.insert(c.end(), std::forward<V>(v));
  return true;
}

bool tag(Reader& r, char expected, const char* part) {
  if (r.u8() != static_cast<std::uint8_t>(expected) && r.ok()) return r.fail(std::string("bad tag before the ") + part);
  return r.ok();
}

}  // namespace

// A member added to one of these must be saved and loaded here (or, if it is the scratch of a
// pass, named as left out): their sizes make the build say so. Update them once it is done.
#if defined(__GLIBCXX__) && defined(__LP64__)
// estimates_ is left out: derived from the state, worked out again after the next pass.
// The Scheduler within it names what it leaves out (engine/scheduler_archive.cc).
static_assert(sizeof(Core) == 3560,  // 3104 + the credits' hold cache - time limits as a heap + the scheduler's site choice and pass scratch + ClusterState's quota chains (derived, rebuilt at load) + FreeIndex's fingerprints, fit table and scratch (engine/free_index_archive.cc), - the ledger's flat id tables, + the scheduler's end versions by pool and plan cache scratch, + the transfer log's count + the scheduler's head pools (pass scratch) - FreeIndex's node arrays in one + the queue's node pool + the plan cache's free list scratch + FreeIndex's free-node bits and reach masks + the Book's index of ids looked up as they come + the transfer log's string chunks + the holds' count of blocks
              "Core changed: save the new member in core_snapshot.cc");
// hold_of_ (24 bytes) is a cache: a restored core starts with it empty.
static_assert(sizeof(CreditAdmission) == 128, "CreditAdmission changed: save the new member in core_snapshot.cc");
static_assert(sizeof(SchedulerOptions) == 192, "SchedulerOptions changed: save the new member in core_snapshot.cc");
static_assert(sizeof(CoreOptions) == 2, "CoreOptions changed: save the new member in core_snapshot.cc");
#endif

void CreditAdmission::save(Writer& w) const {
  w.i32(refunds_.preemption_pct), w.i32(refunds_.failure_pct);
  w.seq(restart_cause_failure_, [&](const std::string& id) { w.str(id); });
  w.seq(faults_, [&](const std::string& f) { w.str(f); });
}

bool CreditAdmission::load(Reader& r) {
  refunds_.preemption_pct = r.i32(), refunds_.failure_pct = r.i32();
  restart_cause_failure_.clear();
  for (std::size_t n = r.count(); n > 0 && r.ok(); --n)
    if (!append_in_order(r, restart_cause_failure_, r.str(), "credits: holds")) return false;
  faults_.resize(r.count());
  for (std::string& f : faults_) f = r.str();
  return r.ok();
}

void Core::save(Writer& w) const {
  w.raw(std::string_view(kMagic, sizeof kMagic));
  w.u32(kVersion);
  save_options(w, sched_.options(), co_);
  save_topology(w, topology());
  w.u8('S'), hexa::save(w, state_);
  w.u8('Q'), sched_.save(w);
  w.u8('L'), ledger_.save(w);
  w.u8('A'), credits_.save(w);
  w.u8('C');
  w.b(credits_on_);
  w.i64(last_now_);
  w.seq(money_times_, [&](TimeMs t) { w.i64(t); });
  w.seq(hard_budgets_, [&](const auto& kv) { w.u32(kv.first), w.i64(kv.second); });
  w.u64(alerts_seen_);
  w.i64(wake_at_);
  w.b(dirty_);
  std::vector<std::pair<TimeMs, JobId>> limits = limits_;  // in order, once each, as a set kept them
  std::sort(limits.begin(), limits.end());
  limits.erase(std::unique(limits.begin(), limits.end()), limits.end());
  w.seq(limits, [&](const auto& e) { w.i64(e.first), w.u32(e.second); });
  w.seq(ended_, [&](JobId id) { w.u32(id); });
}

bool Core::load(Reader& r) {
  if (!tag(r, 'S', "cluster state") || !hexa::load(r, state_)) return false;
  if (!tag(r, 'Q', "scheduler") || !sched_.load(r, state_)) return false;
  if (!tag(r, 'L', "ledger") || !ledger_.load(r)) return false;
  if (!tag(r, 'A', "credit admission") || !credits_.load(r)) return false;
  if (!tag(r, 'C', "core")) return false;
  credits_on_ = r.b();
  last_now_ = r.i64();
  for (std::size_t n = r.count(); n > 0 && r.ok(); --n)
    if (!append_in_order(r, money_times_, r.i64(), "money times")) return false;
  for (std::size_t n = r.count(2); n > 0 && r.ok(); --n) {
    const TenantId t = r.u32();
    if (!append_in_order(r, hard_budgets_, std::pair{t, r.i64()}, "hard budgets")) return false;
  }
  alerts_seen_ = r.u64();
  wake_at_ = r.i64();
  dirty_ = r.b();
  limits_.clear();
  for (std::size_t n = r.count(2); n > 0 && r.ok(); --n) {
    const TimeMs at = r.i64();
    const std::pair<TimeMs, JobId> e{at, r.u32()};
    if (!limits_.empty() && !(limits_.back() < e)) return r.fail("time limits: out of order");
    limits_.push_back(e);  // ascending: a min-heap as it is
  }
  ended_.resize(r.count());
  for (JobId& id : ended_) id = r.u32();
  if (!r.ok() || !check_loaded(r)) return false;
  for (const Tenant& t : state_.tenants) tenant_names_.intern(t.name);  // unique: check_loaded
  if (credits_on_) sched_.set_admission(&credits_);  // as set_price() did
  return true;
}

std::string Core::snapshot() const {
  Writer w;
  save(w);
  std::string out = w.take();
  Writer tail;
  tail.fixed64(hash64(out));
  return out + tail.take();
}

std::uint64_t Core::digest() const {
  Hash64 h;
  Writer w(&h);
  save(w);
  w.flush();
  return h.final();
}

Result<std::unique_ptr<Core>> Core::restore(const Topology& topo, const SchedulerOptions& opt, const CoreOptions& co,
                                            std::string_view bytes) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return Status::Invalid("snapshot: not a snapshot (no HEXASNAP magic)");
  Reader head(bytes.substr(sizeof kMagic));
  const std::uint32_t version = head.u32();
  if (head.ok() && (version < kOldestRead || version > kVersion))
    return Status::Invalid("snapshot: format version " + std::to_string(version) + "; this build reads versions " +
                           std::to_string(kOldestRead) + " to " + std::to_string(kVersion));
  if (bytes.size() < sizeof kMagic + 9) return Status::Invalid("snapshot: truncated");
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  if (Reader tail(bytes.substr(body.size())); tail.fixed64() != hash64(body))
    return Status::Invalid("snapshot: checksum mismatch: the bytes are truncated or corrupt");
  Reader r(body.substr(sizeof kMagic));
  (void)r.u32();
  r.set_format(version);
  if (!check_options(r, opt, co) || !check_topology(r, topo)) return r.status();
  auto sched = Scheduler::make(opt);
  if (!sched.ok()) return sched.status();
  std::unique_ptr<Core> core(new Core(topo, std::move(sched).value(), co));
  if (!core->load(r)) return r.status();
  if (r.left() != 0) return Status::Invalid("snapshot: " + std::to_string(r.left()) + " bytes after the last part");
  return core;
}

}  // namespace hexa
