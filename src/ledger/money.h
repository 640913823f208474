// Money and its arithmetic: integer micro-credits, overflow-checked, rounded one documented way.
// No floating point (DESIGN.md, rule 4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/status.h"
#include "model/units.h"

namespace hexa {

using Micro = std::int64_t;  // micro-credits: 1 credit = 1,000,000 micro-credits

constexpr Micro kMicroPerCredit = 1'000'000;
constexpr std::int64_t kMsPerHour = 3'600'000;
constexpr int kBasisPoints = 10'000;  // 100%

// a + b, a - b, a * b; nullopt when the result does not fit in int64.
std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b);

// a + b clamped to [INT64_MIN, INT64_MAX], for counters that are only compared with limits.
std::int64_t saturating_add(std::int64_t a, std::int64_t b);

// Cost of `gpu_ms` GPU-milliseconds at `rate` micro-credits per GPU-hour:
// ceil(gpu_ms x rate / 3,600,000), rounded UP to the micro-credit, so that metered usage is
// never under-charged and a hold sized with the same function always covers the usage.
// The product is exact (128 bits). Errors: a negative input, a result beyond int64.
Result<Micro> usage_cost(GpuMs gpu_ms, Micro rate);

// GPUs x ms, overflow-checked. Errors: negative input, product beyond int64.
Result<GpuMs> gpu_time(std::int64_t gpus, DurationMs ms);

// Exact decimal credits with 6 decimals: 12500000 -> "12.500000", -1 -> "-0.000001".
std::string format_credits(Micro m);
// The same with trailing zeros trimmed, for messages: 12500000 -> "12.5", 100000000 -> "100".
std::string format_credits_short(Micro m);
// GPU-ms as GPU-hours with 3 decimals, rounded half up: 5400000 -> "1.500", 1800 -> "0.001".
std::string format_gpu_hours(GpuMs g);

}  // namespace hexa
