// `hexa serve --db postgresql://...`: the journal, snapshots and tokens in PostgreSQL. Kill -9
// during a submit storm and restart: nothing acknowledged lost or doubled, and the state after
// a restart (a replay of the journal, or a snapshot and the rest) equals the state before.
#include <signal.h>

#include <gtest/gtest.h>

#include "e2e/storm.h"
#include "store/pg_fixture.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;

TEST(PgServe, KillNineDuringASubmitStormThenReplayGivesTheSameState) {
  HEXA_NEED_PG();
  const std::string db = PgCluster::get().new_database();
  ASSERT_FALSE(db.empty());
  // No snapshots (so no compaction): every restart replays the journal from its first row.
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--db", db, "--rate-limit", "0", "--snapshot-every", "1000000000"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  Storm storm(*cloud, token, 4);
  for (int k = 0; k < 2; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 200 * k));
    cloud->kill_server(SIGKILL);
    // The new server waits for the killed one's lease (5 s) to lapse.
    ASSERT_TRUE(cloud->restart_server(30s)) << "restart " << k << ":\n" << cloud->server_log();
  }
  std::this_thread::sleep_for(300ms);
  storm.stop();
  auto acked = storm.acked();
  EXPECT_GT(acked.size(), 2u) << "the storm acknowledged almost nothing";
  check_acked(*cloud, acked, 4);
  const std::string before = digest(*cloud);
  cloud->kill_server(SIGKILL);
  ASSERT_TRUE(cloud->restart_server(30s)) << cloud->server_log();
  EXPECT_EQ(digest(*cloud), before) << "a replay of the journal in PostgreSQL gives another state";
  // The SQLite file was never made: the state directory keeps the logs only.
  EXPECT_FALSE(std::filesystem::exists(cloud->dir() + "/state/hexa.db"));
}

TEST(PgServe, SnapshotsInTheDatabaseRestoreTheSameState) {
  HEXA_NEED_PG();
  const std::string db = PgCluster::get().new_database();
  ASSERT_FALSE(db.empty());
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--db", db, "--rate-limit", "0", "--snapshot-every", "20"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  for (int i = 0; i < 90; ++i)
    ASSERT_EQ(cloud->call("POST", "/v1/jobs", {{"gpus", 1}, {"command", {"true"}}}, token).status, 201);
  std::this_thread::sleep_for(500ms);  // the last snapshot is written by a thread of its own
  const std::string before = digest(*cloud);
  cloud->kill_server(SIGKILL);
  ASSERT_TRUE(cloud->restart_server(30s)) << cloud->server_log();
  EXPECT_EQ(digest(*cloud), before) << "snapshot + replay from PostgreSQL gives another state";
  EXPECT_NE(cloud->server_log().find("restored the snapshot at journal row"), std::string::npos) << cloud->server_log();
  EXPECT_FALSE(std::filesystem::exists(cloud->dir() + "/state/snapshots"));
}

TEST(PgServe, ABadDbUrlIsRefusedNamingTheFlag) {
  std::string out, err;
  auto cloud = LiveCloud::start(small_cloud(1, 1));
  ASSERT_TRUE(cloud);
  // A second server on the same state directory would fail on its lock: use another.
  const std::string cmd = std::string(HEXA_BINARY) + " serve --config " + cloud->dir() + "/cloud.yaml --state " +
                          cloud->dir() + "/other --db 'mysql://u:topsecret@h/db' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  EXPECT_EQ(WEXITSTATUS(::pclose(p)), 2) << out;
  EXPECT_NE(out.find("--db"), std::string::npos) << out;
  EXPECT_NE(out.find("postgresql://"), std::string::npos) << out;
  EXPECT_EQ(out.find("topsecret"), std::string::npos) << out;
}

}  // namespace
}  // namespace hexa::testing
