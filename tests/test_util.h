// Small builders shared by the tests.
#pragma once

#include <cstdint>
#include <string>

#include "sim/cluster_config.h"
#include "sim/simulator.h"

namespace hexa::testing {

// A tiny seeded generator for property tests: the same draws for a seed on every platform.
// next(n) is uniform enough in [0, n) for test workloads.
struct XorShift {
  std::uint64_t x;
  long operator()(std::uint64_t n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return static_cast<long>(x % n);
  }
};

// A trace job with times in seconds.
inline TraceJob job(std::string id, long submit_s, int gpus, long duration_s, std::string tenant = "t") {
  TraceJob j;
  j.id = std::move(id);
  j.tenant = std::move(tenant);
  j.submit = submit_s * kSecond;
  j.gpus = gpus;
  j.duration = duration_s * kSecond;
  return j;
}

// One site, nodes of `gpus` GPUs in blocks of `per_block` nodes.
inline Topology cluster(int blocks, int per_block, int gpus, int sites = 1) {
  Topology t;
  for (int s = 0; s < sites; ++s) {
    SiteId site = *t.add_site("s" + std::to_string(s));
    for (int b = 0; b < blocks; ++b) {
      BlockId block = *t.add_block(site, "s" + std::to_string(s) + "b" + std::to_string(b), "gpu");
      for (int n = 0; n < per_block; ++n)
        (void)t.add_node(block, "s" + std::to_string(s) + "b" + std::to_string(b) + "n" + std::to_string(n), gpus);
    }
  }
  return t;
}

struct Outcome {
  SimResult result;
  const JobRecord& rec(const std::string& id) const {
    for (const JobRecord& r : result.jobs)
      if (r.id == id) return r;
    throw std::runtime_error("no job " + id);
  }
  double start_s(const std::string& id) const { return static_cast<double>(rec(id).first_start) / 1000.0; }
  double end_s(const std::string& id) const { return static_cast<double>(rec(id).end) / 1000.0; }
};

inline Outcome run(const Topology& topo, std::vector<TraceJob> jobs, SimOptions opt) {
  Trace t;
  t.jobs = std::move(jobs);
  auto r = simulate(topo, t, opt);
  if (!r.ok()) throw std::runtime_error(r.status().message());
  return Outcome{std::move(r).value()};
}

inline SimOptions options(const std::string& policy, const std::string& placement = "topology") {
  SimOptions o;
  o.sched.policy = policy;
  o.sched.placement = placement;
  return o;
}

}  // namespace hexa::testing
