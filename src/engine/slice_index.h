// SliceIndex: the occupancy of every sliced GPU (which memory slots its slices hold), with a
// per-pool histogram of GPUs by occupancy, so a slice placer looks at (pool, occupancy) classes
// -- at most 256 per pool -- instead of scanning GPUs (DESIGN.md, rule 5). take() and give()
// keep it exact in O(1).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "model/job.h"
#include "model/topology.h"

namespace hexa {

class Reader;
class Writer;

using PoolId = std::uint32_t;
using SliceGpu = std::uint32_t;  // a sliced GPU, dense: 0 .. gpus() - 1

// Free compute units of a GPU with occupancy m: units whose slot no slice holds.
inline int free_units_of(SlotMask m) { return kSliceCompute - std::popcount(static_cast<SlotMask>(m & kComputeSlots)); }

class SliceIndex {
 public:
  SliceIndex() = default;  // no sliced GPUs
  // block_pool: the pool of every block (FreeIndex's); pools: how many there are.
  SliceIndex(const Topology& topo, const std::vector<PoolId>& block_pool, std::size_t pools);

  // REQUIRES: g is a slice (g.slots != 0) of a sliced node, one GPU bit in g.mask; take: its
  // slots are free; give: it holds them.
  void take(const NodeGpus& g);
  void give(const NodeGpus& g);
  // Sets a GPU aside (an advance reservation holds it): its free slots leave the classes the
  // placers look at, while the slices on it stay and take()/give() still track them.
  // REQUIRES: set_aside: not aside; put_back: aside.
  void set_aside(SliceGpu g);
  void put_back(SliceGpu g);
  // The same for many GPUs, in order: the same buckets, in the same order, as one call per GPU,
  // with the counts changed once per (pool, occupancy) met, not once per GPU (a pass sets a
  // lab's reserved GPUs aside and puts them back: 42 million of each in the France month).
  void set_aside(std::span<const SliceGpu> gs);
  void put_back(std::span<const SliceGpu> gs);
  bool aside(SliceGpu g) const { return aside_[g] != 0; }

  std::size_t gpus() const { return used_.size(); }
  std::size_t pools() const { return pool_gpus_.size(); }
  SliceGpu gpu_of(NodeId n, int gpu) const { return first_[n] + static_cast<SliceGpu>(gpu); }
  NodeId node_of(SliceGpu g) const { return node_[g]; }
  int index_in_node(SliceGpu g) const { return static_cast<int>(g - first_[node_[g]]); }
  PoolId pool_of(SliceGpu g) const { return pool_[g]; }
  SlotMask used(SliceGpu g) const { return used_[g]; }

  // Sliced GPUs of pool p whose occupancy is exactly m and that are not aside, in no particular
  // order.
  const std::vector<SliceGpu>& with(PoolId p, SlotMask m) const { return bucket_[p * 256 + m]; }
  // Calls f(m) for every occupancy m that some GPU of pool p has, in increasing order of m.
  template <class F>
  void for_each_occupancy(PoolId p, F f) const {
    for (unsigned w = 0; w < 4; ++w)
      for (std::uint64_t bits = nonempty_[p * 4 + w]; bits; bits &= bits - 1)
        f(static_cast<SlotMask>(w * 64 + static_cast<unsigned>(std::countr_zero(bits))));
  }
  long pool_gpus(PoolId p) const { return pool_gpus_[p]; }
  // Free compute units, of the GPUs not set aside.
  long pool_free_units(PoolId p) const { return pool_units_[p]; }
  long free_units() const { return units_; }
  // Slices of each profile held now (index = JobSpec::slice).
  long held(int slice) const { return held_[static_cast<std::size_t>(slice)]; }
  // GPUs of pool p, not aside, with room for one slice of the profile: 0 means no slice of it
  // can be placed in the pool now, known in O(1).
  long fitting(PoolId p, int slice) const { return fitting_[p * stride_ + static_cast<std::size_t>(slice)]; }
  // The most free compute units on one GPU of pool p that is not aside.
  int most_free_units(PoolId p) const;

  // The lowest allowed start of the profile on a GPU with occupancy m; -1 when none is free.
  int first_start(int slice, SlotMask m) const { return first_start_[static_cast<std::size_t>(slice)][m]; }
  // Whether the profile can start at `start` on occupancy m.
  bool fits_at(int slice, SlotMask m, int start) const;
  // The profiles (JobSpec::slice) with room on a GPU of occupancy m, ascending: first_start()
  // >= 0 for exactly these. count() walks only them, not every profile for every move.
  std::span<const std::uint8_t> fitting_profiles(SlotMask m) const {
    return {fit_list_.data() + fit_at_[m], fit_list_.data() + fit_at_[m + 1u]};
  }
  const Topology& topology() const { return *topo_; }

  // Snapshots (engine/free_index_archive.cc): each GPU's occupancy, which are set aside, the
  // slices held, and the order of the GPUs in each bucket (a placer takes a bucket's last
  // GPU); the counts are worked out again. REQUIRES (load): built for the same topology.
  void save(Writer& w) const;
  bool load(Reader& r);

 private:
  void move(SliceGpu g, SlotMask to);
  void unbucket(SliceGpu g);
  void bucket(SliceGpu g);
  // Counts g's occupancy in fitting_ and by_units_ (sign +1) or takes it out (-1).
  void count(SliceGpu g, long sign) { count(pool_[g], used_[g], sign); }
  // n GPUs of pool p with occupancy m (n < 0: taken out).
  void count(PoolId p, SlotMask m, long n);
  // The GPUs of a batch, by (pool, occupancy): how many of each (batch_ is scratch).
  void tally(SliceGpu g);
  void apply_tally(long sign);
  std::vector<long> batch_;              // by pool * 256 + occupancy: GPUs of the batch (0 between batches)
  std::vector<std::uint32_t> batched_;   // the keys of batch_ the batch met
  void build_fit_table();
  void mark(PoolId p, SlotMask m) {
    std::uint64_t& w = nonempty_[p * 4 + m / 64];
    const std::uint64_t b = std::uint64_t{1} << (m % 64);
    w = bucket_[p * 256 + m].empty() ? w & ~b : w | b;
  }

  const Topology* topo_ = nullptr;
  std::vector<SliceGpu> first_;  // by NodeId: its GPU 0 (meaningless for unsliced nodes)
  std::vector<NodeId> node_;     // by SliceGpu
  std::vector<PoolId> pool_;     // by SliceGpu
  std::vector<SlotMask> used_;   // by SliceGpu
  std::vector<std::uint8_t> aside_;  // by SliceGpu: set aside, in no bucket
  std::vector<std::uint32_t> pos_;             // by SliceGpu: its place in its bucket
  std::vector<std::vector<SliceGpu>> bucket_;  // by pool * 256 + occupancy
  std::vector<std::uint64_t> nonempty_;        // by pool * 4 + m / 64: bit m % 64 = bucket m has GPUs
  std::vector<long> pool_gpus_, pool_units_;
  long units_ = 0;
  std::vector<long> held_;                               // by JobSpec::slice
  std::size_t stride_ = 1;                               // profiles + 1
  std::vector<long> fitting_;                            // by pool * stride_ + JobSpec::slice
  std::vector<long> by_units_;                           // by pool * 8 + free units: GPUs not aside
  std::vector<std::array<std::int8_t, 256>> first_start_;  // by JobSpec::slice, occupancy
  std::vector<std::uint8_t> fit_list_;         // fitting_profiles(m): fit_list_[fit_at_[m] .. fit_at_[m + 1])
  std::vector<std::uint32_t> fit_at_;           // 257 offsets
};

}  // namespace hexa
