// Log lines as text and as JSON (net/log.h).
#include "net/log.h"

#include <gtest/gtest.h>

namespace hexa {
namespace {

constexpr std::int64_t kMs = 1'780'000'000'123;  // 2026-05-28T20:26:40.123Z

TEST(Log, TextLine) {
  EXPECT_EQ(format_log_line(LogFormat::kText, kMs, "hexa serve", "info", "listening", {}), "hexa serve: listening\n");
  EXPECT_EQ(format_log_line(LogFormat::kText, kMs, "hexa serve", "info", "request",
                            {{"status", 201}, {"path", "/v1/jobs"}, {"note", "two words"}}),
            "hexa serve: request status=201 path=/v1/jobs note=\"two words\"\n");
}

TEST(Log, JsonLine) {
  EXPECT_EQ(format_log_line(LogFormat::kJson, kMs, "hexa agent", "warn", "job 7-1: \"x\"\n",
                            {{"request_id", "r-1"}, {"status", 3}}),
            "{\"ts\":\"2026-05-28T20:26:40.123Z\",\"level\":\"warn\",\"prog\":\"hexa agent\",\"msg\":\"job 7-1: \\\"x\\\"\\n\","
            "\"request_id\":\"r-1\",\"status\":3}\n");
  EXPECT_EQ(json_quote(std::string("a\x01\\b\x7f", 5)), "\"a\\u0001\\\\b\\u007f\"");
}

TEST(Log, FormatsParsed) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::kText);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(parse_log_format("JSON"), std::nullopt);
  EXPECT_EQ(parse_log_format(""), std::nullopt);
}

TEST(Log, SaidLinesGiveTheirTrailingFieldsInJson) {
  std::vector<std::string> lines;
  set_log_sink([&](const std::string& l) { lines.push_back(l); });
  set_log_format(LogFormat::kJson);
  log_said("hexa agent", "job 7-1 (train, acme): started, pid 42 request_id=r.1");
  log_said("hexa agent", "a=b in the middle stays");
  set_log_format(LogFormat::kText);
  log_said("hexa agent", "job 7-1: started request_id=r.1");
  set_log_sink(nullptr);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("\"msg\":\"job 7-1 (train, acme): started, pid 42\",\"request_id\":\"r.1\"}"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("\"msg\":\"a=b in the middle stays\"}"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "hexa agent: job 7-1: started request_id=r.1\n");
}

}  // namespace
}  // namespace hexa
