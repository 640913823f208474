// Count placement: any free GPUs of an acceptable type in one site, ignoring nodes and blocks,
// as published simulators that model a cluster as a GPU count do. For comparison only.
#include "engine/placement.h"

namespace hexa {
namespace {

class CountPlacer final : public Placer {
 public:
  std::string_view name() const override { return "count"; }

  bool place(const FreeIndex& idx, const PlaceRequest& req, Allocation* out,
             PlaceFailure* why) const override {
    long most = 0;
    int best = -1;
    for (PoolId p = 0; p < idx.pools().size(); ++p) {
      if (!pool_eligible(idx.pools()[p], req)) continue;
      most = std::max(most, idx.pool_free(p));
      if (idx.pool_free(p) < req.gpus) continue;
      auto b = static_cast<PoolId>(best);
      std::int64_t rank_p = req.rank_of(idx.pools()[p], p);
      std::int64_t rank_b = best < 0 ? 0 : req.rank_of(idx.pools()[b], b);
      if (best < 0 || rank_p < rank_b || (rank_p == rank_b && idx.pool_free(p) < idx.pool_free(b)))
        best = static_cast<int>(p);
    }
    if (best < 0) {
      if (why) *why = {WaitKind::kNoBlock, most};
      return false;
    }
    out->clear();
    long g = req.gpus;
    for (BlockId b : idx.pools()[static_cast<PoolId>(best)].blocks) {
      if (idx.block_free(b) == 0) continue;
      const bool done = idx.find_free_node(b, [&](NodeId n) {
        std::uint64_t m = idx.free_mask(n), pick = 0;
        while (m && g > 0) {
          pick |= m & -m;
          m &= m - 1;
          --g;
        }
        if (pick) out->push_back({n, pick});
        return g == 0;
      });
      if (done) return true;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Placer> make_count_placer() { return std::make_unique<CountPlacer>(); }
std::unique_ptr<Placer> make_topology_placer();

// Whole GPUs to one placer, slices to the other.
class SplitPlacer final : public Placer {
 public:
  SplitPlacer(std::unique_ptr<Placer> whole, std::unique_ptr<Placer> slices)
      : whole_(std::move(whole)), slices_(std::move(slices)) {}
  std::string_view name() const override { return whole_->name(); }
  bool place(const FreeIndex& idx, const PlaceRequest& req, Allocation* out, PlaceFailure* why) const override {
    return (req.slice ? *slices_ : *whole_).place(idx, req, out, why);
  }

 private:
  std::unique_ptr<Placer> whole_, slices_;
};

Result<std::unique_ptr<Placer>> make_placer(std::string_view name, std::string_view slices) {
  std::unique_ptr<Placer> whole;
  if (name == "topology") whole = make_topology_placer();
  if (name == "count") whole = make_count_placer();
  if (!whole) return Status::Invalid("placement: unknown '" + std::string(name) + "'; expected topology or count");
  auto sp = make_slice_placer(slices);
  if (!sp.ok()) return sp.status();
  return std::unique_ptr<Placer>(std::make_unique<SplitPlacer>(std::move(whole), std::move(sp).value()));
}

}  // namespace hexa
