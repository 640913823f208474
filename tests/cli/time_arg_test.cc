// --time and --checkpoint-every: Slurm's forms, and one line naming the flag and the forms for
// anything else.
#include "cli/time_arg.h"

#include <gtest/gtest.h>

namespace hexa::cli {
namespace {

TEST(TimeArg, AcceptsSlurmForms) {
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"90", 90 * 60},          {"1", 60},
      {"30s", 30},              {"45m", 45 * 60},
      {"2h", 2 * 3600},         {"1d", 86400},
      {"10:30", 10 * 60 + 30},  {"1:30:00", 5400},
      {"0:00:01", 1},           {"100:00:00", 360000},
      {"2-12", 2 * 86400 + 12 * 3600}, {"2-12:30", 2 * 86400 + 12 * 3600 + 30 * 60},
      {"2-12:00:00", 2 * 86400 + 12 * 3600}, {"0-00:00:05", 5},
      {"007", 7 * 60},
  };
  for (const auto& [text, seconds] : cases) {
    auto r = parse_duration_s("--time", text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_EQ(*r, seconds) << text;
  }
}

TEST(TimeArg, RefusesOtherFormsNamingTheFlagAndTheForms) {
  for (const std::string text : {"", "2x", "h", "1.5h", "-5", "+5", "1:60", "1:2:3:4", "1:60:00", "2-24:00:00",
                                 "2-", "-2:00", "1 h", "2h30m", "1-2-3", "1e3", "1::2", "1234567890"}) {
    auto r = parse_duration_s("--time", text);
    ASSERT_FALSE(r.ok()) << "'" << text << "' was accepted";
    const std::string m = r.status().message();
    EXPECT_EQ(m.rfind("--time: '" + text + "'", 0), 0u) << m;
    EXPECT_NE(m.find("90"), std::string::npos) << m;
    EXPECT_NE(m.find("2-12:00:00"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(TimeArg, RefusesZeroAndCenturies) {
  EXPECT_EQ(parse_duration_s("--checkpoint-every", "0").status().message(),
            "--checkpoint-every: '0' must be longer than 0");
  EXPECT_FALSE(parse_duration_s("--time", "0:00").ok());
  EXPECT_FALSE(parse_duration_s("--time", "36600d").ok());
  EXPECT_TRUE(parse_duration_s("--time", "36500d").ok());
}

TEST(TimeArg, FormatsElapsedTimeAsSlurmDoes) {
  EXPECT_EQ(format_elapsed(0), "0:00");
  EXPECT_EQ(format_elapsed(-5000), "0:00");
  EXPECT_EQ(format_elapsed(59'999), "0:59");
  EXPECT_EQ(format_elapsed(61'000), "1:01");
  EXPECT_EQ(format_elapsed(3'600'000), "1:00:00");
  EXPECT_EQ(format_elapsed(86'399'000), "23:59:59");
  EXPECT_EQ(format_elapsed(2 * 86'400'000 + 3'723'000), "2-01:02:03");
}

}  // namespace
}  // namespace hexa::cli
