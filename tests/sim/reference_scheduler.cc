// The reference scheduler (reference_scheduler.h). Each rule below is the documented one
// (docs/simulator.md, "What the scheduler does"); where the documents are silent, the comment
// says "docs silent" and what the engine does, and the rule is written here from that
// description, not from the engine's code paths.
//
// The policies, as the documents define them:
//   fifo      arrival order; when the front job does not fit, nothing behind it starts; it
//             preempts only for a higher priority.
//   backfill  arrival order; EASY: the first job that does not fit is reserved the GPUs it will
//             get and the latest time it gets them (from running jobs' time limits); later jobs
//             start if they leave those GPUs alone or end (by their own limit) before then.
//   las       least attained service (GPUs x run time, overheads included) in discrete queues
//             (thresholds), arrival within a queue; later jobs that fit start; a job preempts
//             running jobs of a lower queue (a higher level); a preempted job that waits at
//             least knob x its last run goes back to the top queue.
//   srtf      shortest remaining GPU time (true duration less useful run time, x GPUs); later
//             jobs that fit start; a job preempts running jobs with more remaining GPU time.
//   fair      tenants by decayed usage / weight (ties: tenant id), arrival within a tenant;
//             EASY backfill as backfill; preempts only for a higher priority.
//   ftf       largest rho first, arrival on ties: rho = ((now - submit) + work left) /
//             (work x max(1, gpus x W / (C x weight))), work = the time limit (1 min with none;
//             at least the useful run so far), C the GPUs, W the weights of the tenants with a
//             job pending or running as the pass begins; 20-bit fixed point, rounded down.
//             EASY backfill as backfill; preempts only for a higher priority.
// For all: a higher priority goes first and may preempt running preemptible work of a lower
// priority. A preempted job resumes later and pays the restart overhead first; nothing is
// preempted before it ran preempt_exempt in its current segment, nor in the pass that started
// it. A time limit bounds useful run time; a job that reaches it ends as a timeout.
#include "sim/reference_scheduler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>
#include <stdexcept>

namespace hexa::ref {
namespace {

constexpr int kFree = -1;  // owner of a free GPU
constexpr int kHeld = -2;  // free, but held for this pass's EASY reservation

// Which GPUs a placement may take: usable[node][gpu].
using Usable = std::vector<std::vector<char>>;

struct Shape {
  std::vector<std::vector<int>> nodes_of;  // by block: global node indices
  std::vector<int> size;                   // by node: GPUs
  int max_node = 0;                        // GPUs of the largest node
  int total = 0;
};

int free_on(const Usable& u, int node) { return static_cast<int>(std::count(u[node].begin(), u[node].end(), 1)); }

int free_in(const Shape& s, const Usable& u, int block) {
  int n = 0;
  for (int node : s.nodes_of[block]) n += free_on(u, node);
  return n;
}

// The g lowest-numbered usable GPUs of a node (docs silent on which GPUs: the engine takes the
// lowest free ones).
void take_lowest(const Usable& u, int node, int g, RefGpus& out) {
  for (int i = 0; i < static_cast<int>(u[node].size()) && g > 0; ++i)
    if (u[node][i]) out.push_back({node, i}), --g;
}

// Nodes (or blocks) by free GPUs, most first; equal ones in topology order.
std::vector<int> fullest_first(std::vector<int> items, const std::function<int(int)>& free) {
  std::stable_sort(items.begin(), items.end(), [&](int a, int b) { return free(a) > free(b); });
  return items;
}

// g GPUs of one block on the fewest nodes: whole nodes, fullest first, while one is not
// enough; the rest on the node left with the least free GPUs that holds it (best fit; docs
// silent on a tie: the later node in topology order, as the engine does).
void take_in_block(const Shape& s, const Usable& u, int block, int g, RefGpus& out) {
  std::vector<int> order = fullest_first(s.nodes_of[block], [&](int n) { return free_on(u, n); });
  std::size_t i = 0;
  for (; free_on(u, order[i]) < g; ++i) {  // the caller checked that the block holds g
    g -= free_on(u, order[i]);
    take_lowest(u, order[i], free_on(u, order[i]), out);
  }
  int best = -1;
  for (std::size_t k = i; k < order.size(); ++k)
    if (free_on(u, order[k]) >= g && (best < 0 || free_on(u, order[k]) <= free_on(u, best))) best = order[k];
  take_lowest(u, best, g, out);
}

// Nodes of the block that g GPUs need, fullest first.
int nodes_needed(const Shape& s, const Usable& u, int block, int g) {
  int n = 0;
  for (int node : fullest_first(s.nodes_of[block], [&](int x) { return free_on(u, x); })) {
    if (g <= 0) break;
    g -= free_on(u, node);
    ++n;
  }
  return n;
}

// Topology placement (docs/simulator.md): a gang of at most one node's GPUs goes on one node;
// a larger one on the fewest nodes of one block when a block can hold it, else on the fewest
// blocks (of the site). Best fit: the node with the fewest free GPUs that holds it (docs
// silent on a tie: the first in topology order); the block needing the fewest nodes, then
// leaving the fewest free GPUs (tie: the first block).
std::optional<RefGpus> place_topology(const Shape& s, const Usable& u, int g) {
  RefGpus out;
  if (g <= s.max_node) {
    int best = -1;
    for (int n = 0; n < static_cast<int>(s.size.size()); ++n)
      if (free_on(u, n) >= g && (best < 0 || free_on(u, n) < free_on(u, best))) best = n;
    if (best < 0) return std::nullopt;
    take_lowest(u, best, g, out);
    return out;
  }
  const int blocks = static_cast<int>(s.nodes_of.size());
  int best = -1;
  std::pair<int, int> best_score;  // (nodes, GPUs left free in the block)
  for (int b = 0; b < blocks; ++b) {
    if (free_in(s, u, b) < g) continue;
    std::pair<int, int> score{nodes_needed(s, u, b, g), free_in(s, u, b) - g};
    if (best < 0 || score < best_score) best = b, best_score = score;
  }
  if (best >= 0) {
    take_in_block(s, u, best, g, out);
    return out;
  }
  int total = 0;
  for (int b = 0; b < blocks; ++b) total += free_in(s, u, b);
  if (total < g) return std::nullopt;
  // Several blocks: whole blocks, fullest first, then the rest in the block left with the
  // least free GPUs that holds it (tie: the later block, as for nodes).
  std::vector<int> all(static_cast<std::size_t>(blocks));
  std::iota(all.begin(), all.end(), 0);
  std::vector<int> order = fullest_first(all, [&](int b) { return free_in(s, u, b); });
  std::size_t i = 0;
  while (free_in(s, u, order[i]) < g) {
    int f = free_in(s, u, order[i]);
    take_in_block(s, u, order[i++], f, out);
    g -= f;
  }
  int last = -1;
  for (std::size_t k = i; k < order.size(); ++k)
    if (free_in(s, u, order[k]) >= g && (last < 0 || free_in(s, u, order[k]) <= free_in(s, u, last))) last = order[k];
  take_in_block(s, u, last, g, out);
  return out;
}

// Count placement: any free GPUs of the pool (docs: "any"; which ones is docs silent: the
// engine takes them in topology order, lowest first).
std::optional<RefGpus> place_count(const Shape& s, const Usable& u, int g) {
  int total = 0;
  for (std::size_t n = 0; n < s.size.size(); ++n) total += free_on(u, static_cast<int>(n));
  if (total < g) return std::nullopt;
  RefGpus out;
  for (std::size_t n = 0; n < s.size.size() && g > 0; ++n) {
    int take = std::min(g, free_on(u, static_cast<int>(n)));
    take_lowest(u, static_cast<int>(n), take, out);
    g -= take;
  }
  return out;
}

enum class Phase : std::uint8_t { kFuture, kPending, kRunning, kDone };

struct JobState {
  Phase phase = Phase::kFuture;
  DurationMs run = 0;       // closed segments, overheads included
  DurationMs useful = 0;    // closed segments, overheads excluded
  DurationMs last_run = 0;  // the last closed segment
  TimeMs last_start = -1;
  TimeMs queued_since = 0;
  int preemptions = 0;
  GpuMs las_base = 0;       // attained service forgiven by a promotion
  bool promoted = false;    // in this wait
  RefGpus gpus;
};

struct Segment {
  int tenant = 0;
  int gpus = 0;
  TimeMs from = 0;
  TimeMs to = kNever;  // kNever while it runs
};

class Run {
 public:
  Run(const RefCluster& c, const std::vector<RefJob>& jobs, const RefOptions& opt) : jobs_(jobs), opt_(opt) {
    for (const auto& block : c.blocks) {
      shape_.nodes_of.emplace_back();
      for (int gpus : block) {
        shape_.nodes_of.back().push_back(static_cast<int>(shape_.size.size()));
        shape_.size.push_back(gpus);
        shape_.max_node = std::max(shape_.max_node, gpus);
        shape_.total += gpus;
        owner_.emplace_back(static_cast<std::size_t>(gpus), kFree);
      }
    }
    st_.resize(jobs.size());
    open_.assign(jobs.size(), 0);
    decayed_.resize(opt.weights.size());
  }

  std::vector<RefEvent> go();

 private:
  bool resumed(int j) const { return st_[j].preemptions > 0; }
  DurationMs overhead(int j) const { return resumed(j) ? opt_.restart_overhead : 0; }
  // When a running job's work is done, and when its limit stops it.
  TimeMs done_at(int j) const { return st_[j].last_start + overhead(j) + jobs_[j].duration - st_[j].useful; }
  TimeMs limit_at(int j) const {
    return jobs_[j].limit > 0 ? st_[j].last_start + overhead(j) + jobs_[j].limit - st_[j].useful : kNever;
  }
  GpuMs attained(int j, TimeMs now) const {
    return (st_[j].run + (st_[j].phase == Phase::kRunning ? now - st_[j].last_start : 0)) * jobs_[j].gpus;
  }
  DurationMs useful_run(int j, TimeMs now) const {
    if (st_[j].phase != Phase::kRunning) return st_[j].useful;
    DurationMs seg = now - st_[j].last_start;
    return st_[j].useful + (resumed(j) ? std::max<DurationMs>(0, seg - opt_.restart_overhead) : seg);
  }
  bool preemptive() const { return opt_.policy == "las" || opt_.policy == "srtf"; }
  std::int64_t level(int j, TimeMs now) const;
  bool outranks(int j, int v, TimeMs now) const {
    if (jobs_[j].priority != jobs_[v].priority) return jobs_[j].priority > jobs_[v].priority;
    return preemptive() && level(j, now) < level(v, now);
  }
  GpuMs usage(int tenant, TimeMs now);
  std::vector<int> queue_order(TimeMs now);

  Usable usable(bool held_too) const;
  std::optional<RefGpus> place(const Usable& u, int g) const {
    return opt_.placement == "count" ? place_count(shape_, u, g) : place_topology(shape_, u, g);
  }
  // Placement on the GPUs free now (and held ones too): fewer free than g never fits, and
  // saying so first keeps the reference fast enough to run thousands of traces.
  std::optional<RefGpus> place_now(int g, bool held_too) const {
    int n = 0;
    for (const auto& node : owner_)
      for (int o : node) n += o == kFree || (held_too && o == kHeld) ? 1 : 0;
    return n < g ? std::nullopt : place(usable(held_too), g);
  }
  void start(int j, const RefGpus& gpus, TimeMs now);
  void stop(int j, TimeMs now, RefKind why);
  void pass(TimeMs now);
  void consider(int j, TimeMs now);
  bool try_preempt(int j, TimeMs now);
  void plan_reservation(int j, TimeMs now);
  void backfill(int j, TimeMs now);
  TimeMs next_wake(TimeMs now) const;

  const std::vector<RefJob>& jobs_;
  const RefOptions& opt_;
  Shape shape_;
  std::vector<std::vector<int>> owner_;  // [node][gpu]: job index, kFree or kHeld
  std::vector<JobState> st_;
  std::vector<Segment> segments_;
  std::vector<std::size_t> open_;  // by job: its running segment
  struct Decayed {
    std::int64_t k = 0;  // grid times passed (the k-th is at ceil(k x half_life / 1024))
    TimeMs at = 0;       // the last of them (0 before the first)
    GpuMs usage = 0;     // the usage then
  };
  std::vector<Decayed> decayed_;  // by tenant
  std::vector<RefEvent> out_;
  // This pass.
  bool blocked_ = false;           // fifo: the front job did not fit
  long ftf_weights_ = 0;           // ftf: W as this pass began
  bool reserved_ = false;          // backfill, fair, ftf: the reservation is made
  TimeMs reserved_at_ = 0;
  TimeMs exempt_wake_ = kNever;    // a victim that was still exempt becomes preemptible
};

std::int64_t Run::level(int j, TimeMs now) const {
  if (opt_.policy == "las") {
    GpuMs served = attained(j, now) - st_[j].las_base;
    std::int64_t queue = 0;
    for (GpuMs t : opt_.las_thresholds) queue += served >= t ? 1 : 0;
    return queue;
  }
  if (opt_.policy == "srtf") return std::max<DurationMs>(0, jobs_[j].duration - useful_run(j, now)) * jobs_[j].gpus;
  if (opt_.policy == "ftf") {  // -rho: the largest first
    DurationMs work = std::max(jobs_[j].limit > 0 ? jobs_[j].limit : kMinute, st_[j].useful);
    DurationMs left = std::max<DurationMs>(0, work - useful_run(j, now));
    Int128 cw = static_cast<Int128>(shape_.total) * opt_.weights[static_cast<std::size_t>(jobs_[j].tenant)];
    Int128 den = static_cast<Int128>(work) * std::max(cw, static_cast<Int128>(jobs_[j].gpus) * ftf_weights_);
    return -static_cast<std::int64_t>((static_cast<Int128>(now - jobs_[j].submit + left) * cw << 20) / den);
  }
  return 0;
}

// Fair-share usage at `now` (engine/decay.h, docs/simulator.md): GPU time of the tenant's
// segments, decayed on a fixed grid of 1/1024 half-life: at each grid time (the first ms at
// or after k x half_life / 1024, k >= 1) the usage so far is multiplied by 2^(-1/1024) in
// Q30, rounded down. Worked out from the run's history of segments.
GpuMs Run::usage(int tenant, TimeMs now) {
  static const auto kFactor = static_cast<std::int64_t>(std::floor(std::ldexp(std::exp2(-1.0 / 1024), 30)));
  auto used = [&](TimeMs from, TimeMs to) {
    GpuMs sum = 0;
    for (const Segment& s : segments_) {
      if (s.tenant != tenant) continue;
      TimeMs a = std::max(from, s.from), b = std::min(to, std::min(s.to, now));
      if (b > a) sum += (b - a) * s.gpus;
    }
    return sum;
  };
  const DurationMs hl = opt_.fair_half_life;
  // The walk goes on from the last grid time an earlier call reached: what ran before an
  // earlier `now` never changes (segments only end or begin at or after it), so the usage at
  // those grid times is what walking from 0 would find again.
  Decayed& d = decayed_[static_cast<std::size_t>(tenant)];
  for (;; ++d.k) {
    const auto grid = static_cast<TimeMs>((static_cast<Int128>(d.k + 1) * hl + 1023) / 1024);
    if (grid > now) break;
    d.usage += used(d.at, grid);
    d.usage = static_cast<GpuMs>((static_cast<Int128>(d.usage) * kFactor) >> 30);
    d.at = grid;
  }
  return d.usage + used(d.at, now);
}

// Pending jobs in the order a pass looks at them: priority (higher first), then the policy's
// order, then arrival.
std::vector<int> Run::queue_order(TimeMs now) {
  std::vector<int> order;
  for (int j = 0; j < static_cast<int>(jobs_.size()); ++j)
    if (st_[j].phase == Phase::kPending) order.push_back(j);
  std::vector<GpuMs> use(opt_.weights.size(), 0);
  if (opt_.policy == "fair")
    for (std::size_t t = 0; t < use.size(); ++t) use[t] = usage(static_cast<int>(t), now);
  if (opt_.policy == "ftf") {  // W: the weights of the tenants with a job pending or running
    std::vector<char> active(opt_.weights.size(), 0);
    for (std::size_t j = 0; j < jobs_.size(); ++j)
      if (st_[j].phase == Phase::kPending || st_[j].phase == Phase::kRunning) active[static_cast<std::size_t>(jobs_[j].tenant)] = 1;
    ftf_weights_ = 0;
    for (std::size_t t = 0; t < active.size(); ++t) ftf_weights_ += active[t] ? opt_.weights[t] : 0;
  }
  // Tenant a before b: usage_a / weight_a < usage_b / weight_b, exactly; ties by tenant id.
  auto tenant_before = [&](int a, int b) {
    Int128 l = static_cast<Int128>(use[a]) * opt_.weights[b], r = static_cast<Int128>(use[b]) * opt_.weights[a];
    return l != r ? l < r : a < b;
  };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (jobs_[a].priority != jobs_[b].priority) return jobs_[a].priority > jobs_[b].priority;
    if (opt_.policy == "fair" && jobs_[a].tenant != jobs_[b].tenant)
      return tenant_before(jobs_[a].tenant, jobs_[b].tenant);
    if (level(a, now) != level(b, now)) return level(a, now) < level(b, now);
    return a < b;
  });
  return order;
}

Usable Run::usable(bool held_too) const {
  Usable u(owner_.size());
  for (std::size_t n = 0; n < owner_.size(); ++n)
    for (int o : owner_[n]) u[n].push_back(o == kFree || (held_too && o == kHeld) ? 1 : 0);
  return u;
}

void Run::start(int j, const RefGpus& gpus, TimeMs now) {
  for (auto [n, g] : gpus) owner_[n][g] = j;
  JobState& s = st_[j];
  s.phase = Phase::kRunning;
  s.last_start = now;
  s.gpus = gpus;
  std::sort(s.gpus.begin(), s.gpus.end());
  open_[j] = segments_.size();
  segments_.push_back({jobs_[j].tenant, jobs_[j].gpus, now, kNever});
  out_.push_back({now, j, RefKind::kStart, s.gpus});
}

// Ends the running segment: the job is done (kEnd, kTimeout) or waits again (kPreempt).
void Run::stop(int j, TimeMs now, RefKind why) {
  JobState& s = st_[j];
  DurationMs seg = now - s.last_start;
  s.run += seg;
  s.useful += resumed(j) ? std::max<DurationMs>(0, seg - opt_.restart_overhead) : seg;
  s.last_run = seg;
  for (auto [n, g] : s.gpus) owner_[n][g] = kFree;
  s.gpus.clear();
  segments_[open_[j]].to = now;
  if (why == RefKind::kPreempt) {
    ++s.preemptions;
    s.phase = Phase::kPending;
    s.queued_since = now;
    s.promoted = false;
  } else {
    s.phase = Phase::kDone;
  }
  out_.push_back({now, j, why, {}});
}

void Run::pass(TimeMs now) {
  blocked_ = reserved_ = false;
  exempt_wake_ = kNever;
  // las: a preempted job that waited at least knob x its last run goes back to the top queue.
  if (opt_.policy == "las" && opt_.las_promote_knob > 0)
    for (std::size_t j = 0; j < jobs_.size(); ++j) {
      JobState& s = st_[j];
      if (s.phase == Phase::kPending && s.preemptions > 0 && !s.promoted &&
          now >= s.queued_since + opt_.las_promote_knob * s.last_run)
        s.las_base = attained(static_cast<int>(j), now), s.promoted = true;
    }
  for (int j : queue_order(now)) {
    if (blocked_) break;
    consider(j, now);
  }
  for (auto& node : owner_)
    for (int& o : node)
      if (o == kHeld) o = kFree;
}

void Run::consider(int j, TimeMs now) {
  if (reserved_) return backfill(j, now);
  if (auto gpus = place_now(jobs_[j].gpus, false)) return start(j, *gpus, now);
  if (try_preempt(j, now)) return;
  if (opt_.policy == "fifo") blocked_ = true;
  if (opt_.policy == "backfill" || opt_.policy == "fair" || opt_.policy == "ftf") plan_reservation(j, now);
}

// Frees the GPUs of the running jobs j outranks, the lowest ranked first (lowest priority,
// then highest policy level, then latest arrival), until j fits; preempts those of them whose
// GPUs j's placement uses. Not a job started in this pass, nor one still exempt.
bool Run::try_preempt(int j, TimeMs now) {
  // Docs silent on when a job held back only by exempt victims is looked at again: the engine
  // does when their exemption ends, if the free GPUs and those of every preemptible running
  // job could hold it by count (else preempting cannot help, and it does not look at victims).
  // The instant matters: a pass then also starts waiting jobs that fit (seed 973).
  int room = 0;
  for (const auto& node : owner_) room += static_cast<int>(std::count(node.begin(), node.end(), kFree));
  for (int v = 0; v < static_cast<int>(jobs_.size()); ++v)
    if (st_[v].phase == Phase::kRunning && jobs_[v].preemptible) room += jobs_[v].gpus;
  if (room < jobs_[j].gpus) return false;
  std::vector<int> cand;
  for (int v = 0; v < static_cast<int>(jobs_.size()); ++v) {
    if (st_[v].phase != Phase::kRunning || !jobs_[v].preemptible || !outranks(j, v, now)) continue;
    if (st_[v].last_start == now) continue;
    if (now - st_[v].last_start < opt_.preempt_exempt) {
      exempt_wake_ = std::min(exempt_wake_, st_[v].last_start + opt_.preempt_exempt);
      continue;
    }
    cand.push_back(v);
  }
  std::sort(cand.begin(), cand.end(), [&](int a, int b) {
    if (jobs_[a].priority != jobs_[b].priority) return jobs_[a].priority < jobs_[b].priority;
    if (level(a, now) != level(b, now)) return level(a, now) > level(b, now);
    return a > b;
  });
  Usable u = usable(false);
  std::optional<RefGpus> gpus;
  std::size_t released = 0;
  while (!gpus && released < cand.size()) {
    for (auto [n, g] : st_[cand[released++]].gpus) u[n][g] = 1;
    gpus = place(u, jobs_[j].gpus);
  }
  if (!gpus) return false;
  for (std::size_t i = 0; i < released; ++i) {
    const RefGpus& held = st_[cand[i]].gpus;
    bool used = std::any_of(held.begin(), held.end(),
                            [&](const auto& g) { return std::find(gpus->begin(), gpus->end(), g) != gpus->end(); });
    if (used) stop(cand[i], now, RefKind::kPreempt);
  }
  start(j, *gpus, now);
  return true;
}

// EASY: the running jobs end by their limits at the latest; release them in that order (ties
// together) until j fits: that is when and where it will start at the latest. Docs silent on
// which GPUs when several placements fit then: the engine prefers GPUs busy now, leaving free
// ones to backfill. The reserved GPUs that are free now are held for the rest of the pass.
void Run::plan_reservation(int j, TimeMs now) {
  std::vector<int> running;
  for (int v = 0; v < static_cast<int>(jobs_.size()); ++v)
    if (st_[v].phase == Phase::kRunning && jobs_[v].limit > 0) running.push_back(v);
  std::sort(running.begin(), running.end(), [&](int a, int b) {
    return limit_at(a) != limit_at(b) ? limit_at(a) < limit_at(b) : a < b;
  });
  Usable u = usable(false), busy_only(u.size());
  for (std::size_t n = 0; n < u.size(); ++n) busy_only[n].assign(u[n].size(), 0);
  for (std::size_t i = 0; i < running.size();) {
    const TimeMs t = limit_at(running[i]);
    for (; i < running.size() && limit_at(running[i]) == t; ++i)
      for (auto [n, g] : st_[running[i]].gpus) u[n][g] = 1, busy_only[n][g] = 1;
    auto gpus = place(u, jobs_[j].gpus);
    if (!gpus) continue;
    if (auto busy = place(busy_only, jobs_[j].gpus)) gpus = busy;
    reserved_ = true;
    reserved_at_ = std::max(t, now);
    for (auto [n, g] : *gpus)
      if (owner_[n][g] == kFree) owner_[n][g] = kHeld;
    return;
  }
}

// Behind the reservation: a job starts on GPUs it leaves alone, or on reserved ones too when
// its own limit ends it by the reserved start. Docs silent on preemption here: the engine does
// not try it (the reservation's head could not preempt either, and ranks higher).
void Run::backfill(int j, TimeMs now) {
  if (auto gpus = place_now(jobs_[j].gpus, false)) return start(j, *gpus, now);
  if (jobs_[j].limit <= 0 || now + overhead(j) + jobs_[j].limit - st_[j].useful > reserved_at_) return;
  if (auto gpus = place_now(jobs_[j].gpus, true)) start(j, *gpus, now);
}

// When a pass must look again with no other event: a running job moves to a lower las queue,
// a waiting one is promoted, an exempt victim becomes preemptible.
TimeMs Run::next_wake(TimeMs now) const {
  TimeMs wake = exempt_wake_;
  bool waiting = std::any_of(st_.begin(), st_.end(), [](const JobState& s) { return s.phase == Phase::kPending; });
  if (opt_.policy != "las" || !waiting) return wake;
  for (int j = 0; j < static_cast<int>(jobs_.size()); ++j) {
    const JobState& s = st_[j];
    if (s.phase == Phase::kRunning) {
      for (GpuMs t : opt_.las_thresholds) {
        GpuMs need = t + s.las_base;  // attained service at the crossing
        TimeMs at = s.last_start - s.run + (need + jobs_[j].gpus - 1) / jobs_[j].gpus;
        if (at > now) {
          wake = std::min(wake, at);
          break;
        }
      }
    }
    if (s.phase == Phase::kPending && s.preemptions > 0 && !s.promoted && opt_.las_promote_knob > 0)
      wake = std::min(wake, s.queued_since + opt_.las_promote_knob * s.last_run);
  }
  return wake;
}

std::vector<RefEvent> Run::go() {
  std::size_t next = 0;
  TimeMs wake = kNever;
  for (int guard = 0;; ++guard) {
    if (guard > 1'000'000) throw std::runtime_error("reference: no end after 1e6 instants");
    TimeMs now = std::min(wake, next < jobs_.size() ? jobs_[next].submit : kNever);
    for (std::size_t j = 0; j < jobs_.size(); ++j)
      if (st_[j].phase == Phase::kRunning)
        now = std::min({now, done_at(static_cast<int>(j)), limit_at(static_cast<int>(j))});
    if (now == kNever) break;
    for (; next < jobs_.size() && jobs_[next].submit == now; ++next) {
      // A job that can never run (more GPUs than the pool has) is rejected at submit.
      if (jobs_[next].gpus > shape_.total) {
        st_[next].phase = Phase::kDone;
        out_.push_back({now, static_cast<int>(next), RefKind::kReject, {}});
      } else {
        st_[next].phase = Phase::kPending;
        st_[next].queued_since = now;
      }
    }
    // Work done first: a job whose work ends exactly at its limit has finished.
    for (std::size_t j = 0; j < jobs_.size(); ++j) {
      const int i = static_cast<int>(j);
      if (st_[j].phase != Phase::kRunning) continue;
      if (done_at(i) == now) stop(i, now, RefKind::kEnd);
      else if (limit_at(i) == now) stop(i, now, RefKind::kTimeout);
    }
    pass(now);
    wake = next_wake(now);
  }
  sort_events(out_);
  return std::move(out_);
}

}  // namespace

const char* kind_name(RefKind k) {
  switch (k) {
    case RefKind::kReject: return "reject";
    case RefKind::kEnd: return "end";
    case RefKind::kTimeout: return "timeout";
    case RefKind::kPreempt: return "preempt";
    case RefKind::kStart: return "start";
  }
  return "?";
}

void sort_events(std::vector<RefEvent>& events) {
  std::stable_sort(events.begin(), events.end(), [](const RefEvent& a, const RefEvent& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.job < b.job;
  });
}

std::string to_string(const RefEvent& e, const std::vector<RefJob>& jobs) {
  std::string s = std::to_string(e.at) + " " + kind_name(e.kind) + " " + jobs[static_cast<std::size_t>(e.job)].id;
  if (!e.gpus.empty()) {
    s += " on";
    int node = -1;
    for (auto [n, g] : e.gpus) {
      s += n != node ? " n" + std::to_string(n) + ":" + std::to_string(g) : "," + std::to_string(g);
      node = n;
    }
  }
  return s;
}

std::vector<RefEvent> reference_schedule(const RefCluster& cluster, const std::vector<RefJob>& jobs,
                                         const RefOptions& opt) {
  Run run(cluster, jobs, opt);
  return run.go();
}

}  // namespace hexa::ref
