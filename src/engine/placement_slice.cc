// Slice placement: one slice of one sliced GPU, chosen over (pool, occupancy) classes of the
// SliceIndex rather than GPU by GPU. Both policies put the site choice (PlaceRequest::rank)
// first, as the whole-GPU placers do.
//
// - "bestfit": the GPU with the fewest free compute units that still fits, at the lowest free
//   start: the classic packing rule, for comparison.
// - "frag" (default): the GPU and start that add the least fragmentation (engine/slice_frag.h)
//   for the mix of slices held now; ties go to best fit. Unlike best fit, it sees that a 1g
//   slice at offset 6 of an empty GPU still leaves room for a 4g at 0, and that at offset 0 it
//   does not; and that filling the hole of a partly used GPU is cheaper than opening a new one.
#include <tuple>

#include "engine/placement.h"
#include "engine/slice_frag.h"

namespace hexa {
namespace {

class SlicePlacer final : public Placer {
 public:
  explicit SlicePlacer(bool frag) : frag_(frag) {}
  std::string_view name() const override { return frag_ ? "frag" : "bestfit"; }

  bool place(const FreeIndex& idx, const PlaceRequest& req, Allocation* out, PlaceFailure* why) const override {
    const SliceIndex& si = idx.slices();
    const int k = req.slice;
    // (site rank, added fragmentation, free units left, start): lower is better.
    using Key = std::tuple<std::int64_t, std::int64_t, int, int>;
    Key best{};
    PoolId best_pool = 0;
    SlotMask best_mask = 0;
    bool found = false;
    long most = 0;  // most free compute units on one eligible GPU
    SliceMix mix;
    const bool known = k >= 1 && static_cast<std::size_t>(k) <= si.topology().slice_profiles().size();
    // Whether an eligible pool has a GPU with room, in O(pools): with a full lab, most calls end here.
    bool any = false;
    for (PoolId p = 0; p < idx.pools().size(); ++p) {
      if (!pool_eligible(idx.pools()[p], req)) continue;
      most = std::max<long>(most, si.most_free_units(p));
      any = any || (known && si.fitting(p, k) > 0);
    }
    if (any) {
      if (frag_) mix = held_mix(si);
      const SliceProfile& prof = si.topology().slice_profile(k);
      for (PoolId p = 0; p < idx.pools().size(); ++p) {
        if (!pool_eligible(idx.pools()[p], req) || si.fitting(p, k) == 0) continue;
        const std::int64_t rank = req.rank_of(idx.pools()[p], p);
        si.for_each_occupancy(p, [&](SlotMask m) {
          if (si.first_start(k, m) < 0) return;
          if (!frag_) {
            Key key{rank, 0, free_units_of(m), si.first_start(k, m)};
            if (!found || key < best) best = key, best_pool = p, best_mask = m, found = true;
            return;
          }
          const std::int64_t before = gpu_fragment(si, mix, m);
          for (int s = 0; s < kSliceSlots; ++s) {
            if (!si.fits_at(k, m, s)) continue;
            const auto after = static_cast<SlotMask>(m | prof.slots_at(s));
            Key key{rank, gpu_fragment(si, mix, after) - before, free_units_of(after), s};
            if (!found || key < best) best = key, best_pool = p, best_mask = m, found = true;
          }
        });
      }
    }
    if (!found) {
      if (why) *why = {WaitKind::kNoSlice, most};
      return false;
    }
    // Any GPU of the class will do; the last one is O(1) to find.
    const SliceGpu g = si.with(best_pool, best_mask).back();
    const int start = std::get<3>(best);
    out->clear();
    out->push_back({si.node_of(g), std::uint64_t{1} << si.index_in_node(g),
                    si.topology().slice_profile(k).slots_at(start), static_cast<std::uint8_t>(k)});
    return true;
  }

 private:
  bool frag_;
};

}  // namespace

Result<std::unique_ptr<Placer>> make_slice_placer(std::string_view name) {
  if (name == "frag") return std::unique_ptr<Placer>(std::make_unique<SlicePlacer>(true));
  if (name == "bestfit") return std::unique_ptr<Placer>(std::make_unique<SlicePlacer>(false));
  return Status::Invalid("slice_placement: unknown '" + std::string(name) + "'; expected frag or bestfit");
}

}  // namespace hexa
