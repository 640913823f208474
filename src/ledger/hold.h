// Holds: money set aside at a job's admission, in an account of its own ("hold:<id>", floor 0).
// Usage is posted from it to revenue; the rest goes back at release. A hold remembers where
// each part of its money came from (draws), so that the rest goes back where it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/transfer.h"

namespace hexa {

struct HoldRequest {
  std::string id;      // unique among holds; e.g. the job's name
  std::string tenant;
  Micro amount = 0;    // > 0: e.g. usage_cost(gpus x time limit, rate)
  GpuMs gpu_ms = 0;    // >= 0: the GPU time it covers, for GPU-hour budgets
  std::string job;     // for statements: job name, GPU type, site, rate (micro-credits per GPU-hour)
  std::string gpu_type;
  std::string site;
  Micro rate = 0;      // >= 0; meter() needs it > 0
  bool operator==(const HoldRequest&) const = default;
};

// Usage to post from a hold to revenue.
struct PostRequest {
  std::string id;    // unique among posts; e.g. "<job>/<minute>"
  std::string hold;
  Micro amount = 0;  // > 0, <= what is left of the hold
  GpuMs gpu_ms = 0;  // >= 0: the GPU time it pays for, for statements and GPU-hour budgets
  bool operator==(const PostRequest&) const = default;
};

// One part of a hold's money and where it came from.
struct Draw {
  AccountId source = 0;                // a grant's account or the tenant's cash
  std::optional<std::uint32_t> grant;  // index of the grant, when from one
  Micro amount = 0;
  Micro used = 0;                      // posted as usage
  bool operator==(const Draw&) const = default;
};

struct Hold {
  HoldRequest req;
  std::uint32_t tenant = 0;
  AccountId account = 0;
  Micro posted = 0;          // usage posted so far, <= req.amount
  GpuMs gpu_ms_posted = 0;   // GPU-ms those posts covered
  GpuMs metered_gpu_ms = 0;  // the last cumulative total meter() was given
  GpuMs billed_gpu_ms = 0;   // metered_gpu_ms at meter()'s last transfer
  bool released = false;
  std::vector<Draw> draws;   // in spending order: earliest-expiry grants, then cash
  bool operator==(const Hold&) const = default;

  Micro left() const { return released ? 0 : req.amount - posted; }
  // GPU-ms still covered by the hold: what a GPU-hour budget counts as committed.
  GpuMs gpu_ms_left() const { return released || gpu_ms_posted >= req.gpu_ms ? 0 : req.gpu_ms - gpu_ms_posted; }
};

// Attributes a post of `amount` to the draws, in order: usage spends the earliest-expiring
// money first, so what goes back at release is the latest-expiring. REQUIRES: amount <= unused.
void consume(std::vector<Draw>& draws, Micro amount);

}  // namespace hexa
