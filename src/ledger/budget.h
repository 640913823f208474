// Budgets: how much a tenant may spend per period, in credits and/or GPU-ms. Soft budgets raise
// alerts when spending crosses thresholds (once per threshold per period); hard budgets also
// refuse new starts that would exceed them. Clock-free: periods are fixed lengths of ms counted
// from an origin, both parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/money.h"

namespace hexa {

struct Budget {
  DurationMs period = 30 * kDay;  // > 0; 30 days stands for a month
  TimeMs origin = 0;              // period 0 is [origin, origin + period)
  std::optional<Micro> credits;   // limit per period, micro-credits; at least one limit is set
  std::optional<GpuMs> gpu_ms;    // limit per period, GPU-ms
  bool hard = false;              // refuse new starts that would exceed a limit
  std::vector<int> alert_bps = {8000, 10000};  // strictly increasing, 1..1,000,000, at most 32
  bool operator==(const Budget&) const = default;
};

// Errors: period <= 0, no limit, a limit <= 0, bad thresholds. `what` names the tenant.
Status check_budget(std::string_view what, const Budget& b);

// Index of the period holding `t` (floor division: times before the origin are negative periods).
std::int64_t period_of(const Budget& b, TimeMs t);

enum class BudgetMeasure : std::uint8_t { kCredits, kGpuMs };
const char* measure_name(BudgetMeasure m);  // "credits", "gpu_ms"

// Spending of one tenant in one period: usage posted, less refunds (never below 0).
struct BudgetUse {
  std::int64_t period = 0;
  Micro credits = 0;
  GpuMs gpu_ms = 0;
  std::uint32_t fired_credits = 0;  // bit i: alert_bps[i] already raised this period
  std::uint32_t fired_gpu = 0;
  bool operator==(const BudgetUse&) const = default;
};

struct BudgetAlert {
  std::string tenant;
  std::int64_t period = 0;
  TimeMs at = 0;
  BudgetMeasure measure = BudgetMeasure::kCredits;
  int threshold_bps = 0;
  std::int64_t used = 0;   // spending when it fired
  std::int64_t limit = 0;
  bool operator==(const BudgetAlert&) const = default;
};

// `use` as it stands at `now`: a fresh one when `now` is in a later period.
BudgetUse rolled(const BudgetUse& use, const Budget& b, TimeMs now);

// Adds spending (a post) or takes it back (a refund: clamped at 0, and thresholds already
// raised stay raised: each alert is raised once per period).
void add_use(BudgetUse& use, Micro credits, GpuMs gpu_ms);
void sub_use(BudgetUse& use, Micro credits, GpuMs gpu_ms);

// Appends an alert for each threshold `use` has reached and not yet raised, and marks it.
void raise_alerts(BudgetUse& use, const Budget& b, std::string_view tenant, TimeMs now,
                  std::vector<BudgetAlert>* out);

// For a hard budget: error when spending + open holds + the new start would exceed a limit:
// "budget: tenant 'x' budget of 100 credits per period would be exceeded (period 3: spent 80,
// held 10, asked 20)". OK for soft budgets.
Status check_hard(const Budget& b, const BudgetUse& use, std::string_view tenant, Micro held, GpuMs held_gpu_ms,
                  Micro amount, GpuMs gpu_ms);

}  // namespace hexa
