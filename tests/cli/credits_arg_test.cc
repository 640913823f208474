// Credits: exact decimal to micro-credits, never through a double; 2 decimals on screen.
#include "cli/credits_arg.h"

#include <gtest/gtest.h>

namespace hexa::cli {
namespace {

TEST(CreditsArg, ConvertsDecimalsExactly) {
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"12.5", 12'500'000},      {"12", 12'000'000},         {"0.000001", 1},
      {"0.1", 100'000},          {"1.000001", 1'000'001},    {"007.25", 7'250'000},
      {"0.3", 300'000},          {"123456.789012", 123'456'789'012},
      {"999999999999.999999", 999'999'999'999'999'999},
  };
  for (const auto& [text, micro] : cases) {
    auto r = parse_credits_micro("--credits", text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_EQ(*r, micro) << text;
  }
}

TEST(CreditsArg, RefusesMoreThanSixDecimals) {
  auto r = parse_credits_micro("--credits", "0.0000001");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "--credits: '0.0000001' has more than 6 decimals (the smallest amount is 0.000001 credit)");
}

TEST(CreditsArg, RefusesWhatIsNotAnAmount) {
  for (const std::string text : {"", "abc", "-1", "+1", "1e3", ".5", "12.", "1,5", " 1", "1 ", "1.2.3", "0x10"}) {
    auto r = parse_credits_micro("--credits", text);
    ASSERT_FALSE(r.ok()) << "'" << text << "' was accepted";
    EXPECT_EQ(r.status().message().rfind("--credits: '" + text + "' is not an amount of credits", 0), 0u)
        << r.status().message();
  }
  EXPECT_EQ(parse_credits_micro("--credits", "0").status().message(), "--credits: '0' must be more than 0");
  EXPECT_EQ(parse_credits_micro("--credits", "0.000000").status().message(), "--credits: '0.000000' must be more than 0");
  EXPECT_EQ(parse_credits_micro("--credits", "1000000000000").status().message(),
            "--credits: '1000000000000' is too large (it must be under 10^12 credits)");
}

TEST(CreditsArg, FormatsTwoDecimalsRoundingHalfAwayFromZero) {
  EXPECT_EQ(format_credits(0), "0.00");
  EXPECT_EQ(format_credits(12'500'000), "12.50");
  EXPECT_EQ(format_credits(12'345'678), "12.35");
  EXPECT_EQ(format_credits(12'344'999), "12.34");
  EXPECT_EQ(format_credits(5'000), "0.01");
  EXPECT_EQ(format_credits(4'999), "0.00");
  EXPECT_EQ(format_credits(-4'999), "0.00");
  EXPECT_EQ(format_credits(-1'005'000), "-1.01");
  EXPECT_EQ(format_credits(INT64_MIN), "-9223372036854.78");
  EXPECT_EQ(format_credits(INT64_MAX), "9223372036854.78");
}

}  // namespace
}  // namespace hexa::cli
