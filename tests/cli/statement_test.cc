// The live `hexa statement`: the request (dates as ms, format) and the server's rendering as is;
// through the binary, both forms' flags stay apart and a statement without a server is one line.
#include "cli/statement.h"

#include <gtest/gtest.h>

#include "fake_http.h"
#include "run_hexa.h"

namespace hexa::testing {
namespace {

TEST(LiveStatement, AsksForThePeriodAndPrintsTheAnswerAsIs) {
  FakeServer server;
  TestIo t;
  server.reply(answer(200, "date,kind,amount\n2025-06-01,grant,10.000000\n", "text/csv"));
  cli::LiveStatementArgs a;
  a.tenant = "acme";
  a.from = "2025-06-01Z";
  a.to = "2025-07-01Z";
  a.format = "csv";
  auto text = cli::fetch_live_statement(a, server.factory(), t.io());
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "date,kind,amount\n2025-06-01,grant,10.000000\n");
  EXPECT_EQ(server.sent[0].method, "GET");
  EXPECT_EQ(server.sent[0].target, "/v1/tenants/acme/statement?from=1748736000000&to=1751328000000&format=csv");
}

TEST(LiveStatement, WithoutDatesTheServerChooses) {
  FakeServer server;
  TestIo t;
  server.reply(answer(200, "statement\n", "text/plain"));
  cli::LiveStatementArgs a;
  a.tenant = "acme";
  ASSERT_TRUE(cli::fetch_live_statement(a, server.factory(), t.io()).ok());
  EXPECT_EQ(server.sent[0].target, "/v1/tenants/acme/statement?format=text");
}

TEST(LiveStatement, RefusesBadDatesAndSendsNothing) {
  FakeServer server;
  TestIo t;
  cli::LiveStatementArgs a;
  a.tenant = "acme";
  a.from = "2025-07-01";
  a.to = "2025-06-01";
  EXPECT_EQ(cli::fetch_live_statement(a, server.factory(), t.io()).status().message(),
            "--from 2025-07-01 must be before --to 2025-06-01 (the period is [from, to))");
  a.to = "June";
  EXPECT_EQ(cli::fetch_live_statement(a, server.factory(), t.io()).status().message().rfind("--to: 'June' is not a date", 0), 0u);
  EXPECT_TRUE(server.sent.empty());
}

TEST(LiveStatement, TheServersProblemIsTheMessage) {
  FakeServer server;
  TestIo t;
  server.reply(problem(404, "tenant ghost: not found"));
  cli::LiveStatementArgs a;
  a.tenant = "ghost";
  EXPECT_EQ(cli::fetch_live_statement(a, server.factory(), t.io()).status().message(),
            "tenant ghost: not found (HTTP 404)");
}

// ---- through the binary: apps/hexa/statement_command.cc

TEST(StatementCommand, WithoutScenarioAndNoServerIsOneLine) {
  std::string out = temp_path("statement.txt");
  Exit e = run_hexa("statement", {"--tenant", "acme", "--server", "http://127.0.0.1:1", "--out", out});
  EXPECT_EQ(e.code, 2) << e.err;
  EXPECT_EQ(e.out, "");
  EXPECT_EQ(e.err.rfind("hexa: ", 0), 0u) << e.err;
  EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
  EXPECT_TRUE(contains(e.err, "without --scenario, hexa statement asks the server")) << e.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(StatementCommand, FlagsOfOneFormAreRefusedInTheOther) {
  Exit live = run_hexa("statement", {"--tenant", "acme", "--seed", "3"});
  EXPECT_EQ(live.code, 2);
  EXPECT_TRUE(contains(live.err, "--seed: only with --scenario (the live statement takes --from and --to dates)"))
      << live.err;
  Exit sim = run_hexa("statement", {"--scenario", std::string(HEXA_SOURCE_DIR) + "/CMakeLists.txt", "--tenant", "acme",
                                    "--from", "2025-06-01"});
  EXPECT_EQ(sim.code, 2);
  EXPECT_TRUE(contains(sim.err, "--from: only for the live statement, without --scenario")) << sim.err;
  EXPECT_EQ(sim.out, "");
}

}  // namespace
}  // namespace hexa::testing
