// What GPU discovery (agent/nvml.h) found on this node, and what the agent declares from it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/status.h"

namespace hexa {

// One MIG device of a GPU: a GPU instance placed on `size` memory slots (eighths) from `start`.
struct MigDevice {
  int gpu = 0;          // its GPU's index
  std::string uuid;     // "MIG-..." (what CUDA_VISIBLE_DEVICES takes)
  std::string profile;  // the GPU instance profile's name, "1g.10gb"
  int start = 0, size = 0;
  std::int64_t memory_mib = 0;
};

struct DiscoveredGpu {
  int index = 0;
  std::string name;  // the model, "NVIDIA H100 80GB HBM3"
  std::string uuid;  // "GPU-..."
  std::int64_t memory_mib = 0;
  bool mig_enabled = false;  // MIG mode on now
};

struct DiscoveredGpus {
  std::vector<DiscoveredGpu> gpus;  // by index
  std::vector<MigDevice> mig;       // every GPU's MIG devices, by GPU then MIG index
  std::vector<std::string> notes;   // what could not be read, for people ("GPU 0: MIG devices ...")
  bool empty() const { return gpus.empty(); }
};

// What the agent registers: its GPU count and type.
struct GpuDeclaration {
  int gpus = 0;
  std::string gpu_type;
};

// The count and type to declare: `type_override` when given, else the type the model names
// (model/gpu_model.h). Errors: no GPU; GPUs of several models; a model that names no type
// (each asks for --gpu-type).
Result<GpuDeclaration> declare_gpus(const DiscoveredGpus& found, const std::string& type_override);

// Lines for people: one per GPU ("GPU 0: NVIDIA H100 80GB HBM3, GPU-..., 81559 MiB, MIG on"),
// one per MIG device under it.
std::string describe_gpus(const DiscoveredGpus& found);

// The MIG device on `gpu` that holds exactly `slots` (model/slice_profile.h), or nullptr.
const MigDevice* mig_device_at(const std::vector<MigDevice>& mig, int gpu, unsigned slots);

}  // namespace hexa
