// Placement: where a gang goes, behind a one-method interface. A placer only reads the
// FreeIndex; the caller takes the GPUs. A gang is all-or-nothing: either `out` holds exactly
// `gpus` free GPUs of one pool, or the call fails and says why in `why`. A placer reads only
// the pools eligible for the request (pool_eligible): what is free elsewhere changes nothing
// it answers, which EASY planning and its cache rely on (engine/reservation_cache.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>
#include <string_view>

#include "engine/free_index.h"
#include "model/status.h"

namespace hexa {

struct PlaceRequest {
  int gpus = 1;
  TypeMask types = 0;
  SiteMask sites = 0;
  // By PoolId, lower first: the site choice comes before the fit. None: fit alone.
  const std::vector<std::int64_t>* rank = nullptr;
  // The job's preferred sites come before the others, whatever the site choice; 0 = none.
  SiteMask prefer = 0;
  std::int64_t rank_of(const PoolInfo& pool, PoolId p) const {
    std::int64_t r = rank ? (*rank)[p] : 0;
    return prefer != 0 && !allows(prefer, pool.site) ? r + kNotPreferred : r;
  }
  static constexpr std::int64_t kNotPreferred = std::int64_t{1} << 60;
  // One slice of this profile (JobSpec::slice) instead of whole GPUs; then gpus is 1.
  int slice = 0;
};

struct PlaceFailure {
  WaitKind kind = WaitKind::kNoBlock;
  long best = 0;  // the most the cluster could offer now (see WaitKind)
};

class Placer {
 public:
  virtual ~Placer() = default;
  virtual std::string_view name() const = 0;
  virtual bool place(const FreeIndex& idx, const PlaceRequest& req, Allocation* out,
                     PlaceFailure* why) const = 0;
};

// Whole GPUs: "topology" (default) or "count". Slices (engine/placement_slice.cc): "frag"
// (default, fragmentation-aware) or "bestfit". The placer returned serves both: a request with
// a slice goes to the slice placer, any other to the whole-GPU one.
Result<std::unique_ptr<Placer>> make_placer(std::string_view name, std::string_view slices = "frag");
// A slice placer alone (it fails every request without a slice).
Result<std::unique_ptr<Placer>> make_slice_placer(std::string_view name);

// True when the pool may serve the request: allowed site, acceptable GPU type, sliced GPUs
// for a slice and only for a slice.
inline bool pool_eligible(const PoolInfo& p, const PlaceRequest& r) {
  return allows(r.sites, p.site) && allows(r.types, p.type) && p.sliced == (r.slice != 0);
}

}  // namespace hexa
