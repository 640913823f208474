// las: Tiresias-style discretised two-dimensional least attained service. A job's attained
// service is GPUs x run time; thresholds split jobs into queues, the least served queue first,
// arrival order inside a queue. It needs no durations. A job preempts running jobs of a lower
// queue; a preempted job that starves (waits longer than knob x its last run) is promoted back
// to the top queue.
#include <queue>
#include <tuple>

#include "engine/queue_policy.h"
#include "model/archive.h"

namespace hexa {
namespace {

// (time, job, stamp): a min-heap of future instants; `stamp` tells stale entries apart.
using Timer = std::tuple<TimeMs, JobId, TimeMs>;
using Timers = std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>>;

class Las final : public QueuePolicy {
 public:
  explicit Las(const SchedulerOptions& o) : thresholds_(o.las_thresholds), knob_(o.las_promote_knob) {}
  std::string_view name() const override { return "las"; }
  Skip skip() const override { return Skip::kGreedy; }
  bool preemptive() const override { return true; }

  PolicyKey key(const ClusterState&, const Job& j, TimeMs now) const override {
    GpuMs served = j.attained(now) - j.las_base;
    std::int64_t level = 0;
    while (level < static_cast<std::int64_t>(thresholds_.size()) && served >= thresholds_[level]) ++level;
    return {level, j.id};
  }

  void on_started(const ClusterState&, const Job& j, TimeMs now) override { push_crossing(j, now); }

  void on_stopped(const ClusterState&, const Job& j, TimeMs) override {
    if (knob_ > 0 && j.phase == JobPhase::kPending)
      promotions_.push({j.queued_since + knob_ * j.last_run_ms, j.id, j.queued_since});
  }

  void changed_keys(ClusterState& s, TimeMs now, std::vector<JobId>* out) override {
    while (!promotions_.empty() && std::get<0>(promotions_.top()) <= now) {
      auto [t, id, since] = promotions_.top();
      promotions_.pop();
      if (!s.jobs.contains(id)) continue;  // ended and retired since (CoreOptions::retire_ended)
      Job& j = s.jobs[id];
      if (j.phase != JobPhase::kPending || j.queued_since != since) continue;  // stale
      j.las_base = j.attained(now);
      out->push_back(id);
    }
  }

  void changed_running_keys(const ClusterState& s, TimeMs now, std::vector<JobId>* out) override {
    while (!crossings_.empty() && std::get<0>(crossings_.top()) <= now) {
      auto [t, id, start] = crossings_.top();
      crossings_.pop();
      if (!s.jobs.contains(id)) continue;  // retired
      const Job& j = s.jobs[id];
      if (j.phase != JobPhase::kRunning || j.last_start != start) continue;  // stale
      out->push_back(id);
      push_crossing(j, now);
    }
  }

  TimeMs next_wakeup(const ClusterState& s, TimeMs, bool jobs_wait) override {
    while (!crossings_.empty()) {  // drop stale crossings
      auto [t, id, start] = crossings_.top();
      if (s.jobs.contains(id) && s.jobs[id].phase == JobPhase::kRunning && s.jobs[id].last_start == start) break;
      crossings_.pop();
    }
    // Drop stale promotions too: a job that runs again, or was preempted again since, is not
    // promoted then, and a wake-up for it would be a pass no event asked for (it started
    // jobs earlier than the policy says; differential test seed 41).
    while (!promotions_.empty()) {
      auto [t, id, since] = promotions_.top();
      if (s.jobs.contains(id) && s.jobs[id].phase == JobPhase::kPending && s.jobs[id].queued_since == since) break;
      promotions_.pop();
    }
    if (!jobs_wait) return kNever;
    TimeMs next = crossings_.empty() ? kNever : std::get<0>(crossings_.top());
    if (!promotions_.empty()) next = std::min(next, std::get<0>(promotions_.top()));
    return next;
  }

  // The timers in pop order: the same heap content, whatever order it was pushed in.
  void save(Writer& w) const override {
    for (Timers q : {crossings_, promotions_}) {
      w.u64(q.size());
      for (; !q.empty(); q.pop()) w.i64(std::get<0>(q.top())), w.u32(std::get<1>(q.top())), w.i64(std::get<2>(q.top()));
    }
  }
  bool load(Reader& r) override {
    for (Timers* q : {&crossings_, &promotions_}) {
      *q = Timers();
      const std::size_t n = r.count(3);
      Timer last{};
      for (std::size_t i = 0; i < n && r.ok(); ++i) {
        Timer t{r.i64(), r.u32(), r.i64()};
        if (i > 0 && t < last) return r.fail("las: timers out of order");
        q->push(last = t);
      }
    }
    return r.ok();
  }

 private:
  // When the running job next moves down a queue, if ever.
  void push_crossing(const Job& j, TimeMs now) {
    GpuMs served = j.attained(now) - j.las_base;
    for (GpuMs t : thresholds_) {
      if (served >= t) continue;
      crossings_.push({now + (t - served + j.spec.gpus - 1) / j.spec.gpus, j.id, j.last_start});
      return;
    }
  }

  std::vector<GpuMs> thresholds_;
  int knob_;
  Timers crossings_, promotions_;
};

}  // namespace

std::unique_ptr<QueuePolicy> make_las(const SchedulerOptions& o) { return std::make_unique<Las>(o); }

}  // namespace hexa
