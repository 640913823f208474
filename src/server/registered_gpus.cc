#include "server/registered_gpus.h"

#include "model/gpu_model.h"
#include "model/mig_slice.h"

namespace hexa {

namespace {

constexpr std::size_t kUuidMax = 96;  // NVML's UUID buffer

Status read_uuid(const Body& e, const std::string& at, std::string* out) {
  if (Status st = e.get("uuid", out, kUuidMax); !st.ok()) return Status::Invalid(at + "." + st.message());
  if (out->empty()) return Status::Invalid(at + ".uuid: must not be empty");
  return Status::Ok();
}

Result<RegisteredMig> read_mig(const Json& x, std::size_t i, int gpus, const Topology& topo) {
  const std::string at = "mig[" + std::to_string(i) + "]";
  if (!x.is_object()) return Status::Invalid(at + ": must be an object {gpu, uuid, profile, start, size}");
  auto e = Body::parse(x.dump(), {"gpu", "uuid", "profile", "start", "size"});
  if (!e.ok()) return Status::Invalid(at + "." + e.status().message());
  RegisteredMig m;
  std::string profile;
  int start = 0, size = 0;
  for (Status st : {e->require("gpu"), e->require("uuid"), e->require("profile"), e->require("start"), e->require("size"),
                    e->get("gpu", &m.gpu, 0, gpus - 1), e->get("profile", &profile), e->get("start", &start, 0, kSliceSlots - 1),
                    e->get("size", &size, 1, kSliceSlots)})
    if (!st.ok()) return Status::Invalid(at + "." + st.message());
  if (Status st = read_uuid(*e, at, &m.uuid); !st.ok()) return st;
  Result<int> slice = slice_of_mig(topo.slice_profiles(), profile, start, size, at);
  if (!slice.ok()) return slice.status();
  m.slots = mig_slots(start, size);
  return m;
}

}  // namespace

Result<RegisteredGpus> read_registered_gpus(const Body& b, int gpus, const Topology& topo) {
  RegisteredGpus r;
  if (Status st = b.get("gpu_model", &r.model); !st.ok()) return st;
  if (Status st = b.get("gpu_uuids", &r.uuids, kMaxGpusPerNode); !st.ok()) return st;
  if (b.has("gpu_uuids") && r.uuids.size() != static_cast<std::size_t>(gpus))
    return Status::Invalid("gpu_uuids: must list one UUID per GPU (" + std::to_string(gpus) + ")");
  for (const std::string& u : r.uuids)
    if (u.empty() || u.size() > kUuidMax) return Status::Invalid("gpu_uuids: each must be 1 to 96 bytes");
  if (!b.has("mig")) return r;
  const Json& list = b.json()["mig"];
  const std::size_t max = static_cast<std::size_t>(gpus) * kSliceSlots;
  if (!list.is_array() || list.size() > max)
    return Status::Invalid("mig: must be an array of at most " + std::to_string(max) + " MIG devices (8 per GPU)");
  for (std::size_t i = 0; i < list.size(); ++i) {
    Result<RegisteredMig> m = read_mig(list[i], i, gpus, topo);
    if (!m.ok()) return m.status();
    // GPU instances never share a slot; compute instances of one share its placement.
    for (std::size_t k = 0; k < r.mig.size(); ++k)
      if (r.mig[k].gpu == m->gpu && (r.mig[k].slots & m->slots) && r.mig[k].slots != m->slots)
        return Status::Invalid("mig[" + std::to_string(i) + "]: overlaps mig[" + std::to_string(k) + "] on GPU " +
                               std::to_string(m->gpu));
    r.mig.push_back(*m);
  }
  return r;
}

std::string node_mismatch(const NodeInfo& info, const std::string& cluster_type, int gpus, const std::string& type,
                          const std::string& model) {
  const bool same_type = type == cluster_type || model_names_type(model, cluster_type);
  if (info.gpus == gpus && same_type) return "";
  return "node '" + info.name + "': the cluster declares " + std::to_string(info.gpus) + " " + cluster_type +
         " GPUs, the agent has " + std::to_string(gpus) + " " + type + (model.empty() ? "" : " (" + model + ")");
}

}  // namespace hexa
