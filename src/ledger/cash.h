// Requests that move money into a tenant's own cash account ("cash:<tenant>"): paid top-ups
// and refunds. Cash never expires; its floor is minus the tenant's overdraft limit.
#pragma once

#include <string>

#include "ledger/transfer.h"

namespace hexa {

// Paid credits: from the `payments` account (money from outside) to the tenant's cash.
struct TopUpRequest {
  std::string id;  // unique among top-ups
  std::string tenant;
  Micro amount = 0;  // > 0
  std::string note;  // free text: invoice number, ...
  bool operator==(const TopUpRequest&) const = default;
};

// Money given back for work lost (preemption since the last checkpoint, an infrastructure
// failure): from `revenue` to the tenant's cash. At most what the tenant has paid, net of
// earlier refunds.
struct RefundRequest {
  std::string id;      // unique among refunds
  std::string tenant;
  Micro amount = 0;    // > 0
  std::string reason;  // non-empty: "preempted", "node failure", ...
  std::string job;     // the job it is about, if any
  GpuMs gpu_ms = 0;    // >= 0: the GPU time lost; given back to a GPU-hour budget
  bool operator==(const RefundRequest&) const = default;
};

}  // namespace hexa
