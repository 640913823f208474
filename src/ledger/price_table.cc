#include "ledger/price_table.h"

#include "ledger/validate.h"

namespace hexa {

Status PriceTable::set(std::string_view gpu_type, std::string_view site, int priority, Price price) {
  if (Status s = check_name("price", "GPU type", gpu_type); !s.ok()) return s;
  if (Status s = check_name("price", "site", site); !s.ok()) return s;
  if (Status s = check_positive("price", "per_gpu_hour", price.per_gpu_hour); !s.ok()) return s;
  if (price.preemptible_discount_bps < 0 || price.preemptible_discount_bps >= kBasisPoints)
    return Status::Invalid("price: preemptible_discount_bps must be in 0..9999 (got " +
                           std::to_string(price.preemptible_discount_bps) + ")");
  rates_[Key{gpu_type, site, priority}] = price;
  return Status::Ok();
}

Result<Micro> PriceTable::rate(std::string_view gpu_type, std::string_view site, int priority, bool preemptible) const {
  auto it = rates_.find(KeyView{gpu_type, site, priority});
  if (it == rates_.end())
    return Status::Invalid("price: no rate for GPU type " + quoted(gpu_type) + " at site " + quoted(site) +
                           " priority " + std::to_string(priority));
  const Price& p = it->second;
  if (!preemptible || p.preemptible_discount_bps == 0) return p.per_gpu_hour;
  Int128 scaled = static_cast<Int128>(p.per_gpu_hour) * (kBasisPoints - p.preemptible_discount_bps);
  return static_cast<Micro>((scaled + kBasisPoints - 1) / kBasisPoints);
}

Result<Micro> PriceTable::cost(std::string_view gpu_type, std::string_view site, int priority, bool preemptible,
                               GpuMs gpu_ms) const {
  auto r = rate(gpu_type, site, priority, preemptible);
  if (!r.ok()) return r.status();
  return usage_cost(gpu_ms, *r);
}

}  // namespace hexa
