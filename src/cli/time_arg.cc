#include "cli/time_arg.h"

#include <optional>
#include <vector>

#include <fmt/format.h>

namespace hexa::cli {

namespace {

constexpr std::int64_t kMaxSeconds = 100LL * 365 * 86400;  // a century: beyond any time limit

// A run of 1..9 decimal digits, nothing else.
std::optional<std::int64_t> digits(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts(1);
  for (char c : s) {
    if (c == sep) parts.emplace_back();
    else parts.back() += c;
  }
  return parts;
}

// `N` with an optional unit s, m, h, d; no unit: minutes.
std::optional<std::int64_t> with_unit(const std::string& s) {
  if (s.empty()) return std::nullopt;
  static const std::string kUnits = "smhd";
  static const std::int64_t kScale[] = {1, 60, 3600, 86400};
  std::size_t unit = kUnits.find(s.back());
  auto n = digits(unit == std::string::npos ? s : s.substr(0, s.size() - 1));
  if (!n) return std::nullopt;
  return *n * (unit == std::string::npos ? 60 : kScale[unit]);
}

// `MM:SS` or `H:MM:SS` (after a `D-`: `HH`, `HH:MM`, `HH:MM:SS`); fields after the first < 60.
std::optional<std::int64_t> clock(const std::string& s, bool after_days) {
  std::vector<std::string> f = split(s, ':');
  std::vector<std::int64_t> v;
  for (const std::string& part : f) {
    auto n = digits(part);
    if (!n) return std::nullopt;
    v.push_back(*n);
  }
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] >= 60) return std::nullopt;
  if (after_days) {
    if (v.size() > 3 || v[0] >= 24) return std::nullopt;
    std::int64_t s3[3] = {0, 0, 0};
    for (std::size_t i = 0; i < v.size(); ++i) s3[i] = v[i];
    return s3[0] * 3600 + s3[1] * 60 + s3[2];
  }
  if (v.size() == 2) return v[0] * 60 + v[1];
  if (v.size() == 3) return v[0] * 3600 + v[1] * 60 + v[2];
  return std::nullopt;
}

std::optional<std::int64_t> seconds_of(const std::string& text) {
  std::size_t dash = text.find('-');
  if (dash != std::string::npos) {
    auto days = digits(text.substr(0, dash));
    auto rest = clock(text.substr(dash + 1), true);
    if (!days || !rest) return std::nullopt;
    return *days * 86400 + *rest;
  }
  if (text.find(':') != std::string::npos) return clock(text, false);
  return with_unit(text);
}

}  // namespace

Result<std::int64_t> parse_duration_s(const std::string& flag, const std::string& text) {
  auto s = seconds_of(text);
  if (!s)
    return Status::Invalid(flag + ": '" + text +
                           "' is not a duration; use minutes (90), 30s, 45m, 2h, 1d, MM:SS, H:MM:SS (1:30:00) "
                           "or D-HH:MM:SS (2-12:00:00)");
  if (*s <= 0) return Status::Invalid(flag + ": '" + text + "' must be longer than 0");
  if (*s > kMaxSeconds) return Status::Invalid(flag + ": '" + text + "' is longer than 100 years");
  return *s;
}

std::string format_elapsed(std::int64_t ms) {
  std::int64_t s = ms > 0 ? ms / 1000 : 0;
  std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  if (d > 0) return fmt::format("{}-{:02}:{:02}:{:02}", d, h, m, sec);
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, sec);
  return fmt::format("{}:{:02}", m, sec);
}

}  // namespace hexa::cli
