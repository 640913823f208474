#include "cli/date_arg.h"

#include <ctime>
#include <optional>

namespace hexa::cli {

namespace {

struct Fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool utc = false;
};

// `n` digits of `s` at `pos`, or nullopt.
std::optional<int> number(const std::string& s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool expect(const std::string& s, std::size_t pos, const char* any_of) {
  return pos < s.size() && std::string(any_of).find(s[pos]) != std::string::npos;
}

std::optional<Fields> fields_of(std::string s) {
  Fields f;
  if (!s.empty() && s.back() == 'Z') {
    f.utc = true;
    s.pop_back();
  }
  auto y = number(s, 0, 4), mo = number(s, 5, 2), d = number(s, 8, 2);
  if (!y || !mo || !d || !expect(s, 4, "-") || !expect(s, 7, "-")) return std::nullopt;
  f.year = *y, f.month = *mo, f.day = *d;
  if (s.size() == 10) return f;
  auto h = number(s, 11, 2), mi = number(s, 14, 2);
  if (!h || !mi || !expect(s, 10, "T ") || !expect(s, 13, ":")) return std::nullopt;
  f.hour = *h, f.minute = *mi;
  if (s.size() == 16) return f;
  auto sec = number(s, 17, 2);
  if (!sec || !expect(s, 16, ":") || s.size() != 19) return std::nullopt;
  f.second = *sec;
  return f;
}

// The fields as epoch seconds, or nullopt when they name no real time (Feb 30, 25:00) or one
// before 1970.
std::optional<std::int64_t> epoch_of(const Fields& f) {
  if (f.year < 1970 || f.hour > 23) return std::nullopt;
  std::tm tm{};
  tm.tm_year = f.year - 1900;
  tm.tm_mon = f.month - 1;
  tm.tm_mday = f.day;
  tm.tm_hour = f.hour;
  tm.tm_min = f.minute;
  tm.tm_sec = f.second;
  tm.tm_isdst = -1;
  std::time_t t = f.utc ? timegm(&tm) : std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  // mktime normalises: fields that moved name a day that does not exist. (The hour may move in
  // local time: 02:30 on the night clocks go forward.)
  if (tm.tm_year != f.year - 1900 || tm.tm_mon != f.month - 1 || tm.tm_mday != f.day) return std::nullopt;
  if (tm.tm_min != f.minute || tm.tm_sec != f.second) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

}  // namespace

Result<std::int64_t> parse_datetime_ms(const std::string& flag, const std::string& text) {
  auto f = fields_of(text);
  std::optional<std::int64_t> s = f ? epoch_of(*f) : std::nullopt;
  if (!s)
    return Status::Invalid(flag + ": '" + text +
                           "' is not a date; use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (local time; "
                           "add Z for UTC)");
  return *s * 1000;
}

std::string format_local(std::int64_t ms, bool seconds) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return std::to_string(ms) + " ms";
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, seconds ? "%Y-%m-%d %H:%M:%S %Z" : "%Y-%m-%d %H:%M %Z", &tm);
  return std::string(buf, n);
}

}  // namespace hexa::cli
