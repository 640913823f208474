#include "cli/credits_arg.h"

#include <fmt/format.h>

namespace hexa::cli {

namespace {

constexpr std::size_t kMaxWholeDigits = 12;  // 10^12 credits = 10^18 micro: fits in int64
constexpr std::size_t kMaxDecimals = 6;

bool all_digits(const std::string& s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

}  // namespace

Result<std::int64_t> parse_credits_micro(const std::string& flag, const std::string& text) {
  std::size_t dot = text.find('.');
  std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string::npos && !all_digits(frac)))
    return Status::Invalid(flag + ": '" + text + "' is not an amount of credits (digits, an optional dot and decimals: 12.5)");
  if (frac.size() > kMaxDecimals)
    return Status::Invalid(flag + ": '" + text + "' has more than 6 decimals (the smallest amount is 0.000001 credit)");
  std::size_t lead = whole.find_first_not_of('0');
  if (lead != std::string::npos && whole.size() - lead > kMaxWholeDigits)
    return Status::Invalid(flag + ": '" + text + "' is too large (it must be under 10^12 credits)");
  std::int64_t micro = 0;
  for (char c : whole) micro = micro * 10 + (c - '0');
  frac.resize(kMaxDecimals, '0');
  for (char c : frac) micro = micro * 10 + (c - '0');
  if (micro <= 0) return Status::Invalid(flag + ": '" + text + "' must be more than 0");
  return micro;
}

std::string format_credits(std::int64_t micro) {
  bool negative = micro < 0;
  // In unsigned arithmetic: -INT64_MIN does not fit in an int64.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(micro) : static_cast<std::uint64_t>(micro);
  std::uint64_t cents = (magnitude + 5'000) / 10'000;
  if (cents == 0) negative = false;  // no "-0.00"
  return fmt::format("{}{}.{:02}", negative ? "-" : "", cents / 100, cents % 100);
}

}  // namespace hexa::cli
