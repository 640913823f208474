// Units of the house: integer milliseconds for time, whole GPUs for gang sizes.
// No floating point in state (DESIGN.md, rule 4).
#pragma once

#include <cstdint>
#include <limits>

namespace hexa {

using TimeMs = std::int64_t;      // instant on the host's clock, ms
using DurationMs = std::int64_t;  // length of time, ms
using GpuMs = std::int64_t;       // GPUs x ms: attained service, work

// For products of two int64 quantities (usage x weight) that must not overflow.
__extension__ using Int128 = __int128;

constexpr TimeMs kNever = std::numeric_limits<TimeMs>::max();
constexpr DurationMs kSecond = 1000;
constexpr DurationMs kMinute = 60 * kSecond;
constexpr DurationMs kHour = 60 * kMinute;
constexpr DurationMs kDay = 24 * kHour;

// At most this many GPUs in one node: a node's free GPUs are one 64-bit mask.
constexpr int kMaxGpusPerNode = 64;
// GPU types and sites are sets in a job's constraints: one 64-bit mask each.
constexpr int kMaxGpuTypes = 64;
constexpr int kMaxSites = 64;

}  // namespace hexa
