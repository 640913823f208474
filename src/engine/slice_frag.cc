#include "engine/slice_frag.h"

namespace hexa {

std::int64_t gpu_fragment(const SliceIndex& idx, const SliceMix& mix, SlotMask m) {
  const int free = free_units_of(m);
  if (free == 0) return 0;
  std::int64_t w = 0;
  for (std::size_t k = 1; k < mix.size(); ++k)
    if (mix[k] && idx.first_start(static_cast<int>(k), m) < 0) w += mix[k];
  return w * free;
}

SliceFragStat slice_fragmentation(const SliceIndex& idx, const SliceMix& mix) {
  SliceFragStat st;
  for (std::size_t k = 1; k < mix.size(); ++k) st.weight += mix[k];
  st.free_units = idx.free_units();
  const auto pools = static_cast<PoolId>(idx.pools());
  for (PoolId p = 0; p < pools; ++p)
    idx.for_each_occupancy(p, [&](SlotMask m) {
      st.weighted += static_cast<std::int64_t>(idx.with(p, m).size()) * gpu_fragment(idx, mix, m);
    });
  return st;
}

SliceMix held_mix(const SliceIndex& idx) {
  SliceMix mix(idx.topology().slice_profiles().size() + 1, 0);
  for (std::size_t k = 1; k < mix.size(); ++k) mix[k] = idx.held(static_cast<int>(k)) + 1;
  return mix;
}

}  // namespace hexa
