// The API's job object (docs/server.md, Jobs), made from the core's job and what the server
// keeps beside it. An ended job's object is made once, when it ends, and archived as is.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/core.h"

namespace hexa {

// What the server keeps of a job beyond the core: how to run it.
struct JobRun {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::int64_t memory_mb = 0, cpus = 0;  // limits applied by the agent (cgroup v2): 0 none
  std::string request_id = {};  // the submit's X-Request-Id: in its start orders ("" none)
};

// pending | running | finished | failed | cancelled | timeout | rejected
const char* job_state(const Job& j);
// Whether a state is one a job leaves no more.
bool ended_state(const std::string& state);
// "/acme/vision/": the tenant and its ancestors, root first; a subtree is a prefix.
std::string tenant_path(const Core& core, TenantId t);
// Credits the job was charged so far, the running segment included (at its hold's rate).
Micro job_credits(const Core& core, const Job& j, TimeMs now);
// How a pending job's object gets its `estimated_start_ms`: kWorkOut walks the queue if this
// pass's estimates are not there yet (a GET); kIfReady takes them only if they are, else says
// "GET the job" (a submit's answer: a walk per batch of submits would bound the submit rate).
enum class EstimateWay : std::uint8_t { kWorkOut, kIfReady };
inline constexpr const char* kEstimateOnGet = "unknown: not worked out in a submit's answer (GET the job for it)";

// The job object. `origin`: wall-clock ms of core time 0; `now`: core time. `last_alloc`: where
// a job that stopped ran last (the core forgets it), shown while it does not run.
nlohmann::json job_json(const Core& core, const Job& j, const JobRun* run, TimeMs origin, TimeMs now,
                        const Allocation* last_alloc = nullptr, EstimateWay way = EstimateWay::kWorkOut);

}  // namespace hexa
