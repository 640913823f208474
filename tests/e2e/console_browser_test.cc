// The web console in a real browser (docs/console.md): a live cloud (a server and two agents on
// 127.0.0.1), then tests/browser/console_test.mjs drives Debian's headless Chromium against it
// through the DevTools protocol (puppeteer-core, installed by scripts/setup.sh: npm ci). The
// screenshots of each page are left in the build folder (console-screenshots/) as artifacts.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

const std::string kBrowserDir = std::string(HEXA_SOURCE_DIR) + "/tests/browser";

// Runs `node SCRIPT` with `env` added, its output into `log`; at most `limit`, then SIGTERM (node
// closes its Chromium on it) and SIGKILL to its process group. Its exit code; -1 when stopped.
int run_node(const std::string& script, const std::map<std::string, std::string>& env, const std::string& log,
             std::chrono::seconds limit) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0), ::dup2(fd, 1), ::dup2(fd, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::execlp("node", "node", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGTERM);
      std::this_thread::sleep_for(std::chrono::seconds(5));
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(ConsoleBrowser, LogInSeeAJobCancelItAndStayInOnesTenant) {
  ASSERT_TRUE(std::filesystem::exists(kBrowserDir + "/node_modules/puppeteer-core"))
      << "puppeteer-core is not installed: run scripts/setup.sh (npm ci in tests/browser)";
  ASSERT_EQ(::access("/usr/bin/chromium", X_OK), 0) << "no /usr/bin/chromium: run scripts/setup.sh";
  auto cloud = LiveCloud::start(small_cloud(2, 2));
  ASSERT_TRUE(cloud);
  for (const char* t : {"alpha", "beta"}) {
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", t}}).status, 201);
    ASSERT_EQ(cloud->as_admin("POST", std::string("/v1/tenants/") + t + "/grants", {{"credits_micro", 100'000'000}}).status, 201);
  }
  cloud->start_agent("n0", 2);
  cloud->start_agent("n1", 2);
  ASSERT_TRUE(cloud->wait_node_up("n0"));
  ASSERT_TRUE(cloud->wait_node_up("n1"));
  Answer beta = cloud->call("POST", "/v1/jobs", {{"gpus", 1}, {"command", {"sleep", "600"}}}, cloud->token("member", "beta"));
  ASSERT_EQ(beta.status, 201) << beta.body;

  const std::string shots = std::filesystem::path(HEXA_BINARY).parent_path().string() + "/console-screenshots";
  std::filesystem::remove_all(shots);  // this run's screenshots, not an earlier one's
  const std::string log = shots + ".log";
  const int rc = run_node(kBrowserDir + "/console_test.mjs",
                          {{"HEXA_URL", cloud->url()},
                           {"HEXA_BIN", HEXA_BINARY},
                           {"HEXA_MEMBER_TOKEN", cloud->token("member", "alpha")},
                           {"HEXA_OPERATOR_TOKEN", cloud->token("operator")},
                           {"HEXA_BETA_JOB", std::to_string(beta.json["id"].get<std::int64_t>())},
                           {"HEXA_SHOTS", shots}},
                          log, std::chrono::seconds(200));
  std::stringstream said;
  said << std::ifstream(log).rdbuf();
  EXPECT_EQ(rc, 0) << "node tests/browser/console_test.mjs said:\n" << said.str();
  for (const char* page : {"login", "overview", "jobs", "job", "tenants", "credits", "nodes", "not-found", "nodes-operator"})
    EXPECT_TRUE(std::filesystem::exists(shots + "/console-" + page + ".png")) << page;
}

}  // namespace
}  // namespace hexa::testing
