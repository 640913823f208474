// fair: weighted fair share across tenants. A tenant's usage (GPU time, decayed with a
// half-life) divided by its weight orders the tenants; each tenant's jobs keep arrival order.
// Not preemptive; the front job gets an EASY reservation as with backfill.
#include <algorithm>
#include <numeric>

#include "engine/decay.h"
#include "engine/queue_policy.h"

namespace hexa {
namespace {

class FairShare final : public QueuePolicy {
 public:
  explicit FairShare(DurationMs half_life) : half_life_(half_life) {}
  std::string_view name() const override { return "fair"; }
  Skip skip() const override { return Skip::kEasy; }

  void begin_pass(ClusterState& s, TimeMs now) override {
    for (Tenant& t : s.tenants) charge_usage(t, now, half_life_);
    order_.resize(s.tenants.size());
    std::iota(order_.begin(), order_.end(), 0);
    // usage_a / weight_a < usage_b / weight_b, without division.
    std::stable_sort(order_.begin(), order_.end(), [&](TenantId a, TenantId b) {
      const Tenant& x = s.tenants[a];
      const Tenant& y = s.tenants[b];
      return static_cast<Int128>(x.usage) * y.weight < static_cast<Int128>(y.usage) * x.weight;
    });
    rank_.resize(s.tenants.size());
    for (std::size_t i = 0; i < order_.size(); ++i) rank_[order_[i]] = static_cast<std::int64_t>(i);
  }

  PolicyKey key(const ClusterState&, const Job& j, TimeMs) const override {
    return {rank_[j.spec.tenant], j.id};
  }

 private:
  DurationMs half_life_;
  std::vector<TenantId> order_;
  std::vector<std::int64_t> rank_;
};

}  // namespace

std::unique_ptr<QueuePolicy> make_fair(const SchedulerOptions& o) { return std::make_unique<FairShare>(o.fair_half_life); }

}  // namespace hexa
