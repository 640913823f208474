#include "model/slice_profile.h"

#include <bit>

namespace hexa {

std::uint8_t default_starts(int compute, int memory) {
  // Aligned to the memory size rounded up to a power of two, as the hardware's placements are.
  const int align = static_cast<int>(std::bit_ceil(static_cast<unsigned>(memory)));
  std::uint8_t starts = 0;
  for (int s = 0; s + memory <= kSliceSlots; s += align)
    if (s + compute <= kSliceCompute) starts = static_cast<std::uint8_t>(starts | (1u << s));
  return starts;
}

std::vector<SliceProfile> default_slice_profiles() {
  std::vector<SliceProfile> t = {
      {"1g.10gb", 1, 1, 0}, {"1g.20gb", 1, 2, 0}, {"2g.20gb", 2, 2, 0},
      {"3g.40gb", 3, 4, 0}, {"4g.40gb", 4, 4, 0}, {"7g.80gb", 7, 8, 0},
  };
  for (SliceProfile& p : t) p.starts = default_starts(p.compute, p.memory);
  return t;
}

Status check_slice_profiles(std::vector<SliceProfile>& table) {
  if (table.empty()) return Status::Invalid("slice_profiles: must list at least one profile");
  if (table.size() > 255) return Status::Invalid("slice_profiles: at most 255 profiles");
  for (std::size_t i = 0; i < table.size(); ++i) {
    SliceProfile& p = table[i];
    const std::string at = "slice profile '" + p.name + "'";
    if (p.name.empty() || p.name.find_first_of(" \t,|") != std::string::npos)
      return Status::Invalid("slice_profiles[" + std::to_string(i) +
                             "].name: must be a non-empty name without blanks, ',' or '|'");
    for (std::size_t k = 0; k < i; ++k)
      if (table[k].name == p.name) return Status::Invalid(at + ": declared twice");
    if (p.compute < 1 || p.compute > kSliceCompute)
      return Status::Invalid(at + ".compute: must be between 1 and 7 (sevenths of a GPU), got " +
                             std::to_string(p.compute));
    if (p.memory < 1 || p.memory > kSliceSlots)
      return Status::Invalid(at + ".memory: must be between 1 and 8 (eighths of a GPU), got " +
                             std::to_string(p.memory));
    if (p.starts == 0) p.starts = default_starts(p.compute, p.memory);
    if (p.starts == 0)
      return Status::Invalid(at + ": no start offset fits both " + std::to_string(p.memory) +
                             " memory slots and " + std::to_string(p.compute) + " compute units");
    for (int s = 0; s < kSliceSlots; ++s) {
      if (!(p.starts >> s & 1)) continue;
      if (s + p.memory > kSliceSlots || s + p.compute > kSliceCompute)
        return Status::Invalid(at + ".starts: offset " + std::to_string(s) + " leaves the GPU (start + memory <= 8 and start + compute <= 7)");
    }
  }
  return Status::Ok();
}

}  // namespace hexa
