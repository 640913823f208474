// srtf: shortest remaining GPU-time first, preemptive, from the true durations. An oracle:
// no real scheduler knows them; it bounds what a duration-aware policy could achieve.
#include "engine/queue_policy.h"

namespace hexa {
namespace {

class Srtf final : public QueuePolicy {
 public:
  explicit Srtf(DurationMs overhead) : overhead_(overhead) {}
  std::string_view name() const override { return "srtf"; }
  Skip skip() const override { return Skip::kGreedy; }
  bool preemptive() const override { return true; }
  bool needs_oracle() const override { return true; }
  bool running_keys_drift() const override { return true; }
  PolicyKey key(const ClusterState&, const Job& j, TimeMs now) const override {
    DurationMs left = std::max<DurationMs>(0, j.spec.oracle_duration - useful_run(j, now, overhead_));
    return {left * j.spec.gpus, j.id};
  }

 private:
  DurationMs overhead_;
};

}  // namespace

std::unique_ptr<QueuePolicy> make_srtf(const SchedulerOptions& o) { return std::make_unique<Srtf>(o.restart_overhead); }

}  // namespace hexa
