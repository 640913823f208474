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

Result<std::size_t> AdvanceBook::reserve(const Topology& topo, std::string name, TenantId tenant, SiteId site,
                                         TypeId type, int gpus, TimeMs from, TimeMs to) {
  const std::string what = "reservation '" + name + "'";
  if (gpus < 1) return Status::Invalid(what + ".gpus: must be at least 1");
  if (from < 0 || to <= from) return Status::Invalid(what + ": its window must end after it begins");
  std::unordered_map<NodeId, std::uint64_t> taken;  // by reservations overlapping the window
  std::vector<std::string> overlapping;
  for (const AdvanceReservation& r : all_) {
    if (r.to <= from || to <= r.from || r.site != site) continue;
    for (const NodeGpus& g : r.gpus) taken[g.node] |= g.mask;
    overlapping.push_back(r.name);
  }
  std::vector<std::pair<int, NodeId>> nodes;  // (-available, node): most available first
  long available = 0;
  for (BlockId b : topo.site(site).blocks) {
    if (topo.block(b).type != type) continue;
    for (NodeId n : topo.block(b).nodes) {
      auto it = taken.find(n);
      std::uint64_t left = all_gpus(topo.node(n).gpus) & ~(it == taken.end() ? 0 : it->second);
      if (left == 0) continue;
      nodes.push_back({-std::popcount(left), n});
      available += std::popcount(left);
    }
  }
  if (available < gpus) {
    std::string msg = what + ": needs " + std::to_string(gpus) + " " + topo.types().name(type) + " at " +
                      topo.site(site).name + " but only " + std::to_string(available) + " are not reserved then";
    if (!overlapping.empty()) {
      msg += " (overlapping:";
      for (std::size_t i = 0; i < overlapping.size() && i < 5; ++i) msg += " " + overlapping[i];
      msg += overlapping.size() > 5 ? " ...)" : ")";
    }
    return Status::Invalid(msg);
  }
  std::sort(nodes.begin(), nodes.end());
  AdvanceReservation r;
  r.name = std::move(name), r.tenant = tenant, r.site = site, r.type = type, r.from = from, r.to = to;
  for (int need = gpus; need > 0;) {
    NodeId n = nodes[r.gpus.size()].second;
    auto it = taken.find(n);
    std::uint64_t left = all_gpus(topo.node(n).gpus) & ~(it == taken.end() ? 0 : it->second);
    std::uint64_t m = lowest(left, need);
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
    r.gpus.push_back({n, all_gpus(topo.node(n).gpus)});
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

void AdvanceBook::note_used(std::size_t r, int gpus, TimeMs start, TimeMs end) {
  AdvanceReservation& res = all_[r];
  TimeMs a = std::max(start, res.from), b = std::min(end, res.to);
  if (b > a) res.used += (b - a) * gpus;
}

}  // namespace hexa
