// Cluster descriptions: YAML files, the shorthand NODESxGPUS, and the Alibaba node list.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "model/status.h"
#include "model/topology.h"

namespace hexa {

// "80x8": one site "site0", blocks of 8 nodes, NODES nodes of GPUS GPUs of type "gpu".
Result<Topology> cluster_from_shorthand(const std::string& text);

// A YAML cluster description (docs/cluster-format.md):
//   sites:
//     - name: paris
//       blocks:
//         - {count: 40, nodes: 32, gpus_per_node: 8, gpu_type: H100}
// `where` prefixes error messages ("cluster.yaml: sites[0].blocks[1].nodes: ...").
Result<Topology> cluster_from_yaml(const YAML::Node& root, const std::string& where);
Result<Topology> load_cluster_yaml(const std::string& path);

// The Alibaba GPU-2023 node list (sn,cpu_milli,memory_mib,gpu,model): one site "alibaba",
// nodes grouped by GPU model into blocks of 8 nodes.
Result<Topology> load_alibaba_nodes(const std::string& path);

// Picks by form: NODESxGPUS, a .yaml/.yml file, or a .csv node list.
Result<Topology> load_cluster(const std::string& spec);

}  // namespace hexa
