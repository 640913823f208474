// Credits on the command line and on screen. 1 credit = 1,000,000 micro-credits; the
// conversion is exact, in integers (never through a double).
#pragma once

#include <cstdint>
#include <string>

#include "model/status.h"

namespace hexa::cli {

// "12.5" -> 12'500'000. Digits, then at most 6 decimals after a dot; more than 0, under
// 10^12 credits. Errors: one line naming `flag` and the rule.
Result<std::int64_t> parse_credits_micro(const std::string& flag, const std::string& text);

// Micro-credits as credits with 2 decimals, rounded half away from zero: 12'345'678 -> "12.35".
std::string format_credits(std::int64_t micro);

}  // namespace hexa::cli
