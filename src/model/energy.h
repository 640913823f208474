// Power, energy and carbon of GPUs at a site: the one formula the simulator's report
// (sim/report_series.cc) and the live console's overview (server/routes_overview.cc) share.
// Floating point: these feed reports, never state or money.
#pragma once

#include <bit>

#include "model/job.h"
#include "model/slice_profile.h"
#include "model/topology.h"

namespace hexa {

constexpr double kWattMsPerKwh = 3.6e9;  // 1 kWh = 1000 W x 3,600,000 ms

// What a job holds, in sevenths of a GPU: a slice counts as its share of the GPU's compute.
inline int sevenths_of(const Topology& topo, const JobSpec& spec) {
  return spec.slice ? topo.slice_profile(spec.slice).compute : spec.gpus * kSliceCompute;
}

// What one holding on one node is, in sevenths of a GPU.
inline int sevenths_of(const Topology& topo, const NodeGpus& g) {
  return g.slots && g.slice ? topo.slice_profile(g.slice).compute : std::popcount(g.mask) * kSliceCompute;
}

// Energy at the wall (the site's PUE included), in kWh, of GPUs that drew `watt_ms`.
inline double wall_kwh(double watt_ms, int pue_milli) { return watt_ms * pue_milli / 1000.0 / kWattMsPerKwh; }

// Power at the wall (PUE included), in kW, of GPUs drawing `watts` now.
inline double wall_kw(double watts, int pue_milli) { return wall_kwh(watts * static_cast<double>(kHour), pue_milli); }

// kg CO2e of `kwh` at a grid intensity in gCO2e/kWh (of kW: kg CO2e per hour).
inline double carbon_kg(double kwh, int g_per_kwh) { return kwh * g_per_kwh / 1000.0; }

}  // namespace hexa
