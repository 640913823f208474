// Random changes of a FreeIndex, for its property tests.
#pragma once

#include <cstdint>
#include <random>

#include "engine/free_index.h"

namespace hexa::testing {

// Takes some of node n's free GPUs, or gives back some of its busy ones, at random.
inline void random_change(FreeIndex& f, const Topology& topo, NodeId n, std::mt19937& rng) {
  const std::uint64_t all = (std::uint64_t{1} << topo.node(n).gpus) - 1;
  const std::uint64_t pick = rng() & all;
  if (rng() % 2) {
    if (std::uint64_t m = pick & f.free_mask(n)) f.take(n, m);
  } else if (std::uint64_t m = pick & ~f.free_mask(n) & all) {
    f.give(n, m);
  }
}

}  // namespace hexa::testing
