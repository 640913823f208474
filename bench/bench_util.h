// Shared set-up for the benchmarks: the 25,000-GPU, three-site cluster of the seeds.
#pragma once

#include <string>
#include <vector>

#include "model/topology.h"
#include "sim/rng.h"

namespace hexa::bench {

// Paris 10,000, Marseille 7,000, Mulhouse 8,000 H100: nodes of 8 GPUs, blocks of 32 nodes.
inline Topology france() {
  Topology t;
  const std::vector<std::pair<std::string, int>> sites = {{"paris", 1250}, {"marseille", 875}, {"mulhouse", 1000}};
  for (const auto& [name, nodes] : sites) {
    SiteId s = *t.add_site(name);
    for (int b = 0; b * 32 < nodes; ++b) {
      BlockId block = *t.add_block(s, name + "-b" + std::to_string(b), "H100");
      for (int n = b * 32; n < std::min(nodes, (b + 1) * 32); ++n)
        (void)t.add_node(block, name + "-n" + std::to_string(n), 8);
    }
  }
  return t;
}

// Mixed gang sizes, mostly small, a few up to 1,024 GPUs.
inline std::vector<int> mixed_shapes(std::size_t n, std::uint64_t seed) {
  const int sizes[] = {1, 1, 1, 2, 4, 4, 8, 8, 8, 16, 32, 64, 128, 256, 1024};
  Rng rng(seed);
  std::vector<int> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(sizes[rng.below(std::size(sizes))]);
  return out;
}

}  // namespace hexa::bench
