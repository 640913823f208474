// What the ledger knows of one tenant: its accounts, its live grants, its open holds in sum,
// and its budget.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/budget.h"
#include "ledger/transfer.h"

namespace hexa {

struct TenantFunds {
  std::string name;
  AccountId cash = 0;                // "cash:<name>", floor -overdraft
  Micro overdraft = 0;               // >= 0
  Micro opened_overdraft = 0;        // as add_tenant() gave it: what a replay of it is compared with
  std::vector<std::uint32_t> grants; // grants not yet swept, in spending order (spend_before)
  Micro paid = 0;                    // usage posted less refunds: the most a refund may give back
  Micro held = 0;                    // sum of open holds' left()
  GpuMs held_gpu_ms = 0;             // sum of open holds' gpu_ms_left()
  std::optional<Budget> budget;
  BudgetUse use;                     // spending in the budget's current period
  bool operator==(const TenantFunds&) const = default;
};

}  // namespace hexa
