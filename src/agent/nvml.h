// GPU discovery through NVML, the driver's management library, loaded at run time
// (dlopen): the agent builds and runs without it; on a GPU node the driver ships it.
// Read: the GPUs (name, UUID, memory, MIG mode) and each MIG device (UUID, GPU instance profile
// name, placement). Reading a MIG device's placement needs root (NVML's GPU instance queries):
// without it the GPU's MIG devices are left out, with a note.
#pragma once

#include <string>

#include "agent/discovered_gpus.h"
#include "model/status.h"

namespace hexa {

inline constexpr const char* kNvmlLibrary = "libnvidia-ml.so.1";

// Loads `library` (a name searched as dlopen does, or a path), initializes NVML, reads every
// GPU, shuts NVML down and unloads it. Errors (Invalid, one line each): "NVML: cannot load
// libnvidia-ml.so.1: ...", "NVML: ... lacks nvmlInit_v2", "NVML: nvmlInit_v2 failed: ...",
// "NVML: no GPUs", "NVML: GPU 3: nvmlDeviceGetUUID failed: ...".
Result<DiscoveredGpus> discover_gpus(const std::string& library = kNvmlLibrary);

}  // namespace hexa
