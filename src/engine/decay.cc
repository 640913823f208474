#include "engine/decay.h"

#include <cstdint>

namespace hexa {
namespace {

constexpr std::int64_t kSteps = 1024;  // grid steps per half-life
// 2^(-1/1024) in Q30.
constexpr std::int64_t kStepFactor = 1073015252;

// The grid step that time t is in: floor(t * 1024 / half_life), for t >= 0.
// In 64 bits when the product fits (any time within 285,000 years), else in 128: the same
// quotient, without a 128-bit division for every waiting tenant in every pass.
std::int64_t step_of(TimeMs t, DurationMs half_life) {
  if (std::int64_t p; !__builtin_mul_overflow(t, kSteps, &p)) return p / half_life;
  return static_cast<std::int64_t>(static_cast<Int128>(t) * kSteps / half_life);
}

// When step k begins: the first time t with step_of(t) >= k.
TimeMs step_start(std::int64_t k, DurationMs half_life) {
  if (std::int64_t p; !__builtin_mul_overflow(k, half_life, &p) && p <= INT64_MAX - (kSteps - 1))
    return (p + kSteps - 1) / kSteps;
  return static_cast<TimeMs>((static_cast<Int128>(k) * half_life + kSteps - 1) / kSteps);
}

}  // namespace

void charge_usage(Tenant& t, TimeMs now, DurationMs half_life) {
  if (now <= t.usage_at) return;
  if (t.usage == 0 && t.running_gpus == 0) {  // nothing to add or decay (the loop below would stop at once)
    t.usage_at = now;
    return;
  }
  TimeMs at = t.usage_at;
  const std::int64_t last = step_of(now, half_life);
  for (std::int64_t k = step_of(at, half_life) + 1; k <= last; ++k) {
    if (t.usage == 0 && t.running_gpus == 0) break;  // nothing to add or decay up to now
    const TimeMs grid = step_start(k, half_life);
    t.usage += GpuMs{t.running_gpus} * (grid - at);
    t.usage = static_cast<GpuMs>((static_cast<Int128>(t.usage) * kStepFactor) >> 30);
    at = grid;
  }
  t.usage += GpuMs{t.running_gpus} * (now - at);
  t.usage_at = now;
}

// Most tenants weigh 1: a shift. Else two 64-bit divisions, (usage / w) << 32 plus
// ((usage % w) << 32) / w, exact where usage >= 0 (the remainder is below w < 2^31, so shifted it
// stays below 2^63): the 128-bit division they replace was 1.1% of the France month.
Int128 share_quotient(GpuMs usage, int weight) {
  const Int128 scaled = static_cast<Int128>(usage) << 32;
  if (weight == 1) return scaled;
  if (usage < 0) return scaled / weight;
  const auto u = static_cast<std::uint64_t>(usage), w = static_cast<std::uint64_t>(weight);
  return (static_cast<Int128>(u / w) << 32) + static_cast<Int128>(((u % w) << 32) / w);
}

}  // namespace hexa
