// `hexa up --postgres URL` (docs/operations.md): three replicas on one PostgreSQL database and
// local agents given every replica's URL; one replica leads; Ctrl-C stops it all. Bad flags are
// refused naming the flag and the rule.
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/replicas.h"
#include "run_hexa.h"
#include "store/pg_fixture.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether a listener could bind 127.0.0.1:port now.
bool bindable(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A port P with P, P+1 and P+2 free on 127.0.0.1 now; 0 when none was found. Drawn below
// Linux's ephemeral range (32768-60999), where the other tests' servers (port 0) and every
// outgoing connection take theirs: there, P+1 was taken by one of them before replica r1 bound it.
int three_free_ports() {
  std::mt19937 draw(static_cast<std::uint32_t>(::getpid()) ^ static_cast<std::uint32_t>(Clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int p = 20000 + static_cast<int>(draw() % 12000);
    if (bindable(p) && bindable(p + 1) && bindable(p + 2)) return p;
  }
  return 0;
}

TEST(UpPostgres, BadFlagsNameTheFlagAndTheRule) {
  Exit replicas = run_hexa("up", {"--replicas", "2", "--state", temp_path("up-bad")});
  EXPECT_EQ(replicas.code, 2) << replicas.output();
  EXPECT_NE(replicas.output().find("--replicas: needs --postgres"), std::string::npos) << replicas.output();
  Exit url = run_hexa("up", {"--postgres", "mysql://u:secret@h/db", "--state", temp_path("up-bad")});
  EXPECT_EQ(url.code, 2) << url.output();
  EXPECT_NE(url.output().find("--postgres: must begin with postgresql://"), std::string::npos) << url.output();
  EXPECT_EQ(url.output().find("secret"), std::string::npos) << url.output();
  Exit port = run_hexa("up", {"--postgres", "postgresql://u@h/db", "--listen", "127.0.0.1:0", "--state", temp_path("up-bad")});
  EXPECT_EQ(port.code, 2) << port.output();
  EXPECT_NE(port.output().find("--listen 127.0.0.1:0"), std::string::npos) << port.output();
  Exit many = run_hexa("up", {"--postgres", "postgresql://u@h/db", "--replicas", "10"});
  EXPECT_NE(many.code, 0);
  EXPECT_NE(many.output().find("--replicas"), std::string::npos) << many.output();
}

TEST(UpPostgres, ThreeReplicasOneLeadsAgentsUpCtrlCStopsAll) {
  HEXA_NEED_PG();
  const std::string db = PgCluster::get().new_database();
  ASSERT_FALSE(db.empty());
  const int port = three_free_ports();
  ASSERT_GT(port, 0);
  char tmpl[] = "/tmp/hexa-e2e-up-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ::chmod(tmpl, 0755);
  const pid_t up = spawn({HEXA_BINARY, "up", "--postgres", db, "--listen", "127.0.0.1:" + std::to_string(port), "--state",
                          dir + "/state", "--agents", "2", "--gpus-per-agent", "1", "--stop-grace-s", "1"},
                         dir + "/up.log", dir);
  std::string log;
  for (auto until = Clock::now() + 90s; Clock::now() < until && log.find("Ctrl-C stops it all") == std::string::npos;
       log = slurp(dir + "/up.log"))
    std::this_thread::sleep_for(100ms);
  ASSERT_NE(log.find("Ctrl-C stops it all"), std::string::npos) << log;
  std::string urls;
  for (int i = 0; i < 3; ++i) urls += (i ? "," : "") + ("http://127.0.0.1:" + std::to_string(port + i));
  EXPECT_NE(log.find("Hexagone is up: " + urls), std::string::npos) << log;
  // One leader, two followers; both agents up, seen through any replica.
  int leaders = 0;
  for (int i = 0; i < 3; ++i) {
    auto c = HttpClient::make("http://127.0.0.1:" + std::to_string(port + i));
    ASSERT_TRUE(c.ok());
    auto r = (*c)->request("GET", "/healthz", "", {}, 5000);
    ASSERT_TRUE(r.ok()) << r.status().message();
    leaders += r->header("X-Hexa-Role") == "leader" ? 1 : 0;
  }
  EXPECT_EQ(leaders, 1);
  std::string out, err;
  const std::map<std::string, std::string> env = {{"HEXA_SERVER", urls}, {"HEXA_TOKEN_FILE", dir + "/state/r0/admin.token"}};
  for (auto until = Clock::now() + 30s; Clock::now() < until; std::this_thread::sleep_for(200ms)) {
    run_program({HEXA_BINARY, "nodes"}, env, &out, &err);
    if (out.find("n0") != std::string::npos && out.find("n1") != std::string::npos &&
        out.find("yes") != out.rfind("yes"))
      break;
  }
  EXPECT_NE(out.find("yes"), out.rfind("yes")) << "both agents up: " << out << err;
  ::kill(up, SIGINT);
  int status = 0;
  bool ended = false;
  for (auto until = Clock::now() + 90s; Clock::now() < until && !ended; std::this_thread::sleep_for(100ms))
    ended = ::waitpid(up, &status, WNOHANG) == up;
  EXPECT_TRUE(ended) << slurp(dir + "/up.log");
  if (!ended) stop_pid(up, SIGKILL);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(dir + "/up.log");
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(slurp(dir + "/state/r" + std::to_string(i) + "/serve.log").find("stopped"), std::string::npos) << i;
  kill_leftovers(dir);
  if (!::getenv("HEXA_KEEP_E2E")) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
}

}  // namespace
}  // namespace hexa::testing
