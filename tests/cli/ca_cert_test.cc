// Which CA file the client verbs verify an https server with: --ca-cert, else $HEXA_CA_CERT,
// else none (the system's store); and a CA file that cannot be used is named by its origin.
#include <gtest/gtest.h>

#include "fake_http.h"

namespace hexa::testing {
namespace {

TEST(CaCert, FromTheFlagElseTheEnvironmentElseNone) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"nodes": []})");
  server.reply(200, R"({"nodes": []})");
  server.reply(200, R"({"nodes": []})");
  ASSERT_EQ(run(server, t, {"nodes"}), 0) << t.err.str();
  EXPECT_EQ(server.ca_files.back(), "--ca-cert ");  // none: the system's store
  t.env["HEXA_CA_CERT"] = "/etc/hexa/ca.pem";
  ASSERT_EQ(run(server, t, {"nodes"}), 0) << t.err.str();
  EXPECT_EQ(server.ca_files.back(), "HEXA_CA_CERT /etc/hexa/ca.pem");
  ASSERT_EQ(run(server, t, {"nodes", "--ca-cert", "mine.pem"}), 0) << t.err.str();  // the flag first
  EXPECT_EQ(server.ca_files.back(), "--ca-cert mine.pem");
}

// The real client: a CA file that is not there is named by where it came from, not by --server.
TEST(CaCert, AMissingCaFileIsNamedByItsOrigin) {
  TestIo t;
  t.env["HEXA_SERVER"] = "https://127.0.0.1:1";
  t.env["HEXA_CA_CERT"] = "/nonexistent/ca.pem";
  EXPECT_EQ(run_client_main({"nodes"}, HttpClient::make, t.io()), 2);
  EXPECT_EQ(t.err.str(), "hexa: HEXA_CA_CERT /nonexistent/ca.pem: cannot read it: No such file or directory\n");
  TestIo flag;
  EXPECT_EQ(run_client_main({"queue", "--server", "https://127.0.0.1:1", "--ca-cert", "/nonexistent/x.pem"},
                            HttpClient::make, flag.io()),
            2);
  EXPECT_EQ(flag.err.str(), "hexa: --ca-cert /nonexistent/x.pem: cannot read it: No such file or directory\n");
}

}  // namespace
}  // namespace hexa::testing
