#include "agent/discovered_gpus.h"

#include "model/gpu_model.h"
#include "model/mig_slice.h"

namespace hexa {

Result<GpuDeclaration> declare_gpus(const DiscoveredGpus& found, const std::string& type_override) {
  if (found.empty()) return Status::Invalid("no GPU found: give --gpus N --gpu-type T");
  const std::string& model = found.gpus[0].name;
  for (const DiscoveredGpu& g : found.gpus)
    if (g.name != model)
      return Status::Invalid("GPUs of several models ('" + model + "', '" + g.name +
                             "'): one node has one GPU type; give --gpus N --gpu-type T");
  GpuDeclaration d;
  d.gpus = static_cast<int>(found.gpus.size());
  d.gpu_type = type_override.empty() ? gpu_type_of_model(model) : type_override;
  if (d.gpu_type.empty())
    return Status::Invalid("GPU model '" + model + "': no GPU type known for it; give --gpu-type T (the cluster's type)");
  return d;
}

std::string describe_gpus(const DiscoveredGpus& found) {
  std::string out;
  for (const DiscoveredGpu& g : found.gpus) {
    out += "GPU " + std::to_string(g.index) + ": " + g.name + ", " + g.uuid + ", " + std::to_string(g.memory_mib) +
           " MiB, MIG " + (g.mig_enabled ? "on" : "off") + "\n";
    for (const MigDevice& m : found.mig) {
      if (m.gpu != g.index) continue;
      out += "  MIG " + m.profile + " at slots " + std::to_string(m.start) + ".." + std::to_string(m.start + m.size - 1) +
             ", " + m.uuid + ", " + std::to_string(m.memory_mib) + " MiB\n";
    }
  }
  for (const std::string& n : found.notes) out += "note: " + n + "\n";
  return out;
}

const MigDevice* mig_device_at(const std::vector<MigDevice>& mig, int gpu, unsigned slots) {
  for (const MigDevice& m : mig)
    if (m.gpu == gpu && slots != 0 && mig_slots(m.start, m.size) == slots) return &m;
  return nullptr;
}

}  // namespace hexa
