// A node's MIG device (profile name and placement, as NVML reports them) -> one of the
// cluster's slice profiles (model/slice_profile.h). NVML places a GPU instance in memory
// slices of eighths, the same 8 slots as our profiles: a "3g.40gb" at start 4, size 4 holds
// slots 4..7.
#pragma once

#include <string>
#include <vector>

#include "model/slice_profile.h"
#include "model/status.h"

namespace hexa {

// The JobSpec::slice (index + 1 in `table`) of the profile named `profile`, when its placement
// (`start`, `size` slots) is one that profile may hold. Errors (Invalid, naming `field`, e.g.
// "mig[3]"): a placement outside the 8 slots, a profile the table does not have (the message
// lists the table), a size other than the profile's memory, a start the profile may not use.
Result<int> slice_of_mig(const std::vector<SliceProfile>& table, const std::string& profile, int start, int size,
                         const std::string& field);

// The slots a placement holds; 0 when it leaves the 8 slots.
SlotMask mig_slots(int start, int size);

}  // namespace hexa
