// The power the busy GPUs of each site draw now, at the wall (the topology's per-type watts
// times the site's PUE), and the carbon rate that makes at the grid intensity of the current
// UTC hour: the console's "power and carbon now". The formula is model/energy.h's, the one the
// simulator's report uses.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/core.h"

namespace hexa {

struct SitePower {
  std::optional<double> kw;           // nullopt: a GPU type of the site has no watts configured
  std::optional<double> kg_per_h;     // nullopt: power unknown, or no carbon intensity configured
  int g_per_kwh = 0;                  // the grid's intensity this hour
  std::string note;                   // why unknown, in words; "" when known
};

// By SiteId. `wall_ms` (Unix ms) picks the hour of the day, UTC.
std::vector<SitePower> site_power(const Core& core, TimeMs wall_ms);

// {"kw", "carbon_kg_per_h", "carbon_g_per_kwh", "note"} of one site; the same of all of them
// (null where any site's is unknown) with "hour_utc".
nlohmann::json site_power_json(const SitePower& p);
nlohmann::json total_power_json(const std::vector<SitePower>& sites, TimeMs wall_ms);

}  // namespace hexa
