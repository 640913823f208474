#include "engine/advance_reservations.h"

#include <algorithm>
#include <bit>
#include <unordered_map>

namespace hexa {
namespace {

std::uint64_t all_gpus(int n) { return n >= 64 ? ~std::uint64_t{0} : bit(static_cast<std::uint32_t>(n)) - 1; }

// The lowest `n` set bits of `mask`.
std::uint64_t lowest(std::uint64_t mask, int n) {
  std::uint64_t out = 0;
  for (; n > 0 && mask; --n) {
    std::uint64_t b = mask & (~mask + 1);
    out |= b;
    mask &= ~b;
  }
  return out;
}

}  // namespace

bool AdvanceBook::has(std::string_view name) const {
  return std::any_of(all_.begin(), all_.end(), [&](const AdvanceReservation& r) { return r.name == name; });
}

int slices_per_gpu(const SliceProfile& p) {
  SlotMask used = 0;
  int n = 0;
  for (int at = 0; at < kSliceSlots; ++at)  // lowest starts first: the densest packing of one profile
    if ((p.starts >> at & 1) && !(p.slots_at(at) & used)) used |= p.slots_at(at), ++n;
  return n;
}

Result<std::size_t> AdvanceBook::reserve(const Topology& topo, ReserveAsk ask) {
  const std::string what = "reservation '" + ask.name + "'";
  if (ask.gpus < 1) return Status::Invalid(what + (ask.slice ? ".slices" : ".gpus") + ": must be at least 1");
  if (ask.from < 0 || ask.to <= ask.from) return Status::Invalid(what + ": its window must end after it begins");
  if (ask.slice < 0 || static_cast<std::size_t>(ask.slice) > topo.slice_profiles().size())
    return Status::Invalid(what + ".slice: unknown profile; known: " + topo.slice_names());
  const bool sliced = ask.slice > 0;
  // Slices fill whole sliced GPUs: 30 slices of 1g.10gb take 5 GPUs (7 each).
  const int per = sliced ? slices_per_gpu(topo.slice_profile(ask.slice)) : 1;
  const int gpus = (ask.gpus + per - 1) / per;
  std::unordered_map<NodeId, std::uint64_t> taken;  // by reservations overlapping the window
  std::vector<std::string> overlapping;
  for (const AdvanceReservation& r : all_) {
    if (r.to <= ask.from || ask.to <= r.from || r.site != ask.site) continue;
    for (const NodeGpus& g : r.gpus) taken[g.node] |= g.mask;
    overlapping.push_back(r.name);
  }
  auto left_on = [&](NodeId n) {
    auto it = taken.find(n);
    return all_gpus(topo.node(n).gpus) & ~(it == taken.end() ? 0 : it->second);
  };
  std::vector<std::pair<int, NodeId>> nodes;  // (-available, node): most available first
  long available = 0;
  for (BlockId b : topo.site(ask.site).blocks) {
    if (topo.block(b).type != ask.type || topo.block(b).sliced != sliced) continue;
    for (NodeId n : topo.block(b).nodes) {
      std::uint64_t left = left_on(n);
      if (left == 0) continue;
      nodes.push_back({-std::popcount(left), n});
      available += std::popcount(left);
    }
  }
  if (available < gpus) {
    std::string kind = sliced ? "sliced " + topo.types().name(ask.type) : topo.types().name(ask.type);
    std::string msg = what + ": needs " + std::to_string(gpus) + " " + kind + " at " + topo.site(ask.site).name +
                      (sliced ? " (for " + std::to_string(ask.gpus) + " slices of " +
                                    topo.slice_profile(ask.slice).name + ", " + std::to_string(per) + " per GPU)"
                              : "") +
                      " but only " + std::to_string(available) + " are not reserved then";
    if (!overlapping.empty()) {
      msg += " (overlapping:";
      for (std::size_t i = 0; i < overlapping.size() && i < 5; ++i) msg += " " + overlapping[i];
      msg += overlapping.size() > 5 ? " ...)" : ")";
    }
    return Status::Invalid(msg);
  }
  std::sort(nodes.begin(), nodes.end());
  AdvanceReservation r;
  r.name = std::move(ask.name), r.tenant = ask.tenant, r.site = ask.site, r.type = ask.type, r.from = ask.from,
  r.to = ask.to;
  r.types = bit(ask.type), r.whole = !sliced, r.sliced = sliced, r.slice = ask.slice;
  r.slices = sliced ? ask.gpus : 0;
  for (int need = gpus; need > 0;) {
    NodeId n = nodes[r.gpus.size()].second;
    std::uint64_t m = lowest(left_on(n), need);
    r.gpus.push_back({n, m});
    need -= std::popcount(m);
  }
  r.size = gpus;
  all_.push_back(std::move(r));
  return all_.size() - 1;
}

std::size_t AdvanceBook::block_nodes(const Topology& topo, std::string name, std::string why,
                                     const std::vector<NodeId>& nodes, TimeMs from, TimeMs to) {
  AdvanceReservation r;
  r.name = std::move(name), r.why = std::move(why), r.from = from, r.to = to;
  if (!nodes.empty()) r.site = topo.node(nodes.front()).site, r.type = topo.node(nodes.front()).type;
  for (NodeId n : nodes) {
    const NodeInfo& info = topo.node(n);
    r.types |= bit(info.type);
    (info.sliced ? r.sliced : r.whole) = true;
    r.gpus.push_back({n, all_gpus(info.gpus)});
    r.size += topo.node(n).gpus;
  }
  all_.push_back(std::move(r));
  return all_.size() - 1;
}

TimeMs AdvanceBook::next_boundary(TimeMs now) const {
  TimeMs next = kNever;
  for (const AdvanceReservation& r : all_) {
    if (r.from > now) next = std::min(next, r.from);
    else if (r.to > now) next = std::min(next, r.to);
  }
  return next;
}

void AdvanceBook::note_used(std::size_t r, int gpus, int compute, TimeMs start, TimeMs end) {
  AdvanceReservation& res = all_[r];
  TimeMs a = std::max(start, res.from), b = std::min(end, res.to);
  if (b > a) res.used += compute > 0 ? slice_gpu_ms(compute, b - a) : (b - a) * gpus;
}

}  // namespace hexa
