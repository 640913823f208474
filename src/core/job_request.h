// JobRequest: a job as people, traces and the API name things (tenant, GPU types, sites,
// providers, slice profile by name). Every host turns one into the core's JobSpec here, so that
// names to ids and masks, residency by provider and default limits are decided once
// (DESIGN.md, "The live control plane"); describe() is the way back, for the journal and the API.
#pragma once

#include <string>
#include <vector>

#include "core/core.h"

namespace hexa {

struct JobRequest {
  std::string name;
  std::string tenant;
  int gpus = 1;
  std::vector<std::string> gpu_types;  // acceptable types; empty = any
  std::vector<std::string> sites;      // allowed sites; empty = any
  std::vector<std::string> providers;  // allowed providers: their sites; empty = any
  std::vector<std::string> prefer;     // preferred among the allowed sites
  std::string slice;                   // a slice profile; empty = whole GPUs
  int priority = 0;
  bool preemptible = true;
  DurationMs time_limit = -1;          // -1: the default (JobDefaults)
  DurationMs checkpoint_every = -1;    // -1: the default
  DurationMs oracle_duration = -1;     // the simulator's true run time; -1 elsewhere
  DurationMs start_target = 0;
  bool deferrable = false;
  TimeMs deadline = kNever;
};

// What a host fills in when a request leaves it out.
struct JobDefaults {
  DurationMs time_limit = 0;        // 0 = none
  DurationMs checkpoint_every = 0;  // 0 = never
};

// The spec of a request against the core as it is now. Errors name the rule; `field` (when
// given) is set to the request's field that broke it (tenant, gpu_type, site, provider, prefer,
// slice). An unknown tenant is NotFound, anything else Invalid. The core checks the rest
// (sizes, limits) when the job is submitted.
Result<JobSpec> resolve(const JobRequest& r, const Core& core, const JobDefaults& d = {}, std::string* field = nullptr);
// The same for a host that knows r's tenant by id already (the simulator: each trace job's
// tenant is found once, at load): r.tenant is not looked up again. Looking each arrival's
// tenant up by name among 40,000 was 2% of the France month.
Result<JobSpec> resolve(const JobRequest& r, TenantId tenant, const Core& core, const JobDefaults& d = {},
                        std::string* field = nullptr);

// The request that resolves to `spec` (names for ids and masks; providers folded into sites).
JobRequest describe(const JobSpec& spec, const Core& core);

}  // namespace hexa
