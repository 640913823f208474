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

  // usage_a / weight_a < usage_b / weight_b, exactly; ties by tenant id. Sorted on copies of
  // the figures, side by side: with thousands of learners waiting, reaching into every
  // tenant at each comparison was most of the sort.
  void order_groups(ClusterState& s, TimeMs now, std::vector<GroupRef>& tenants, std::size_t first) override {
    ranked_.clear();
    for (const GroupRef& g : tenants) {
      Tenant& t = s.tenants[g.group];
      charge_usage(t, now, half_life_);
      // usage / weight, rounded down: a different quotient orders two tenants; an equal one
      // leaves it to the exact comparison.
      ranked_.push_back({share_quotient(t.usage, t.weight), t.usage, t.weight, g});
    }
    auto before = [](const Ranked& x, const Ranked& y) {
      if (x.quotient != y.quotient) return x.quotient < y.quotient;
      Int128 l = static_cast<Int128>(x.usage) * y.weight, r = static_cast<Int128>(y.usage) * x.weight;
      return l != r ? l < r : x.ref.group < y.ref.group;
    };
    auto mid = ranked_.begin() + static_cast<std::ptrdiff_t>(std::min(first, ranked_.size()));
    if (mid != ranked_.end()) std::nth_element(ranked_.begin(), mid, ranked_.end(), before);
    std::sort(ranked_.begin(), mid, before);
    for (std::size_t i = 0; i < ranked_.size(); ++i) tenants[i] = ranked_[i].ref;
  }

  PolicyKey key(const ClusterState&, const Job& j, TimeMs) const override { return {0, j.id}; }

 private:
  struct Ranked {
    Int128 quotient;
    GpuMs usage;
    int weight;
    GroupRef ref;
  };
  DurationMs half_life_;
  std::vector<Ranked> ranked_;  // scratch
};

}  // namespace

std::unique_ptr<QueuePolicy> make_fair(const SchedulerOptions& o) { return std::make_unique<FairShare>(o.fair_half_life); }

}  // namespace hexa
