#include "model/mig_slice.h"

namespace hexa {

SlotMask mig_slots(int start, int size) {
  if (start < 0 || size < 1 || start + size > kSliceSlots) return 0;
  return static_cast<SlotMask>(((1u << size) - 1) << start);
}

Result<int> slice_of_mig(const std::vector<SliceProfile>& table, const std::string& profile, int start, int size,
                         const std::string& field) {
  if (mig_slots(start, size) == 0)
    return Status::Invalid(field + ": placement start " + std::to_string(start) + " size " + std::to_string(size) +
                           " leaves the GPU's 8 memory slots");
  for (std::size_t i = 0; i < table.size(); ++i) {
    const SliceProfile& p = table[i];
    if (p.name != profile) continue;
    if (p.memory != size)
      return Status::Invalid(field + ".size: profile '" + profile + "' holds " + std::to_string(p.memory) +
                             " memory slots, the MIG device " + std::to_string(size));
    if (!(p.starts >> start & 1))
      return Status::Invalid(field + ".start: profile '" + profile + "' may not start at slot " + std::to_string(start));
    return static_cast<int>(i) + 1;
  }
  std::string names;
  for (const SliceProfile& p : table) names += (names.empty() ? "" : ", ") + p.name;
  return Status::Invalid(field + ".profile: '" + profile + "' is not one of the cluster's slice profiles (" + names + ")");
}

}  // namespace hexa
