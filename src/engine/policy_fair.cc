// fair: weighted fair share across tenants. A tenant's usage (GPU time, decayed with a
// half-life) divided by its weight orders the tenants; each tenant's jobs keep arrival order.
// Not preemptive; the front job gets an EASY reservation as with backfill.
#include <algorithm>

#include "engine/decay.h"
#include "engine/queue_policy.h"

namespace hexa {
namespace {

class FairShare final : public QueuePolicy {
 public:
  explicit FairShare(DurationMs half_life) : half_life_(half_life) {}
  std::string_view name() const override { return "fair"; }
  Skip skip() const override { return Skip::kEasy; }

  std::uint32_t group(const Job& j) const override { return j.spec.tenant; }

  // usage_a / weight_a < usage_b / weight_b, without division; ties by tenant id.
  void order_groups(ClusterState& s, TimeMs now, std::vector<std::uint32_t>& tenants) override {
    for (TenantId t : tenants) charge_usage(s.tenants[t], now, half_life_);
    std::sort(tenants.begin(), tenants.end(), [&](TenantId a, TenantId b) {
      const Tenant& x = s.tenants[a];
      const Tenant& y = s.tenants[b];
      Int128 l = static_cast<Int128>(x.usage) * y.weight, r = static_cast<Int128>(y.usage) * x.weight;
      return l != r ? l < r : a < b;
    });
  }

  PolicyKey key(const ClusterState&, const Job& j, TimeMs) const override { return {0, j.id}; }

 private:
  DurationMs half_life_;
};

}  // namespace

std::unique_ptr<QueuePolicy> make_fair(const SchedulerOptions& o) { return std::make_unique<FairShare>(o.fair_half_life); }

}  // namespace hexa
