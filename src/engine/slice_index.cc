#include "engine/slice_index.h"

#include <bit>
#include <cassert>
#include <utility>

namespace hexa {

SliceIndex::SliceIndex(const Topology& topo, const std::vector<PoolId>& block_pool, std::size_t pools)
    : topo_(&topo),
      bucket_(pools * 256),
      nonempty_(pools * 4, 0),
      pool_gpus_(pools, 0),
      pool_units_(pools, 0),
      stride_(topo.slice_profiles().size() + 1),
      fitting_(pools * stride_, 0),
      by_units_(pools * (kSliceCompute + 1), 0) {
  first_.assign(topo.nodes().size(), 0);
  for (NodeId n = 0; n < topo.nodes().size(); ++n) {
    const NodeInfo& info = topo.node(n);
    first_[n] = static_cast<SliceGpu>(node_.size());
    if (!info.sliced) continue;
    const PoolId p = block_pool[info.block];
    for (int i = 0; i < info.gpus; ++i) {
      std::vector<SliceGpu>& b = bucket_[p * 256];
      pos_.push_back(static_cast<std::uint32_t>(b.size()));
      b.push_back(static_cast<SliceGpu>(node_.size()));
      node_.push_back(n);
      pool_.push_back(p);
      used_.push_back(0);
      aside_.push_back(0);
    }
    mark(p, 0);
    pool_gpus_[p] += info.gpus;
    pool_units_[p] += long{info.gpus} * kSliceCompute;
    units_ += long{info.gpus} * kSliceCompute;
  }
  const auto& profiles = topo.slice_profiles();
  held_.assign(profiles.size() + 1, 0);
  first_start_.resize(profiles.size() + 1);
  first_start_[0].fill(-1);
  for (std::size_t k = 0; k < profiles.size(); ++k)
    for (unsigned m = 0; m < 256; ++m) {
      std::int8_t s = -1;
      for (int at = 0; at < kSliceSlots && s < 0; ++at)
        if ((profiles[k].starts >> at & 1) && !(profiles[k].slots_at(at) & m)) s = static_cast<std::int8_t>(at);
      first_start_[k + 1][m] = s;
    }
  build_fit_table();
  for (SliceGpu g = 0; g < node_.size(); ++g) count(g, +1);
}

// fitting_profiles(m) for every occupancy, from first_start_. Profile numbers fit a byte:
// check_slice_profiles allows at most 255 profiles.
void SliceIndex::build_fit_table() {
  assert(stride_ <= 256);
  fit_list_.clear();
  fit_at_.assign(257, 0);
  for (unsigned m = 0; m < 256; ++m) {
    fit_at_[m] = static_cast<std::uint32_t>(fit_list_.size());
    for (std::size_t k = 1; k < stride_; ++k)
      if (first_start_[k][m] >= 0) fit_list_.push_back(static_cast<std::uint8_t>(k));
  }
  fit_at_[256] = static_cast<std::uint32_t>(fit_list_.size());
}

// Every set_aside/put_back/slot change comes here twice (out of the old class, into the new):
// only the profiles that fit the occupancy change a count, and a busy GPU fits few of them.
void SliceIndex::count(PoolId p, SlotMask m, long n) {
  for (std::uint8_t k : fitting_profiles(m)) fitting_[p * stride_ + k] += n;
  by_units_[p * (kSliceCompute + 1) + static_cast<std::size_t>(free_units_of(m))] += n;
}

int SliceIndex::most_free_units(PoolId p) const {
  for (int u = kSliceCompute; u > 0; --u)
    if (by_units_[p * (kSliceCompute + 1) + static_cast<std::size_t>(u)] > 0) return u;
  return 0;
}

bool SliceIndex::fits_at(int slice, SlotMask m, int start) const {
  const SliceProfile& p = topo_->slice_profile(slice);
  return (p.starts >> start & 1) && !(p.slots_at(start) & m);
}

void SliceIndex::unbucket(SliceGpu g) {
  const PoolId p = pool_[g];
  std::vector<SliceGpu>& from = bucket_[p * 256 + used_[g]];
  SliceGpu last = from.back();  // swap-remove
  from[pos_[g]] = last;
  pos_[last] = pos_[g];
  from.pop_back();
  mark(p, used_[g]);
  count(g, -1);
  pool_units_[p] -= free_units_of(used_[g]);
  units_ -= free_units_of(used_[g]);
}

void SliceIndex::bucket(SliceGpu g) {
  const PoolId p = pool_[g];
  std::vector<SliceGpu>& dest = bucket_[p * 256 + used_[g]];
  pos_[g] = static_cast<std::uint32_t>(dest.size());
  dest.push_back(g);
  mark(p, used_[g]);
  count(g, +1);
  pool_units_[p] += free_units_of(used_[g]);
  units_ += free_units_of(used_[g]);
}

void SliceIndex::move(SliceGpu g, SlotMask to) {
  if (aside_[g]) {  // in no bucket: only its occupancy changes
    used_[g] = to;
    return;
  }
  unbucket(g);
  used_[g] = to;
  bucket(g);
}

void SliceIndex::set_aside(SliceGpu g) {
  assert(!aside_[g]);
  unbucket(g);
  aside_[g] = 1;
}

void SliceIndex::put_back(SliceGpu g) {
  assert(aside_[g]);
  aside_[g] = 0;
  bucket(g);
}

// A batch meets few (pool, occupancy) pairs: most reserved GPUs of a lab are empty or alike.
void SliceIndex::tally(SliceGpu g) {
  const std::uint32_t key = pool_[g] * 256 + used_[g];
  if (batch_.empty()) batch_.assign(bucket_.size(), 0);
  if (batch_[key]++ == 0) batched_.push_back(key);
}

void SliceIndex::apply_tally(long sign) {
  for (std::uint32_t key : batched_) {
    const PoolId p = key / 256;
    const auto m = static_cast<SlotMask>(key % 256);
    const long n = std::exchange(batch_[key], 0);
    mark(p, m);
    count(p, m, sign * n);
    pool_units_[p] += sign * n * free_units_of(m);
    units_ += sign * n * free_units_of(m);
  }
  batched_.clear();
}

// unbucket and bucket, less what apply_tally does once per (pool, occupancy).
void SliceIndex::set_aside(std::span<const SliceGpu> gs) {
  for (SliceGpu g : gs) {
    assert(!aside_[g]);
    std::vector<SliceGpu>& from = bucket_[pool_[g] * 256 + used_[g]];
    const SliceGpu last = from.back();  // swap-remove
    from[pos_[g]] = last;
    pos_[last] = pos_[g];
    from.pop_back();
    aside_[g] = 1;
    tally(g);
  }
  apply_tally(-1);
}

void SliceIndex::put_back(std::span<const SliceGpu> gs) {
  for (SliceGpu g : gs) {
    assert(aside_[g]);
    aside_[g] = 0;
    std::vector<SliceGpu>& dest = bucket_[pool_[g] * 256 + used_[g]];
    pos_[g] = static_cast<std::uint32_t>(dest.size());
    dest.push_back(g);
    tally(g);
  }
  apply_tally(+1);
}

void SliceIndex::take(const NodeGpus& a) {
  assert(a.slots && topo_->node(a.node).sliced && std::has_single_bit(a.mask));
  const SliceGpu g = gpu_of(a.node, std::countr_zero(a.mask));
  assert((used_[g] & a.slots) == 0 && "a slot is held twice");
  move(g, static_cast<SlotMask>(used_[g] | a.slots));
  ++held_[a.slice];
}

void SliceIndex::give(const NodeGpus& a) {
  assert(a.slots && topo_->node(a.node).sliced && std::has_single_bit(a.mask));
  const SliceGpu g = gpu_of(a.node, std::countr_zero(a.mask));
  assert((used_[g] & a.slots) == a.slots && "giving back slots not held");
  move(g, static_cast<SlotMask>(used_[g] & ~a.slots));
  --held_[a.slice];
}

}  // namespace hexa
