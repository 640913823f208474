// fifo and backfill: both serve jobs in arrival order. fifo lets nothing overtake the front
// job; backfill (EASY) gives the front job a reservation and lets later jobs use the holes.
#include "engine/queue_policy.h"

namespace hexa {
namespace {

class ArrivalOrder final : public QueuePolicy {
 public:
  explicit ArrivalOrder(Skip skip) : skip_(skip) {}
  std::string_view name() const override { return skip_ == Skip::kStrict ? "fifo" : "backfill"; }
  Skip skip() const override { return skip_; }
  PolicyKey key(const ClusterState&, const Job& j, TimeMs) const override { return {0, j.id}; }

 private:
  Skip skip_;
};

}  // namespace

std::unique_ptr<QueuePolicy> make_fifo() { return std::make_unique<ArrivalOrder>(Skip::kStrict); }
std::unique_ptr<QueuePolicy> make_backfill() { return std::make_unique<ArrivalOrder>(Skip::kEasy); }

}  // namespace hexa
