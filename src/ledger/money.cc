#include "ledger/money.h"

#include <limits>

namespace hexa {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

bool fits(Int128 v) { return v >= kMin && v <= kMax; }

// |m| as an unsigned value: -INT64_MIN does not fit in int64.
std::uint64_t magnitude(std::int64_t m) {
  return m < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(m) : static_cast<std::uint64_t>(m);
}

std::string pad_left(std::string s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), '0') + s;
}

}  // namespace

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  if (auto r = checked_add(a, b)) return *r;
  return b > 0 ? kMax : kMin;
}

Result<Micro> usage_cost(GpuMs gpu_ms, Micro rate) {
  if (gpu_ms < 0) return Status::Invalid("cost: gpu_ms must be >= 0 (got " + std::to_string(gpu_ms) + ")");
  if (rate < 0) return Status::Invalid("cost: rate must be >= 0 (got " + std::to_string(rate) + ")");
  Int128 product = static_cast<Int128>(gpu_ms) * rate;
  Int128 cost = (product + (kMsPerHour - 1)) / kMsPerHour;  // ceiling: both operands >= 0
  if (!fits(cost)) return Status::Invalid("cost: " + std::to_string(gpu_ms) + " GPU-ms at rate " +
                                          std::to_string(rate) + " overflows int64 micro-credits");
  return static_cast<Micro>(cost);
}

Result<GpuMs> gpu_time(std::int64_t gpus, DurationMs ms) {
  if (gpus < 0 || ms < 0) return Status::Invalid("gpu time: gpus and ms must be >= 0");
  auto r = checked_mul(gpus, ms);
  if (!r) return Status::Invalid("gpu time: " + std::to_string(gpus) + " GPUs x " + std::to_string(ms) + " ms overflows int64");
  return *r;
}

std::string format_credits(Micro m) {
  std::uint64_t mag = magnitude(m);
  std::string whole = std::to_string(mag / kMicroPerCredit);
  std::string frac = pad_left(std::to_string(mag % kMicroPerCredit), 6);
  return (m < 0 ? "-" : "") + whole + "." + frac;
}

std::string format_credits_short(Micro m) {
  std::string s = format_credits(m);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string format_gpu_hours(GpuMs g) {
  // thousandths of a GPU-hour = 3,600 GPU-ms each; half up on the magnitude.
  std::uint64_t mag = magnitude(g);
  std::uint64_t milli = (mag + 1800) / 3600;
  std::string s = std::to_string(milli / 1000) + "." + pad_left(std::to_string(milli % 1000), 3);
  return (g < 0 && milli > 0 ? "-" : "") + s;
}

}  // namespace hexa
