// las: Tiresias-style discretised two-dimensional least attained service. A job's attained
// service is GPUs x run time; thresholds split jobs into queues, the least served queue first,
// arrival order inside a queue. It needs no durations. A job preempts running jobs of a lower
// queue; a preempted job that starves (waits longer than knob x its last run) is promoted back
// to the top queue.
#include "engine/queue_policy.h"

namespace hexa {
namespace {

class Las final : public QueuePolicy {
 public:
  explicit Las(const SchedulerOptions& o) : thresholds_(o.las_thresholds), knob_(o.las_promote_knob) {}
  std::string_view name() const override { return "las"; }
  Skip skip() const override { return Skip::kGreedy; }
  bool preemptive() const override { return true; }

  void begin_pass(ClusterState& s, TimeMs now) override {
    if (knob_ <= 0) return;
    for (JobId id : s.pending) {
      Job& j = s.jobs[id];
      if (j.phase == JobPhase::kPending && starving(j, now)) j.las_base = j.attained(now);
    }
  }

  PolicyKey key(const ClusterState&, const Job& j, TimeMs now) const override {
    GpuMs served = j.attained(now) - j.las_base;
    std::int64_t level = 0;
    while (level < static_cast<std::int64_t>(thresholds_.size()) && served >= thresholds_[level]) ++level;
    return {level, j.id};
  }

  TimeMs next_wakeup(const ClusterState& s, TimeMs now) const override {
    TimeMs next = kNever;
    bool anyone_waits = false;
    for (JobId id : s.pending) {
      const Job& j = s.jobs[id];
      if (j.phase != JobPhase::kPending) continue;
      anyone_waits = true;
      if (knob_ > 0 && j.resumed() && j.las_base != j.attained(now))
        next = std::min(next, j.queued_since + knob_ * j.last_run_ms);
    }
    if (!anyone_waits) return kNever;
    for (JobId id : s.running) {
      const Job& j = s.jobs[id];
      if (j.phase != JobPhase::kRunning) continue;
      GpuMs served = j.attained(now) - j.las_base;
      for (GpuMs t : thresholds_) {
        if (served >= t) continue;
        next = std::min(next, now + (t - served + j.spec.gpus - 1) / j.spec.gpus);
        break;
      }
    }
    return next;
  }

 private:
  bool starving(const Job& j, TimeMs now) const {
    return j.resumed() && now - j.queued_since >= knob_ * j.last_run_ms;
  }

  std::vector<GpuMs> thresholds_;
  int knob_;
};

}  // namespace

std::unique_ptr<QueuePolicy> make_las(const SchedulerOptions& o) { return std::make_unique<Las>(o); }

std::unique_ptr<QueuePolicy> make_fifo();
std::unique_ptr<QueuePolicy> make_backfill();
std::unique_ptr<QueuePolicy> make_srtf(const SchedulerOptions& o);
std::unique_ptr<QueuePolicy> make_fair(const SchedulerOptions& o);

Result<std::unique_ptr<QueuePolicy>> make_queue_policy(const SchedulerOptions& o) {
  for (std::size_t i = 0; i < o.las_thresholds.size(); ++i)
    if (o.las_thresholds[i] <= 0 || (i > 0 && o.las_thresholds[i] <= o.las_thresholds[i - 1]))
      return Status::Invalid("las_thresholds: must be positive and increasing");
  if (o.las_promote_knob < 0) return Status::Invalid("las_promote_knob: must be >= 0");
  if (o.fair_half_life <= 0) return Status::Invalid("fair_half_life: must be > 0");
  if (o.restart_overhead < 0) return Status::Invalid("restart_overhead: must be >= 0");
  if (o.policy == "fifo") return make_fifo();
  if (o.policy == "backfill") return make_backfill();
  if (o.policy == "las") return make_las(o);
  if (o.policy == "srtf") return make_srtf(o);
  if (o.policy == "fair") return make_fair(o);
  return Status::Invalid("policy: unknown '" + o.policy + "'; expected fifo, backfill, las, srtf or fair");
}

DurationMs useful_run(const Job& j, TimeMs now, DurationMs overhead) {
  if (j.phase != JobPhase::kRunning) return j.useful_ms;
  DurationMs seg = now - j.last_start;
  if (j.resumed()) seg = std::max<DurationMs>(0, seg - overhead);
  return j.useful_ms + seg;
}

}  // namespace hexa
