// Crash points (store/crash_point.h): the real server kills itself at each named point in the
// middle of a submit storm, is started again, and then every acknowledged submit is there exactly
// once, the ledger balances, and the state equals a fresh replay of the journal. A random kill -9
// (restart_test.cc) seldom lands between a commit and its answer or halfway through a snapshot;
// these land there every time.
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include <gtest/gtest.h>

#include "e2e/storm.h"
#include "store/crash_point.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

class CrashPoint : public ::testing::TestWithParam<std::string> {};

// The Nth pass: late enough that the storm is in full flow (and that snapshots have been pruned:
// the server keeps 3), early enough to come within a few seconds.
std::string armed(const std::string& point) {
  return point + (point.starts_with("append.") ? ":40" : point == "snapshot.prune" ? ":1" : ":3");
}

TEST_P(CrashPoint, TheServerDiesThereAndLosesNothingAndDoublesNothing) {
  const std::string point = GetParam();
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--snapshot-every", "30", "--rate-limit", "0"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  cloud->kill_server(SIGKILL);
  cloud->set_server_env({{"HEXA_CRASH_AT", armed(point)}});
  ASSERT_TRUE(cloud->restart_server()) << cloud->server_log();
  {
    Storm storm(*cloud, token, 4);
    const int status = cloud->wait_server_exit(30s);
    ASSERT_NE(status, -1) << "the server did not reach " << point << ":\n" << cloud->server_log();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    EXPECT_NE(cloud->server_log().find("crash point '" + point + "' armed"), std::string::npos);
    cloud->set_server_env({});
    ASSERT_TRUE(cloud->restart_server()) << cloud->server_log();
    std::this_thread::sleep_for(300ms);  // the clients' retries land on the new server
    storm.stop();
    EXPECT_GT(storm.acked().size(), 10u) << "the storm acknowledged almost nothing";
    check_acked(*cloud, storm.acked(), 4);
  }
  check_fresh_replay(*cloud);
}

INSTANTIATE_TEST_SUITE_P(EveryPoint, CrashPoint, ::testing::ValuesIn(crash_point_names()),
                         [](const ::testing::TestParamInfo<std::string>& point) {
                           std::string name = point.param;
                           for (char& c : name) c = c == '.' ? '_' : c;
                           return name;
                         });

// A wrong HEXA_CRASH_AT is bad input: the server refuses to start, naming the variable.
TEST(CrashPointEnv, AnUnknownPointOrCountIsRefusedAtStart) {
  auto cloud = LiveCloud::start(small_cloud(1, 1));
  ASSERT_TRUE(cloud);
  for (const char* bad : {"append.nowhere", "append.after_commit:0", "append.after_commit:x"}) {
    cloud->kill_server(SIGTERM);
    cloud->set_server_env({{"HEXA_CRASH_AT", bad}});
    EXPECT_FALSE(cloud->restart_server(10s)) << bad;
    EXPECT_NE(cloud->server_log().find(std::string("HEXA_CRASH_AT: ")), std::string::npos) << cloud->server_log();
  }
  cloud->set_server_env({});
  EXPECT_TRUE(cloud->restart_server()) << cloud->server_log();
}

}  // namespace
}  // namespace hexa::testing
