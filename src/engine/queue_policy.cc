#include "engine/queue_policy.h"

#include <algorithm>

namespace hexa {

void QueuePolicy::order_groups(ClusterState&, TimeMs, std::vector<GroupRef>& groups, std::size_t first) {
  auto by_id = [](const GroupRef& a, const GroupRef& b) { return a.group < b.group; };
  auto mid = groups.begin() + static_cast<std::ptrdiff_t>(std::min(first, groups.size()));
  std::partial_sort(groups.begin(), mid, groups.end(), by_id);
}

std::unique_ptr<QueuePolicy> make_fifo();
std::unique_ptr<QueuePolicy> make_backfill();
std::unique_ptr<QueuePolicy> make_las(const SchedulerOptions& o);
std::unique_ptr<QueuePolicy> make_srtf(const SchedulerOptions& o);
std::unique_ptr<QueuePolicy> make_fair(const SchedulerOptions& o);
std::unique_ptr<QueuePolicy> make_ftf(const SchedulerOptions& o);

Result<std::unique_ptr<QueuePolicy>> make_queue_policy(const SchedulerOptions& o) {
  for (std::size_t i = 0; i < o.las_thresholds.size(); ++i)
    if (o.las_thresholds[i] <= 0 || (i > 0 && o.las_thresholds[i] <= o.las_thresholds[i - 1]))
      return Status::Invalid("las_thresholds: must be positive and increasing");
  if (o.las_promote_knob < 0) return Status::Invalid("las_promote_knob: must be >= 0");
  if (o.fair_half_life <= 0) return Status::Invalid("fair_half_life: must be > 0");
  if (o.restart_overhead < 0) return Status::Invalid("restart_overhead: must be >= 0");
  if (o.preempt_exempt >= 0 && o.preempt_exempt <= o.restart_overhead && o.restart_overhead > 0)
    return Status::Invalid("preempt_exempt: must be longer than restart_overhead, or every resumed run could "
                           "be preempted before doing useful work");
  if (o.policy == "fifo") return make_fifo();
  if (o.policy == "backfill") return make_backfill();
  if (o.policy == "las") return make_las(o);
  if (o.policy == "srtf") return make_srtf(o);
  if (o.policy == "fair") return make_fair(o);
  if (o.policy == "ftf") return make_ftf(o);
  return Status::Invalid("policy: unknown '" + o.policy + "'; expected fifo, backfill, las, srtf, fair or ftf");
}

DurationMs useful_run(const Job& j, TimeMs now, DurationMs overhead) {
  if (j.phase != JobPhase::kRunning) return j.useful_ms;
  DurationMs seg = now - j.last_start;
  if (j.resumed()) seg = std::max<DurationMs>(0, seg - overhead);
  return j.useful_ms + seg;
}

}  // namespace hexa
