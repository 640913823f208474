// The orders a node's agent gets from its long poll (docs/server.md, Agents), read from JSON,
// and the environment a start order gives its job.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/discovered_gpus.h"
#include "model/units.h"

namespace hexa {

// One run of a job on this node: a job runs again (after a preemption, a lost node) as a new
// segment, so its exit and output are the segment's.
struct JobKey {
  std::int64_t job = 0;
  std::int64_t segment = 0;
  auto operator<=>(const JobKey&) const = default;
  std::string text() const;  // "7-1": the supervisor's key and the work dir's name
};

// A slice job's share of its one GPU: the profile and the memory slots it holds there.
struct SliceOrder {
  std::string profile;  // "1g.10gb"
  unsigned slots = 0;   // bit i = memory slot i (model/slice_profile.h)
  std::string uuid;     // the MIG device the server knows at those slots ("": none known)
};

// The GPUs a job holds on this node: whole ones, or with `slots`, memory slots of its one GPU
// (a slice).
struct GpuHold {
  std::vector<int> gpus;
  unsigned slots = 0;
  bool overlaps(const GpuHold& other) const;
};

struct StartOrder {
  JobKey key;
  std::int64_t restarts = 0;
  std::string name, tenant;  // for the agent's messages only
  std::vector<std::string> command;
  std::map<std::string, std::string> env;
  std::vector<int> gpus;
  std::int64_t rank = 0;
  std::vector<std::string> nodes;
  std::optional<SliceOrder> slice;  // a slice job (its gpus: one)
  std::int64_t memory_mb = 0;  // limits (cgroup v2, where the agent may): 0 none
  std::int64_t cpus = 0;
  std::string master_addr;  // rank 0's node, and the port the ranks meet on there
  std::int64_t master_port = 0;
  std::string error;  // why it cannot run as given: it is reported as exit 127
  std::string request_id = {};  // the X-Request-Id of the submit (for the log; "" none)
};

struct StopOrder {
  JobKey key;
  std::optional<DurationMs> grace_ms;  // none: the agent's default
  std::string request_id = {};         // the X-Request-Id of the request that caused it ("" none)
};

using Order = std::variant<StartOrder, StopOrder>;

struct ParsedOrders {
  std::vector<Order> orders;
  std::vector<std::string> skipped;  // why each order that cannot be read at all was skipped
};

// The orders of a `GET /v1/agent/orders` answer. An order without a readable kind, job and
// segment is skipped (it cannot be answered); a start order with bad fields is kept with its
// error (its job ends with 127 and the server hears of it).
ParsedOrders parse_orders(const nlohmann::json& answer);

GpuHold hold_of(const StartOrder& o);

// What a start order adds to the agent's environment: its env, then CUDA_VISIBLE_DEVICES and
// the HEXA_* variables (which win over the env's). No nodes in the order: a one-node job.
// CUDA_VISIBLE_DEVICES of a slice job: the UUID of this node's MIG device (`mig`, from
// discovery) on its GPU at its slots; else the order's uuid; else (a node declared by hand)
// the GPU's index. HEXA_MASTER_ADDR and HEXA_MASTER_PORT (torchrun's and MPI launchers'
// rendezvous) when the order has them.
std::map<std::string, std::string> job_environment(const StartOrder& o, const std::string& this_node,
                                                   const std::vector<MigDevice>& mig = {});

}  // namespace hexa
