// Price table: micro-credits per GPU-hour by (GPU type, site, priority class), with a discount
// for preemptible work. Names, not ids, so that the table reads like its configuration.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "ledger/money.h"

namespace hexa {

class Reader;
class Writer;

struct Price {
  Micro per_gpu_hour = 0;          // > 0
  int preemptible_discount_bps = 0;  // 0..9999; 3000 = 30% off for preemptible work
  bool operator==(const Price&) const = default;
};

class PriceTable {
 public:
  // Sets (or replaces) one rate. Errors: bad names, per_gpu_hour <= 0, discount outside 0..9999.
  Status set(std::string_view gpu_type, std::string_view site, int priority, Price price);

  // Micro-credits per GPU-hour for one job class. The preemptible rate is
  // ceil(rate x (10000 - discount) / 10000): rounded up, like every price here, and >= 1.
  // Error when no rate was set for exactly this (type, site, priority):
  // "price: no rate for GPU type 'H100' at site 'paris' priority 0".
  Result<Micro> rate(std::string_view gpu_type, std::string_view site, int priority, bool preemptible) const;

  // usage_cost(gpu_ms, rate(...)): what `gpu_ms` of this class costs, rounded up.
  Result<Micro> cost(std::string_view gpu_type, std::string_view site, int priority, bool preemptible,
                     GpuMs gpu_ms) const;

  std::size_t size() const { return rates_.size(); }
  bool operator==(const PriceTable&) const = default;

  // Snapshots (ledger/ledger_archive.cc).
  void save(Writer& w) const;
  bool load(Reader& r);

 private:
  using Key = std::tuple<std::string, std::string, int>;
  using KeyView = std::tuple<std::string_view, std::string_view, int>;
  // Key order, for keys and views alike: rate() looks up by views, without copying the names
  // (every job start asks).
  struct KeyLess {
    using is_transparent = void;
    static KeyView view(const auto& k) { return {std::get<0>(k), std::get<1>(k), std::get<2>(k)}; }
    bool operator()(const auto& a, const auto& b) const { return view(a) < view(b); }
  };
  std::map<Key, Price, KeyLess> rates_;  // ordered: deterministic iteration and comparison
};

}  // namespace hexa
