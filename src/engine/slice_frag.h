// Fragmentation of sliced GPUs, in the spirit of FGD (Weng et al., "Beware of Fragmentation",
// USENIX ATC'23): for a mix of slice profiles (weights), the free compute of a GPU is a
// fragment for a profile that cannot start on it. A GPU's fragmentation is the weighted sum
// over the profiles; the cluster's, the sum over GPUs. Integers only; shares are for reports.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/slice_index.h"

namespace hexa {

// Weights by JobSpec::slice (index 0 unused); a profile with weight 0 does not count.
using SliceMix = std::vector<std::int64_t>;

// Weighted free compute units of one GPU with occupancy m that the mix cannot use.
std::int64_t gpu_fragment(const SliceIndex& idx, const SliceMix& mix, SlotMask m);

struct SliceFragStat {
  long free_units = 0;       // free compute units over all sliced GPUs
  std::int64_t weighted = 0; // sum of gpu_fragment over all sliced GPUs
  std::int64_t weight = 0;   // sum of the mix's weights
  // Free units the mix cannot use, as a share of all free units (0 when none is free).
  double share() const {
    return free_units == 0 || weight == 0 ? 0.0 : double(weighted) / double(weight) / double(free_units);
  }
};

// Over every sliced GPU of the index: O(pools x occupancies seen), not O(GPUs).
SliceFragStat slice_fragmentation(const SliceIndex& idx, const SliceMix& mix);

// The mix the fragmentation-aware placer plans for: the slices held now, plus one of each
// profile (so a profile no one runs yet still counts).
SliceMix held_mix(const SliceIndex& idx);

}  // namespace hexa
