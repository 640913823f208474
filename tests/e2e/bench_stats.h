// What the live benchmarks share: knobs from the environment and percentiles of samples.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace hexa::testing {

inline double env_num(const char* name, double dflt) {
  const char* v = std::getenv(name);
  return v ? std::atof(v) : dflt;
}

// The p-quantile (0..1) of the samples, by rank; 0 for none.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace hexa::testing
