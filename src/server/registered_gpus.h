// What an agent that discovered its GPUs (hexa agent --gpus auto) adds to its registration:
// "gpu_model", "gpu_uuids" and, with MIG on, "mig" (docs/server.md, Agents: the protocol).
#pragma once

#include <string>
#include <vector>

#include "model/topology.h"
#include "server/agents.h"
#include "server/api.h"

namespace hexa {

struct RegisteredGpus {
  std::string model;               // "NVIDIA H100 80GB HBM3"; "" when declared by hand
  std::vector<std::string> uuids;  // by index: none, or one per GPU
  std::vector<RegisteredMig> mig;
};

// Reads them from a registration of `gpus` GPUs and checks each MIG device against the
// cluster's slice profiles (model/mig_slice.h). Errors (Invalid) name the field: "gpu_uuids:
// must list one UUID per GPU (8)", "mig[2].profile: '1g.5gb' is not one of the cluster's
// slice profiles (...)", "mig[3]: overlaps mig[1] on GPU 0".
Result<RegisteredGpus> read_registered_gpus(const Body& b, int gpus, const Topology& topo);

// Whether what the agent declares is the node the cluster declares: the same count, and the
// same type or a model that names the cluster's type ("NVIDIA H100 80GB HBM3" names "H100").
// "" when it is, else why not (for a 400 on "gpus").
std::string node_mismatch(const NodeInfo& info, const std::string& cluster_type, int gpus, const std::string& type,
                          const std::string& model);

}  // namespace hexa
