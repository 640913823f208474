#include "engine/decay.h"

#include <array>
#include <cstdint>

namespace hexa {
namespace {

constexpr int kSteps = 1024;  // resolution of the fractional part of dt / half_life
constexpr std::int64_t kOne = std::int64_t{1} << 30;

// table[i] = 2^(-i/1024) in Q30, by repeated multiplication with 2^(-1/1024) = 1073015252 / 2^30.
constexpr std::array<std::int64_t, kSteps> make_table() {
  std::array<std::int64_t, kSteps> t{};
  t[0] = kOne;
  for (int i = 1; i < kSteps; ++i) t[i] = (t[i - 1] * 1073015252 + kOne / 2) >> 30;
  return t;
}
constexpr auto kTable = make_table();

}  // namespace

GpuMs decay(GpuMs value, DurationMs dt, DurationMs half_life) {
  if (value <= 0 || dt <= 0) return value;
  DurationMs halvings = dt / half_life;
  if (halvings >= 62) return 0;
  value >>= halvings;
  auto frac = static_cast<std::size_t>((dt % half_life) * kSteps / half_life);
  return static_cast<GpuMs>((static_cast<Int128>(value) * kTable[frac]) >> 30);
}

void charge_usage(Tenant& t, TimeMs now, DurationMs half_life) {
  if (now <= t.usage_at) return;
  DurationMs dt = now - t.usage_at;
  t.usage = decay(t.usage, dt, half_life) + GpuMs{t.running_gpus} * dt;
  t.usage_at = now;
}

}  // namespace hexa
