// Dates on the command line: local time (TZ) unless Z; days that do not exist are refused.
#include "cli/date_arg.h"

#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

namespace hexa::cli {
namespace {

// Sets TZ for one test and puts the old one back.
class WithTz {
 public:
  explicit WithTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~WithTz() {
    if (old_.empty()) unsetenv("TZ");
    else setenv("TZ", old_.c_str(), 1);
    tzset();
  }

 private:
  std::string old_;
};

constexpr std::int64_t kJune15Utc = 1'749'945'600'000;  // 2025-06-15T00:00:00Z

TEST(DateArg, ParsesDatesAndTimesInUtc) {
  EXPECT_EQ(*parse_datetime_ms("--from", "2025-06-15Z"), kJune15Utc);
  EXPECT_EQ(*parse_datetime_ms("--from", "2025-06-15T08:30Z"), kJune15Utc + (8 * 60 + 30) * 60'000);
  EXPECT_EQ(*parse_datetime_ms("--from", "2025-06-15 08:30:15Z"), kJune15Utc + (8 * 3600 + 30 * 60 + 15) * 1000LL);
  EXPECT_EQ(*parse_datetime_ms("--from", "1970-01-01Z"), 0);
}

TEST(DateArg, ParsesLocalTimeByTz) {
  WithTz paris("Europe/Paris");
  EXPECT_EQ(*parse_datetime_ms("--from", "2025-06-15"), kJune15Utc - 2 * 3'600'000);  // CEST, UTC+2
  EXPECT_EQ(*parse_datetime_ms("--from", "2025-01-15T12:00"), 1'736'938'800'000);    // CET, 11:00Z
  EXPECT_EQ(format_local(kJune15Utc), "2025-06-15 02:00:00 CEST");
  WithTz utc("UTC");
  EXPECT_EQ(*parse_datetime_ms("--from", "2025-06-15"), kJune15Utc);
  EXPECT_EQ(format_local(kJune15Utc + 1500), "2025-06-15 00:00:01 UTC");
}

TEST(DateArg, RefusesWhatIsNotADate) {
  for (const std::string text : {"", "yesterday", "2025-6-15", "2025-06-15T8:30", "2025-02-30", "2025-13-01",
                                 "2025-06-15T24:00", "2025-06-15T12:60", "2025-06-15T12:00:60", "2025/06/15",
                                 "2025-06-15T", "2025-06-15T12:00:00.5", "1969-12-31", "2025-06-15ZZ", "2025-00-10"}) {
    auto r = parse_datetime_ms("--expires", text);
    ASSERT_FALSE(r.ok()) << "'" << text << "' was accepted";
    EXPECT_EQ(r.status().message(), "--expires: '" + text +
                                        "' is not a date; use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS "
                                        "(local time; add Z for UTC)");
  }
}

}  // namespace
}  // namespace hexa::cli
