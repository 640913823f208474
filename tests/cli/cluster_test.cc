// hexa nodes and hexa credits.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_http.h"

namespace hexa::testing {
namespace {

TEST(Nodes, Table) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"nodes":[)"
                    R"({"name":"n1","site":"paris","gpu_type":"H100","gpus":8,"free_gpus":2,"state":"up","agent":true,"heartbeat_age_ms":3400,"jobs":[7,9]},)"
                    R"({"name":"n2","site":"paris","gpu_type":"H100","gpus":8,"free_gpus":8,"state":"draining","agent":true,"heartbeat_age_ms":600000,"jobs":[]},)"
                    R"({"name":"lyon-a100-17","site":"lyon","gpu_type":"A100","gpus":4,"free_gpus":0,"state":"down","agent":false,"heartbeat_age_ms":null})"
                    "]}");
  ASSERT_EQ(run(server, t, {"nodes"}), 0) << t.err.str();
  EXPECT_EQ(server.sent[0].method, "GET");
  EXPECT_EQ(server.sent[0].target, "/v1/nodes");
  EXPECT_EQ(t.out.str(),
            "NODE          SITE   TYPE  GPUS  FREE  STATE     AGENT  HEARTBEAT  JOBS\n"
            "n1            paris  H100  8     2     up        yes    3s         7,9\n"
            "n2            paris  H100  8     8     draining  yes    10m        -\n"
            "lyon-a100-17  lyon   A100  4     0     down      no     -          -\n");
}

TEST(Nodes, TheReasonsOfDrainsHaveAColumnWhenThereAreAny) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"nodes":[)"
                    R"({"name":"n1","site":"paris","gpu_type":"H100","gpus":8,"free_gpus":8,"state":"up","agent":true,"heartbeat_age_ms":1000,"jobs":[],"drain_reason":null},)"
                    R"({"name":"n2","site":"paris","gpu_type":"H100","gpus":8,"free_gpus":0,"state":"draining","agent":true,"heartbeat_age_ms":1000,"jobs":[4],"drain_reason":"DIMM swap"})"
                    "]}");
  ASSERT_EQ(run(server, t, {"nodes"}), 0) << t.err.str();
  EXPECT_EQ(t.out.str(),
            "NODE  SITE   TYPE  GPUS  FREE  STATE     AGENT  HEARTBEAT  JOBS  REASON\n"
            "n1    paris  H100  8     8     up        yes    1s         -     -\n"
            "n2    paris  H100  8     0     draining  yes    1s         4     DIMM swap\n");
}

TEST(Nodes, DrainSendsTheReasonAndTheDeadline) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"name":"n2","state":"draining","drain_reason":"DIMM swap","drain_deadline_ms":1700000000000})");
  ASSERT_EQ(run(server, t, {"nodes", "drain", "n2", "--reason", "DIMM swap", "--deadline", "2h"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 1u);
  EXPECT_EQ(server.sent[0].method, "POST");
  EXPECT_EQ(server.sent[0].target, "/v1/nodes/n2/drain");
  EXPECT_EQ(nlohmann::json::parse(server.sent[0].body), nlohmann::json::parse(R"({"reason":"DIMM swap","deadline_s":7200})"));
  EXPECT_EQ(t.out.str(), "node n2: draining (DIMM swap); jobs still running in 2h are requeued\n");
}

TEST(Nodes, DrainWithoutFlagsAndResume) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"name":"n2","state":"draining","drain_reason":null,"drain_deadline_ms":null})");
  server.reply(200, R"({"name":"n2","state":"up","drain_reason":null,"drain_deadline_ms":null})");
  ASSERT_EQ(run(server, t, {"nodes", "drain", "n2"}), 0) << t.err.str();
  ASSERT_EQ(run(server, t, {"nodes", "resume", "n2"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 2u);
  EXPECT_EQ(server.sent[0].body, "{}");
  EXPECT_EQ(server.sent[1].target, "/v1/nodes/n2/resume");
  EXPECT_EQ(t.out.str(), "node n2: draining\nnode n2: up\n");
}

TEST(Nodes, ABadDeadlineIsRefusedBeforeAnyRequest) {
  FakeServer server;
  TestIo t;
  EXPECT_EQ(run(server, t, {"nodes", "drain", "n2", "--deadline", "soon"}), 2);
  EXPECT_TRUE(server.sent.empty());
  EXPECT_NE(t.err.str().find("--deadline"), std::string::npos) << t.err.str();
  EXPECT_EQ(run(server, t, {"nodes", "drain"}), 2) << "NODE is required";
  EXPECT_TRUE(server.sent.empty());
}

TEST(Nodes, JsonIsTheArray) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"nodes":[{"name":"n1"}]})");
  ASSERT_EQ(run(server, t, {"nodes", "--json"}), 0);
  EXPECT_EQ(t.out.str(), "[{\"name\":\"n1\"}]\n");
}

const char* kBalance =
    R"({"tenant":"acme","balance_micro":120500000,"spendable_micro":100000000,"held_micro":20500000,)"
    R"("consumed_micro":300000000,"burn_rate_micro_per_h":12000000,"runway_h":8.333})";

TEST(Credits, ShowsATenantsMoneyInCredits) {
  FakeServer server;
  TestIo t;
  server.reply(200, kBalance);
  ASSERT_EQ(run(server, t, {"credits", "--tenant", "acme"}), 0) << t.err.str();
  EXPECT_EQ(server.sent[0].target, "/v1/tenants/acme/balance");
  EXPECT_EQ(t.out.str(),
            "tenant:    acme\n"
            "balance:   120.50\n"
            "spendable: 100.00\n"
            "held:      20.50\n"
            "consumed:  300.00\n"
            "burn rate: 12.00 per hour\n"
            "runway:    8.3 h\n");
}

TEST(Credits, WithoutTenantTakesTheTopOfWhatTheTokenSees) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"tenants":[{"name":"acme/ml","parent":"acme"},{"name":"acme","parent":"big-co"}]})");
  server.reply(200, R"({"tenant":"acme","balance_micro":-1000000,"runway_h":null,"burn_rate_micro_per_h":0})");
  ASSERT_EQ(run(server, t, {"credits"}), 0) << t.err.str();
  ASSERT_EQ(server.sent.size(), 2u);
  EXPECT_EQ(server.sent[0].target, "/v1/tenants");
  EXPECT_EQ(server.sent[1].target, "/v1/tenants/acme/balance");
  EXPECT_NE(t.out.str().find("balance:   -1.00\n"), std::string::npos) << t.out.str();
  EXPECT_NE(t.out.str().find("runway:    -\n"), std::string::npos) << t.out.str();
}

TEST(Credits, WithoutTenantSeeingSeveralAsksForOne) {
  FakeServer server;
  TestIo t;
  server.reply(200, R"({"tenants":[{"name":"a","parent":null},{"name":"b"},{"name":"a/x","parent":"a"}]})");
  EXPECT_EQ(run(server, t, {"credits"}), 2);
  EXPECT_EQ(t.err.str(), "hexa: --tenant: required (you see 2 tenants at the top: a, b)\n");
  EXPECT_EQ(server.sent.size(), 1u);
}

TEST(Credits, JsonIsTheBalanceObject) {
  FakeServer server;
  TestIo t;
  server.reply(200, kBalance);
  ASSERT_EQ(run(server, t, {"credits", "--tenant", "acme", "--json"}), 0);
  EXPECT_EQ(t.out.str(), std::string(kBalance) + "\n");
}

}  // namespace
}  // namespace hexa::testing
