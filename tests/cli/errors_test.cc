// Every failure is one line on stderr, "hexa: " and what went wrong, exit 2, nothing on stdout;
// the token never shows.
#include <gtest/gtest.h>

#include "cli/io.h"
#include "cli/session.h"
#include "fake_http.h"

namespace hexa::testing {
namespace {

struct Failure {
  std::string name;
  Result<HttpResponse> response;
  std::string err;
};

TEST(Errors, OneLineForEachKindOfFailure) {
  const std::vector<Failure> cases = {
      {"problem 400", problem(400, "gpus: must be an integer >= 1", "gpus"),
       "hexa: gpus: must be an integer >= 1 (HTTP 400)\n"},
      {"404", problem(404, "job 12: not found"), "hexa: job 12: not found (HTTP 404)\n"},
      {"401", problem(401, "missing token"),
       "hexa: missing token (HTTP 401); give a token with --token-file FILE, HEXA_TOKEN or HEXA_TOKEN_FILE\n"},
      {"403 title only", answer(403, R"({"title":"Forbidden","status":403})"), "hexa: Forbidden (HTTP 403)\n"},
      {"502 not JSON", answer(502, "<html>\nBad gateway</html>", "text/html"), "hexa: <html> (HTTP 502)\n"},
      {"500 empty", answer(500, ""), "hexa: the server answered (HTTP 500)\n"},
      {"multi-line detail", problem(400, "a\\nb"), "hexa: a b (HTTP 400)\n"},
      {"connection refused", Status::Unavailable("http://127.0.0.1:8642: connection refused"),
       "hexa: http://127.0.0.1:8642: connection refused\n"},
      {"timeout without the address", Status::Unavailable("timed out after 30000 ms"),
       "hexa: http://127.0.0.1:8642: timed out after 30000 ms\n"},
      {"200 not JSON", answer(200, "ok", "text/plain"), "hexa: the server's answer to GET /v1/nodes is not JSON: ok\n"},
  };
  for (const Failure& c : cases) {
    FakeServer server;
    TestIo t;
    t.env["HEXA_TOKEN"] = "hexa_topsecret";
    server.answers.push_back(c.response);
    EXPECT_EQ(run(server, t, {"nodes"}), 2) << c.name;
    EXPECT_EQ(t.err.str(), c.err) << c.name;
    EXPECT_EQ(t.out.str(), "") << c.name;
    EXPECT_EQ(t.err.str().find("topsecret"), std::string::npos) << c.name;
  }
}

TEST(Errors, AServerAddressTheClientRefuses) {
  TestIo t;
  cli::HttpClientFactory refuse = [](const std::string&, const HttpClientOptions&) -> Result<std::unique_ptr<HttpClient>> {
    return Status::Invalid("must start with http://");
  };
  EXPECT_EQ(run_client_main({"nodes", "--server", "ftp://x"}, refuse, t.io()), 2);
  EXPECT_EQ(t.err.str(), "hexa: --server ftp://x: must start with http://\n");
}

TEST(Errors, WithoutAnHttpClientTheVerbsSaySo) {
  TestIo t;
  EXPECT_EQ(run_client_main({"nodes"}, {}, t.io()), 2);
  EXPECT_EQ(t.err.str(), "hexa: this hexa was built without the HTTP client: it cannot reach http://127.0.0.1:8642\n");
}

TEST(Errors, NoVerbIsOneLine) {
  FakeServer server;
  TestIo t;
  EXPECT_EQ(run(server, t, {}), 2);
  EXPECT_EQ(t.err.str(), "hexa: A subcommand is required (see hexa --help)\n");
  TestIo t2;
  EXPECT_EQ(run(server, t2, {"token"}), 2);
  EXPECT_EQ(t2.err.str(), "hexa: A subcommand is required (see hexa token --help)\n");
}

TEST(Io, RandomKeysAre128BitsOfHex) {
  std::string a = cli::random_hex128(), b = cli::random_hex128();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace hexa::testing
