// Tokens never in logs, metrics or error messages (docs/SECURITY.md, API2 and API8): a real
// `hexa serve` and `hexa agent`, every kind of token (admin, operator, member, agent, one never
// made, good ones in bad headers), the CLI with a good and a bad token, an agent with a bad
// token; then the server's and agents' logs, /metrics, every answer but the one that creates a
// token, the CLI's output and a job's environment are searched for each secret and its SHA-256;
// with the logs as text and as JSON lines (--log-format json).
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "server/tokens.h"

namespace hexa::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Haystack {
  std::string where, text;
};

// `log_format`: the server's and agents' --log-format (text, json): neither may leak.
void no_secret_anywhere(const std::string& log_format) {
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--log-format", log_format});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 1'000'000'000}}).status, 201);
  std::map<std::string, std::string> secrets = {{"admin", cloud->admin()},
                                                {"operator", cloud->token("operator")},
                                                {"member", cloud->token("member", "acme")},
                                                {"never made", new_token_secret()}};
  // n0's agent runs with the admin's token in HEXA_TOKEN, as from an operator's shell.
  const pid_t agent = cloud->start_agent_with("n0", {"--gpus", "2", "--gpu-type", "gpu", "--log-format", log_format},
                                              {{"HEXA_TOKEN", cloud->admin()}});
  ASSERT_TRUE(cloud->wait_node_up("n0")) << cloud->agent_log("n0");
  secrets["agent"] = slurp(cloud->dir() + "/agent-n0.token").substr(0, 69);
  ASSERT_EQ(secrets["agent"].size(), 69u);

  std::vector<Haystack> hay;
  auto keep = [&hay](const std::string& what, const Answer& a) { hay.push_back({what, a.body}); };
  // Each token used well, then wrongly: the routes it may not use, and in headers the server refuses.
  for (const auto& [role, secret] : secrets) {
    keep(role + " whoami", cloud->call("GET", "/v1/whoami", nullptr, secret));
    keep(role + " tokens", cloud->call("GET", "/v1/tokens", nullptr, secret));
    keep(role + " digest", cloud->call("GET", "/v1/debug/digest", nullptr, secret));
    keep(role + " bad job", cloud->call("POST", "/v1/jobs", {{"gpus", 0}, {"command", {"true"}}}, secret));
    keep(role + " other's job", cloud->call("GET", "/v1/jobs/999999", nullptr, secret));
    keep(role + " agent route", cloud->call("POST", "/v1/agent/report", {{"node", "n1"}, {"epoch", 1}}, secret));
    for (const std::string& header : {"Bearer " + secret + "x", "Bearer  " + secret, "bearer " + secret, "Basic " + secret,
                                      secret, "Bearer " + secret.substr(0, 60), "Bearer " + secret + "\t"})
      keep(role + " header '" + header.substr(0, 8) + "'", cloud->call("GET", "/v1/whoami", nullptr, "", {{"Authorization", header}}));
    keep(role + " other header", cloud->call("GET", "/v1/whoami", nullptr, "", {{"X-Api-Key", secret}}));
    keep(role + " in the query", cloud->call("GET", "/v1/jobs?token=" + secret, nullptr, ""));
    keep(role + " unknown route", cloud->call("GET", "/v2/nothing", nullptr, secret));
    std::string out, err;
    cloud->hexa({"queue"}, secret, &out, &err);
    hay.push_back({role + " hexa queue", out + err});
    cloud->hexa({"token", "list"}, secret, &out, &err);
    hay.push_back({role + " hexa token list", out + err});
  }
  for (const Answer& a : {cloud->call("GET", "/v1/whoami"), cloud->call("GET", "/v1/tokens")}) EXPECT_EQ(a.status, 401);

  // A job's environment: none of the agent's credentials (its shell's HEXA_TOKEN included).
  Answer job = cloud->call("POST", "/v1/jobs", {{"command", {"env"}}}, secrets["member"]);
  ASSERT_EQ(job.status, 201) << job.body;
  const std::int64_t id = job.json["id"];
  ASSERT_TRUE(state_is(cloud->wait_job(id, ended_state), "finished"));
  Answer env = cloud->call("GET", "/v1/jobs/" + std::to_string(id) + "/logs", nullptr, secrets["member"]);
  EXPECT_NE(env.body.find("HEXA_JOB_ID="), std::string::npos) << env.body;  // the log is the job's env
  keep("the job's environment", env);

  // An agent with a token the server never made: refused, and says so without the token.
  const std::string bad_file = cloud->dir() + "/bad.token";
  std::ofstream(bad_file) << secrets["never made"] << "\n";
  std::string agent_out, agent_err;
  const int rc = run_program({HEXA_BINARY, "agent", "--server", cloud->url(), "--node", "n1", "--token-file", bad_file, "--gpus",
                              "2", "--gpu-type", "gpu", "--work-dir", cloud->dir() + "/work-bad", "--log-format", log_format},
                             {}, &agent_out, &agent_err);
  EXPECT_NE(rc, 0);
  EXPECT_NE(agent_err.find("401"), std::string::npos) << agent_err;
  hay.push_back({"the refused agent's output", agent_out + agent_err});

  hay.push_back({"/metrics", cloud->call("GET", "/metrics").body});
  Answer tokens = cloud->as_admin("GET", "/v1/tokens");
  ASSERT_EQ(tokens.status, 200);
  hay.push_back({"GET /v1/tokens", tokens.body});
  cloud->stop_agent(agent);  // what they say on the way out counts too
  cloud->kill_server(SIGTERM);
  hay.push_back({"the server's log", cloud->server_log()});
  hay.push_back({"n0's agent log", cloud->agent_log("n0")});
  int searched = 0;
  for (const auto& [role, secret] : secrets) {
    const std::string hash = sha256_hex(secret);
    for (const Haystack& h : hay) {
      ++searched;
      EXPECT_EQ(h.text.find(secret), std::string::npos) << role << "'s secret in " << h.where << ":\n" << h.text;
      EXPECT_EQ(h.text.find(secret.substr(5, 16)), std::string::npos) << role << "'s secret, in part, in " << h.where;
      EXPECT_EQ(h.text.find(hash), std::string::npos) << role << "'s hash in " << h.where;
      EXPECT_EQ(h.text.find(hash.substr(0, 16)), std::string::npos) << role << "'s hash, in part, in " << h.where;
    }
  }
  EXPECT_EQ(searched, 5 * (5 * 18 + 6));  // 5 secrets x (18 answers per token + 6 more)
  if (log_format == "json") {  // the logs were JSON lines indeed (tests/e2e/request_id_test.cc reads them)
    EXPECT_NE(cloud->server_log().find("\"msg\":\"request\""), std::string::npos) << cloud->server_log();
  }
}

TEST(TokenLeak, NoSecretInLogsMetricsErrorsOrJobs) { no_secret_anywhere("text"); }
TEST(TokenLeak, NoSecretInJsonLogs) { no_secret_anywhere("json"); }

}  // namespace
}  // namespace hexa::testing
