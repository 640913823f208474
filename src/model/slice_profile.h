// Slice profiles: how a GPU may be partitioned (MIG-like). A GPU has 8 memory slots and 7
// compute units; compute unit i sits with memory slot i, slot 7 has memory only (as on A100
// and H100). A slice of a profile holds `memory` contiguous slots from an allowed start and
// `compute` units' worth of work; the slots it holds are what no other slice may hold.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/status.h"
#include "model/units.h"

namespace hexa {

constexpr int kSliceSlots = 8;    // memory eighths of a GPU
constexpr int kSliceCompute = 7;  // compute sevenths of a GPU
// A sliced GPU's occupancy: bit i = memory slot i is held.
using SlotMask = std::uint8_t;
constexpr SlotMask kComputeSlots = 0x7f;  // slots that carry a compute unit

struct SliceProfile {
  std::string name;      // "1g.10gb"
  int compute = 1;       // sevenths of the GPU's compute: 1..7
  int memory = 1;        // eighths of its memory, contiguous slots: 1..8
  std::uint8_t starts = 0;  // bit s = may start at slot s; 0 = default_starts(compute, memory)
  bool operator==(const SliceProfile&) const = default;

  // The slots a slice of this profile holds when it starts at `start`.
  SlotMask slots_at(int start) const {
    return static_cast<SlotMask>(((1u << memory) - 1) << start);
  }
};

// Where real MIG lets a profile start: aligned to its memory size, within the 8 slots, and
// not past the last compute unit (so 1g at 0..6, 2g at 0/2/4, 3g and 4g at 0 or 4/0, 7g at 0).
std::uint8_t default_starts(int compute, int memory);

// 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb: the H100 80GB table.
std::vector<SliceProfile> default_slice_profiles();

// Checks a table and fills in default starts. Errors name the profile and the rule.
Status check_slice_profiles(std::vector<SliceProfile>& table);

// GPU-ms billed for `ms` of a slice of `compute` sevenths: its share, rounded up.
inline GpuMs slice_gpu_ms(int compute, DurationMs ms) {
  return (ms * compute + kSliceCompute - 1) / kSliceCompute;
}

}  // namespace hexa
