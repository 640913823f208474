// Snapshots of the free-capacity index (engine/free_index.h) and the slice index
// (engine/slice_index.h): what history made them, saved; what follows from it, rebuilt.
#include <bit>

#include "engine/free_index.h"
#include "model/archive.h"

namespace hexa {
namespace {

std::uint64_t all_gpus(int gpus) { return gpus >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << gpus) - 1; }

}  // namespace

// A member added to one of these must be saved and loaded here (or, if it is the scratch of a
// pass, named as left out): their sizes make the build say so. Update them once it is done.
// FreeIndex's node_ keys, blocks and sliced flags come from the topology (its masks are saved, its
// counts follow from them), and its fingerprint_ and pool_fingerprint_ from
// the masks: the constructor and load()'s take() work them out again, as they do has_free_
// (consecutive_ comes from the topology); in_reach_ is worked out from the slice index. SliceIndex's fit table
// (fit_list_, fit_at_) comes from the slice profiles: the constructor builds it. FreeIndex's
// sliced_ and SliceIndex's batch_ and batched_ are the scratch of one call.
#if defined(__GLIBCXX__) && defined(__LP64__)
static_assert(sizeof(FreeIndex) == 816, "FreeIndex changed: save the new member in free_index_archive.cc");
static_assert(sizeof(SliceIndex) == 456, "SliceIndex changed: save the new member in free_index_archive.cc");
#endif

void FreeIndex::save(Writer& w) const {
  for (const NodeSlot& node : node_) w.u64(node.mask);
  slices_.save(w);
}

// The index starts with every whole GPU free: taking the ones that were not brings every
// aggregate (blocks, pools, histograms) to what it was.
bool FreeIndex::load(Reader& r) {
  for (NodeId n = 0; n < node_.size() && r.ok(); ++n) {
    const std::uint64_t m = r.u64();
    const NodeInfo& info = topo_->node(n);
    if (info.sliced ? m != 0 : (m & ~all_gpus(info.gpus)) != 0)
      return r.fail("free GPUs of node '" + info.name + "' out of range");
    if (!info.sliced && m != node_[n].mask) take(n, node_[n].mask & ~m);
  }
  if (!slices_.load(r)) return false;
  reach_from_slices();
  return true;
}

void SliceIndex::save(Writer& w) const {
  w.u64(used_.size());
  for (SliceGpu g = 0; g < used_.size(); ++g) w.u8(used_[g]), w.b(aside_[g] != 0);
  w.seq(held_, [&](long n) { w.i64(n); });
  for (PoolId p = 0; p < pools(); ++p) {
    std::size_t buckets = 0;
    for_each_occupancy(p, [&](SlotMask) { ++buckets; });
    w.u64(buckets);
    for_each_occupancy(p, [&](SlotMask m) {
      w.u8(m);
      w.seq(with(p, m), [&](SliceGpu g) { w.u32(g); });
    });
  }
}

bool SliceIndex::load(Reader& r) {
  if (r.u64() != used_.size()) return r.fail("slice index: another number of sliced GPUs");
  for (SliceGpu g = 0; g < used_.size(); ++g) used_[g] = r.u8(), aside_[g] = r.b();
  if (r.count() != held_.size()) return r.fail("slice index: another number of slice profiles");
  for (long& n : held_)
    if ((n = r.i64()) < 0) return r.fail("slice index: negative count of slices held");
  for (auto& b : bucket_) b.clear();
  std::fill(nonempty_.begin(), nonempty_.end(), 0);
  std::fill(pool_units_.begin(), pool_units_.end(), 0);
  std::fill(fitting_.begin(), fitting_.end(), 0);
  std::fill(by_units_.begin(), by_units_.end(), 0);
  units_ = 0;
  std::vector<char> seen(used_.size(), 0);
  for (PoolId p = 0; p < pools() && r.ok(); ++p) {
    const std::size_t buckets = r.count(2);
    int last = -1;
    for (std::size_t k = 0; k < buckets && r.ok(); ++k) {
      const SlotMask m = r.u8();
      if (m <= last) return r.fail("slice index: buckets out of order");
      last = m;
      std::vector<SliceGpu>& b = bucket_[p * 256 + m];
      b.resize(r.count());
      if (r.ok() && b.empty()) return r.fail("slice index: an empty bucket");
      for (SliceGpu& g : b) {
        g = r.u32();
        if (!r.ok()) return false;
        if (g >= used_.size() || pool_[g] != p || used_[g] != m || aside_[g] || seen[g])
          return r.fail("slice index: a GPU in the wrong bucket");
        seen[g] = 1;
      }
    }
  }
  for (SliceGpu g = 0; g < used_.size() && r.ok(); ++g)
    if (!aside_[g] && !seen[g]) return r.fail("slice index: a GPU in no bucket");
  if (!r.ok()) return false;
  for (PoolId p = 0; p < pools(); ++p)
    for (unsigned m = 0; m < 256; ++m) {
      const std::vector<SliceGpu>& b = bucket_[p * 256 + m];
      for (std::uint32_t i = 0; i < b.size(); ++i) {
        pos_[b[i]] = i;
        count(b[i], +1);
        pool_units_[p] += free_units_of(static_cast<SlotMask>(m));
        units_ += free_units_of(static_cast<SlotMask>(m));
      }
      mark(p, static_cast<SlotMask>(m));
    }
  return true;
}

}  // namespace hexa
