// The admin verbs: tenant add, grant add, topup add, reservation add, token create/list/delete.
#include <gtest/gtest.h>

#include "fake_http.h"

namespace hexa::testing {
namespace {

TEST(TenantAdd, PostsTheTenant) {
  FakeServer server;
  TestIo t;
  server.reply(201, R"({"name":"ml"})");
  ASSERT_EQ(run(server, t, {"tenant", "add", "ml", "--parent", "acme", "--weight", "3", "--kind", "project"}), 0)
      << t.err.str();
  EXPECT_EQ(server.sent[0].method, "POST");
  EXPECT_EQ(server.sent[0].target, "/v1/tenants");
  EXPECT_EQ(server.sent[0].body, R"({"name":"ml","parent":"acme","weight":3,"kind":"project"})");
  EXPECT_EQ(t.out.str(), "tenant ml added\n");
  TestIo t2;
  server.reply(201, R"({"name":"solo"})");
  ASSERT_EQ(run(server, t2, {"tenant", "add", "solo", "--json"}), 0);
  EXPECT_EQ(server.sent[1].body, R"({"name":"solo"})");
  EXPECT_EQ(t2.out.str(), "{\"name\":\"solo\"}\n");
}

TEST(GrantAdd, CreditsBecomeExactMicroCredits) {
  FakeServer server;
  TestIo t;
  server.reply(201, "{}");
  ASSERT_EQ(run(server, t, {"grant", "add", "--tenant", "acme", "--credits", "12.5", "--expires", "2026-01-01Z", "--id", "g1"}),
            0)
      << t.err.str();
  EXPECT_EQ(server.sent[0].target, "/v1/tenants/acme/grants");
  EXPECT_EQ(server.sent[0].body, R"({"credits_micro":12500000,"expires_ms":1767225600000,"id":"g1"})");
  EXPECT_EQ(t.out.str().rfind("grant g1: 12.50 credits to acme, expiring ", 0), 0u) << t.out.str();
}

TEST(GrantAdd, RefusesSevenDecimalsAndSendsNothing) {
  FakeServer server;
  TestIo t;
  EXPECT_EQ(run(server, t, {"grant", "add", "--tenant", "acme", "--credits", "0.0000001"}), 2);
  EXPECT_EQ(t.err.str(),
            "hexa: --credits: '0.0000001' has more than 6 decimals (the smallest amount is 0.000001 credit)\n");
  EXPECT_TRUE(server.sent.empty());
  TestIo t2;
  EXPECT_EQ(run(server, t2, {"grant", "add", "--tenant", "acme", "--credits", "5", "--expires", "next year"}), 2);
  EXPECT_EQ(t2.err.str().rfind("hexa: --expires: 'next year' is not a date", 0), 0u);
  EXPECT_TRUE(server.sent.empty());
}

TEST(TopupAdd, PostsMicroCredits) {
  FakeServer server;
  TestIo t;
  server.reply(201, "{}");
  ASSERT_EQ(run(server, t, {"topup", "add", "--tenant", "a b", "--credits", "0.000001", "--id", "inv-9"}), 0)
      << t.err.str();
  EXPECT_EQ(server.sent[0].target, "/v1/tenants/a%20b/topups");
  EXPECT_EQ(server.sent[0].body, R"({"credits_micro":1,"id":"inv-9"})");
  EXPECT_EQ(t.out.str(), "top-up inv-9: 0.00 credits to a b\n");
}

TEST(ReservationAdd, WholeGpusOrSlices) {
  FakeServer server;
  TestIo t;
  server.reply(201, "{}");
  server.reply(201, "{}");
  ASSERT_EQ(run(server, t, {"reservation", "add", "--name", "r1", "--tenant", "acme", "--site", "paris", "--gpu-type",
                            "H100", "--gpus", "16", "--from", "2025-09-01T08:00Z", "--to", "2025-09-01T12:00Z"}),
            0)
      << t.err.str();
  EXPECT_EQ(server.sent[0].target, "/v1/reservations");
  EXPECT_EQ(server.sent[0].body,
            R"({"name":"r1","tenant":"acme","site":"paris","gpu_type":"H100","gpus":16,)"
            R"("from_ms":1756713600000,"to_ms":1756728000000})");
  EXPECT_EQ(t.out.str(), "reservation r1 added\n");
  ASSERT_EQ(run(server, t, {"reservation", "add", "--name", "r2", "--tenant", "school", "--site", "paris", "--gpu-type",
                            "A100", "--slice", "1g.10gb", "--slices", "14", "--from", "2025-09-01Z", "--to", "2025-09-02Z"}),
            0)
      << t.err.str();
  EXPECT_EQ(server.sent[1].body,
            R"({"name":"r2","tenant":"school","site":"paris","gpu_type":"A100","slice":"1g.10gb","slices":14,)"
            R"("from_ms":1756684800000,"to_ms":1756771200000})");
}

TEST(ReservationAdd, RefusesBadSizesAndPeriods) {
  const std::vector<std::string> base = {"reservation", "add", "--name", "r", "--tenant", "t", "--site", "s",
                                         "--gpu-type", "H100"};
  struct Case {
    std::vector<std::string> extra;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"--from", "2025-09-01Z", "--to", "2025-09-02Z"}, "hexa: give either --gpus N or --slice PROFILE --slices N\n"},
      {{"--gpus", "2", "--slices", "3", "--from", "2025-09-01Z", "--to", "2025-09-02Z"},
       "hexa: give either --gpus N or --slice PROFILE --slices N\n"},
      {{"--slice", "1g.10gb", "--from", "2025-09-01Z", "--to", "2025-09-02Z"}, "hexa: --slice and --slices go together\n"},
      {{"--gpus", "2", "--from", "2025-09-02Z", "--to", "2025-09-01Z"},
       "hexa: --from 2025-09-02Z must be before --to 2025-09-01Z\n"},
  };
  for (const Case& c : cases) {
    FakeServer server;
    TestIo t;
    std::vector<std::string> args = base;
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    EXPECT_EQ(run(server, t, args), 2);
    EXPECT_EQ(t.err.str(), c.err);
    EXPECT_TRUE(server.sent.empty());
  }
}

TEST(TokenCreate, PrintsTheTokenAlone) {
  FakeServer server;
  TestIo t;
  server.reply(201, R"({"id":"tok-3","token":"hexa_s3cret","role":"member","tenant":"acme"})");
  ASSERT_EQ(run(server, t, {"token", "create", "--role", "member", "--tenant", "acme"}), 0) << t.err.str();
  EXPECT_EQ(server.sent[0].method, "POST");
  EXPECT_EQ(server.sent[0].target, "/v1/tokens");
  EXPECT_EQ(server.sent[0].body, R"({"role":"member","tenant":"acme"})");
  EXPECT_EQ(t.out.str(), "hexa_s3cret\n");
  TestIo t2;
  server.reply(201, R"({"id":"tok-4","token":"hexa_agent"})");
  ASSERT_EQ(run(server, t2, {"token", "create", "--role", "agent", "--node", "n1"}), 0);
  EXPECT_EQ(server.sent[1].body, R"({"role":"agent","node":"n1"})");
}

TEST(TokenCreate, RefusesRolesWithoutWhatTheyNeed) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--role", "boss"}, "hexa: --role: 'boss' is not one of admin, operator, member, agent\n"},
      {{"--role", "member"}, "hexa: --tenant: required for a member token\n"},
      {{"--role", "agent"}, "hexa: --node: required for an agent token\n"},
      {{"--role", "operator", "--tenant", "acme"}, "hexa: --tenant: only for a member token\n"},
      {{"--role", "member", "--tenant", "acme", "--node", "n1"}, "hexa: --node: only for an agent token\n"},
  };
  for (const auto& [extra, err] : cases) {
    FakeServer server;
    TestIo t;
    std::vector<std::string> args = {"token", "create"};
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_EQ(run(server, t, args), 2);
    EXPECT_EQ(t.err.str(), err);
    EXPECT_TRUE(server.sent.empty());
  }
}

TEST(TokenList, TableWithoutSecrets) {
  setenv("TZ", "UTC", 1);
  tzset();
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"tokens":[{"id":"tok-1","role":"admin","created_ms":1750000000000},)"
                    R"({"id":"tok-3","role":"member","tenant":"acme"}]})");
  ASSERT_EQ(run(server, t, {"token", "list"}), 0) << t.err.str();
  EXPECT_EQ(server.sent[0].target, "/v1/tokens");
  EXPECT_EQ(t.out.str(),
            "ID     ROLE    TENANT  NODE  CREATED\n"
            "tok-1  admin   -       -     2025-06-15 15:06:40 UTC\n"
            "tok-3  member  acme    -     -\n");
}

TEST(TokenDelete, OneLineEach) {
  FakeServer server;
  TestIo t;
  server.reply(204, "");
  server.reply(problem(404, "token tok-9: not found"));
  EXPECT_EQ(run(server, t, {"token", "delete", "tok-3", "tok-9"}), 2);
  EXPECT_EQ(server.sent[0].method, "DELETE");
  EXPECT_EQ(server.sent[0].target, "/v1/tokens/tok-3");
  EXPECT_EQ(t.out.str(), "deleted tok-3\n");
  EXPECT_EQ(t.err.str(), "hexa: cannot delete token tok-9: token tok-9: not found (HTTP 404)\n");
}

}  // namespace
}  // namespace hexa::testing
