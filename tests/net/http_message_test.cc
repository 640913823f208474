// The plain parts: request targets, headers, problems, and the client's base URL rules.
#include <gtest/gtest.h>

#include "net/http.h"

namespace hexa {
namespace {

HttpRequest with_target(std::string target) {
  HttpRequest r;
  r.target = std::move(target);
  return r;
}

TEST(HttpRequestTest, PathDropsTheQuery) {
  EXPECT_EQ(with_target("/v1/jobs?state=running").path(), "/v1/jobs");
  EXPECT_EQ(with_target("/v1/jobs").path(), "/v1/jobs");
  EXPECT_EQ(with_target("/v1/a%20b?x=1").path(), "/v1/a%20b");  // the path is not decoded
}

TEST(HttpRequestTest, QueryIsPercentDecodedWithPlusAsSpace) {
  const auto q = with_target("/v1/jobs?state=running&name=a%20b+c&path=%2Ftmp%2Fx&t%C3%A9=%E2%82%AC").query();
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.at("state"), "running");
  EXPECT_EQ(q.at("name"), "a b c");
  EXPECT_EQ(q.at("path"), "/tmp/x");
  EXPECT_EQ(q.at("t\xC3\xA9"), "\xE2\x82\xAC");
}

TEST(HttpRequestTest, QueryEdgeCases) {
  EXPECT_TRUE(with_target("/x").query().empty());
  EXPECT_TRUE(with_target("/x?").query().empty());
  const auto q = with_target("/x?a=1&&flag&a=2&empty=&bad=%zz%4&plus=%2B").query();
  EXPECT_EQ(q.at("a"), "2");        // the last value wins
  EXPECT_EQ(q.at("flag"), "");      // a key without '='
  EXPECT_EQ(q.at("empty"), "");
  EXPECT_EQ(q.at("bad"), "%zz%4");  // a broken escape is kept as it came
  EXPECT_EQ(q.at("plus"), "+");     // an escaped '+' is a plus
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(with_target("/x?a=b=c").query().at("a"), "b=c");
}

TEST(HttpRequestTest, HeaderLookup) {
  HttpRequest r;
  r.headers["authorization"] = "Bearer t";
  EXPECT_EQ(r.header("authorization"), "Bearer t");
  EXPECT_EQ(r.header("Authorization"), "Bearer t");
  EXPECT_EQ(r.header("idempotency-key"), "");
}

TEST(HttpResponseTest, HeaderLookupIgnoresCase) {
  HttpResponse r;
  r.content_type = "text/plain";
  r.headers = {{"X-Hexa-Log-Size", "12"}, {"Retry-After", "1"}};
  EXPECT_EQ(r.header("x-hexa-log-size"), "12");
  EXPECT_EQ(r.header("RETRY-AFTER"), "1");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("location"), "");
}

TEST(HttpProblemTest, IsProblemJsonWithTheDetailEscaped) {
  const HttpResponse r = http_problem(413, "body \"too\" big\n");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.body,
            "{\"type\": \"about:blank\", \"title\": \"Payload Too Large\", \"status\": 413, "
            "\"detail\": \"body \\\"too\\\" big\\n\"}");
  EXPECT_STREQ(http_reason(404), "Not Found");
  EXPECT_STREQ(http_reason(599), "Unknown");
}

TEST(HttpClientMakeTest, AcceptsHostAndPort) {
  EXPECT_TRUE(HttpClient::make("http://127.0.0.1:8080").ok());
  EXPECT_TRUE(HttpClient::make("http://127.0.0.1:8080/").ok());  // a trailing slash is ignored
  EXPECT_TRUE(HttpClient::make("http://localhost:1").ok());
  EXPECT_TRUE(HttpClient::make("http://[::1]:65535").ok());
  EXPECT_TRUE(HttpClient::make("http://hexa.example:80").ok());  // resolved when connecting
  EXPECT_TRUE(HttpClient::make("https://127.0.0.1:8443").ok());  // verified against the system's CAs
  EXPECT_TRUE(HttpClient::make("HTTPS://hexa.example:443/").ok());
}

void expect_refused(const std::string& base, const std::string& rule) {
  auto c = HttpClient::make(base);
  ASSERT_FALSE(c.ok()) << base;
  EXPECT_EQ(c.status().code(), StatusCode::kInvalid);
  EXPECT_NE(c.status().message().find(rule), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("'" + base + "'"), std::string::npos) << c.status().message();
}

TEST(HttpClientMakeTest, ErrorsNameTheRule) {
  expect_refused("ftp://127.0.0.1:8443", "scheme must be http or https, not 'ftp'");
  expect_refused("127.0.0.1:8080", "scheme must be http or https");
  expect_refused("https://127.0.0.1", "port is required");
  expect_refused("http://:8080", "host is required");
  expect_refused("http://127.0.0.1", "port is required");
  expect_refused("http://127.0.0.1:", "port is required");
  expect_refused("http://127.0.0.1:0", "1..65535");
  expect_refused("http://127.0.0.1:65536", "1..65535");
  expect_refused("http://127.0.0.1:80x", "1..65535");
  expect_refused("http://127.0.0.1:8080/v1", "no path");
  expect_refused("http://[::1:8080", "closing ']'");
}

}  // namespace
}  // namespace hexa
