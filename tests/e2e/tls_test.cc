// End to end over HTTPS: a real `hexa serve --tls-cert --tls-key`, a real `hexa agent
// --ca-cert` and the CLI (HEXA_CA_CERT, --ca-cert) run a job; every client that cannot verify
// the server's certificate (no CA, another CA, another host, expired) fails saying why.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "e2e/live_cloud.h"
#include "net/test_certs.h"

namespace hexa::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Waits until `read()` holds `part` at least `times` times (bounded); whether it did.
template <class Read>
bool wait_for_text(Read read, const std::string& part, std::size_t times = 1) {
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    if (count_of(read(), part) >= times) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// The CLI with the server and token given and no CA unless in `args`: its exit code and stderr.
int cli(const std::string& server, const std::string& token, std::vector<std::string> args, std::string* err) {
  args.insert(args.begin(), HEXA_BINARY);
  std::string out;
  return run_program(args, {{"HEXA_SERVER", server}, {"HEXA_TOKEN", token}}, &out, err);
}

TEST(Tls, AJobRunsOverHttpsAndUnverifiedClientsAreRefused) {
  TestCerts certs;
  ASSERT_TRUE(certs.ok()) << certs.error();
  // The server's files, which the test swaps for an expired certificate later.
  const std::string cert = certs.dir() + "/live.pem", key = certs.dir() + "/live.key";
  fs::copy_file(certs.pem("server"), cert);
  fs::copy_file(certs.key("server"), key);
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--tls-cert", cert, "--tls-key", key}, certs.pem("ca"));
  ASSERT_TRUE(cloud);
  const std::string url = cloud->url();
  ASSERT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants/acme/grants", {{"credits_micro", 100'000'000}}).status, 201);
  const std::string acme = cloud->token("member", "acme");

  // The agent verifies with --ca-cert; the CLI with HEXA_CA_CERT (the harness sets both).
  cloud->start_agent("n0", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0")) << cloud->agent_log("n0");
  std::string out, err;
  ASSERT_EQ(cloud->hexa({"submit", "--gpus", "1", "--", "sh", "-c", "echo over tls"}, acme, &out, &err), 0) << err;
  const std::int64_t id = std::stoll(out);
  Json job = cloud->wait_job(id, ended_state);
  ASSERT_TRUE(state_is(job, "finished")) << job.dump() << cloud->agent_log("n0");
  ASSERT_EQ(cloud->hexa({"logs", std::to_string(id)}, acme, &out, &err), 0) << err;
  EXPECT_EQ(out, "over tls\n");

  // An agent given another CA does not register, and says why.
  cloud->start_agent("n1", 2, "gpu", {"--ca-cert", certs.pem("other-ca")});
  EXPECT_TRUE(wait_for_text([&] { return cloud->agent_log("n1"); },
                            "certificate verify failed: unable to get local issuer certificate"))
      << cloud->agent_log("n1");
  EXPECT_FALSE(cloud->wait_node_up("n1", 500ms));

  // The CLI without a CA (the system's store), with another CA, with a CA file not there.
  EXPECT_EQ(cli(url, acme, {"queue"}, &err), 2);
  EXPECT_NE(err.find("hexa: " + url), std::string::npos) << err;
  EXPECT_NE(err.find("TLS handshake failed: certificate verify failed: unable to get local issuer certificate"),
            std::string::npos) << err;
  EXPECT_EQ(cli(url, acme, {"queue", "--ca-cert", certs.pem("other-ca")}, &err), 2);
  EXPECT_NE(err.find("certificate verify failed"), std::string::npos) << err;
  EXPECT_NE(err.find(certs.pem("other-ca")), std::string::npos) << err;
  EXPECT_EQ(cli(url, acme, {"queue", "--ca-cert", certs.dir() + "/none.pem"}, &err), 2);
  EXPECT_EQ(err, "hexa: --ca-cert " + certs.dir() + "/none.pem: cannot read it: No such file or directory\n");
  // Plain HTTP to the HTTPS port: a failure, not a hang.
  EXPECT_EQ(cli("http://" + url.substr(8), acme, {"queue"}, &err), 2);
  EXPECT_NE(err.find("hexa: http://"), std::string::npos) << err;
  // Another host: the certificate names IP 127.0.0.1, not localhost (which is 127.0.0.1 too).
  const std::string by_name = "https://localhost:" + url.substr(url.rfind(':') + 1);
  EXPECT_EQ(cloud->hexa({"queue", "--server", by_name}, acme, &out, &err), 2);
  EXPECT_NE(err.find("certificate verify failed: hostname mismatch"), std::string::npos) << err;

  // The server started again with an expired certificate: the harness's own client refuses it
  // (so the restart never looks ready), and so does the CLI, saying so.
  cloud->kill_server(SIGTERM);
  fs::copy_file(certs.pem("expired"), cert, fs::copy_options::overwrite_existing);
  fs::copy_file(certs.key("expired"), key, fs::copy_options::overwrite_existing);
  EXPECT_FALSE(cloud->restart_server_same_port(3s));
  ASSERT_TRUE(wait_for_text([&] { return cloud->server_log(); }, "listening on https://", 2)) << cloud->server_log();
  EXPECT_EQ(cloud->hexa({"queue"}, acme, &out, &err), 2);
  EXPECT_NE(err.find("certificate verify failed: certificate has expired"), std::string::npos) << err;
}

TEST(Tls, ServeRefusesBadTlsFlagsBeforeTouchingItsState) {
  TestCerts certs;
  ASSERT_TRUE(certs.ok()) << certs.error();
  const std::string config = certs.dir() + "/cloud.yaml", state = certs.dir() + "/state";
  std::ofstream(config) << small_cloud(1, 1);
  struct Case {
    std::vector<std::string> flags;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--tls-cert", certs.pem("server")}, "hexa serve: --tls-cert: needs --tls-key (both or neither)"},
      {{"--tls-cert", certs.dir() + "/none.pem", "--tls-key", certs.key("server")},
       "hexa serve: --tls-cert " + certs.dir() + "/none.pem: cannot read it: No such file or directory"},
      {{"--tls-cert", certs.pem("server"), "--tls-key", certs.key("ca")},
       "hexa serve: --tls-key " + certs.key("ca") + ": does not match the certificate of --tls-cert " + certs.pem("server")},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {HEXA_BINARY, "serve", "--config", config, "--state", state, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    std::string out, err;
    EXPECT_EQ(run_program(argv, {}, &out, &err), 2) << err;
    EXPECT_EQ(err.substr(0, err.find('\n')), c.error);
    EXPECT_FALSE(fs::exists(state)) << "the state directory was made for a bad flag";
  }
}

}  // namespace
}  // namespace hexa::testing
