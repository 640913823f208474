#include "ledger/budget.h"

#include <limits>

#include "ledger/validate.h"

namespace hexa {
namespace {

constexpr int kMaxThresholds = 32;  // one bit each in BudgetUse::fired_*

// used x 10000 >= limit x bps, exactly.
bool reached(std::int64_t used, std::int64_t limit, int bps) {
  return static_cast<Int128>(used) * kBasisPoints >= static_cast<Int128>(limit) * bps;
}

void raise(BudgetMeasure m, std::int64_t used, std::int64_t limit, std::uint32_t& fired, const Budget& b,
           const BudgetUse& use, std::string_view tenant, TimeMs now, std::vector<BudgetAlert>* out) {
  for (std::size_t i = 0; i < b.alert_bps.size(); ++i) {
    std::uint32_t bit = std::uint32_t{1} << i;
    if ((fired & bit) || !reached(used, limit, b.alert_bps[i])) continue;
    fired |= bit;
    out->push_back(BudgetAlert{std::string(tenant), use.period, now, m, b.alert_bps[i], used, limit});
  }
}

}  // namespace

const char* measure_name(BudgetMeasure m) { return m == BudgetMeasure::kCredits ? "credits" : "gpu_ms"; }

Status check_budget(std::string_view what, const Budget& b) {
  std::string head = std::string(what) + ": budget ";
  if (b.period <= 0) return Status::Invalid(head + "period must be > 0 ms (got " + std::to_string(b.period) + ")");
  if (!b.credits && !b.gpu_ms) return Status::Invalid(head + "must set a credits or gpu_ms limit");
  if (b.credits && *b.credits <= 0) return Status::Invalid(head + "credits must be > 0 (got " + std::to_string(*b.credits) + ")");
  if (b.gpu_ms && *b.gpu_ms <= 0) return Status::Invalid(head + "gpu_ms must be > 0 (got " + std::to_string(*b.gpu_ms) + ")");
  if (b.alert_bps.size() > kMaxThresholds)
    return Status::Invalid(head + "alert_bps must have at most 32 thresholds (got " + std::to_string(b.alert_bps.size()) + ")");
  for (std::size_t i = 0; i < b.alert_bps.size(); ++i) {
    int v = b.alert_bps[i];
    if (v < 1 || v > 100 * kBasisPoints)
      return Status::Invalid(head + "alert_bps must be in 1..1000000 (got " + std::to_string(v) + ")");
    if (i > 0 && v <= b.alert_bps[i - 1]) return Status::Invalid(head + "alert_bps must be strictly increasing");
  }
  return Status::Ok();
}

std::int64_t period_of(const Budget& b, TimeMs t) {
  Int128 d = static_cast<Int128>(t) - b.origin;
  Int128 q = d / b.period;
  if (d % b.period < 0) --q;  // floor, not truncation
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  return q > kMax ? kMax : q < kMin ? kMin : static_cast<std::int64_t>(q);  // only with a 1-ms period
}

BudgetUse rolled(const BudgetUse& use, const Budget& b, TimeMs now) {
  std::int64_t p = period_of(b, now);
  if (p == use.period) return use;
  BudgetUse fresh;
  fresh.period = p;
  return fresh;
}

void add_use(BudgetUse& use, Micro credits, GpuMs gpu_ms) {
  use.credits = saturating_add(use.credits, credits);
  use.gpu_ms = saturating_add(use.gpu_ms, gpu_ms);
}

void sub_use(BudgetUse& use, Micro credits, GpuMs gpu_ms) {
  use.credits = credits >= use.credits ? 0 : use.credits - credits;
  use.gpu_ms = gpu_ms >= use.gpu_ms ? 0 : use.gpu_ms - gpu_ms;
}

void raise_alerts(BudgetUse& use, const Budget& b, std::string_view tenant, TimeMs now,
                  std::vector<BudgetAlert>* out) {
  if (b.credits) raise(BudgetMeasure::kCredits, use.credits, *b.credits, use.fired_credits, b, use, tenant, now, out);
  if (b.gpu_ms) raise(BudgetMeasure::kGpuMs, use.gpu_ms, *b.gpu_ms, use.fired_gpu, b, use, tenant, now, out);
}

Status check_hard(const Budget& b, const BudgetUse& use, std::string_view tenant, Micro held, GpuMs held_gpu_ms,
                  Micro amount, GpuMs gpu_ms) {
  if (!b.hard) return Status::Ok();
  std::string head = "budget: tenant " + quoted(tenant) + " budget of ";
  std::string period = " per period would be exceeded (period " + std::to_string(use.period) + ": spent ";
  if (b.credits && static_cast<Int128>(use.credits) + held + amount > *b.credits)
    return Status::Invalid(head + format_credits_short(*b.credits) + " credits" + period +
                           format_credits_short(use.credits) + ", held " + format_credits_short(held) + ", asked " +
                           format_credits_short(amount) + ")");
  if (b.gpu_ms && static_cast<Int128>(use.gpu_ms) + held_gpu_ms + gpu_ms > *b.gpu_ms)
    return Status::Invalid(head + format_gpu_hours(*b.gpu_ms) + " GPU-hours" + period + format_gpu_hours(use.gpu_ms) +
                           ", held " + format_gpu_hours(held_gpu_ms) + ", asked " + format_gpu_hours(gpu_ms) + ")");
  return Status::Ok();
}

}  // namespace hexa
