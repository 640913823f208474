// Restarts: kill -9 the server at random moments of a submit storm from several clients; after
// each restart every acknowledged submit is there exactly once, the ledger balances, and the
// state digest equals a fresh replay of the journal (no snapshot). A torn or corrupt newest
// snapshot falls back to the one before. `scripts/kill_storm.sh` runs the same for 500 kills.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/storm.h"

namespace hexa::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(Restart, KillNineDuringASubmitStormLosesNothingAndDoublesNothing) {
  // No agents: the jobs stay pending, so the state after the storm is still.
  // No rate limit: 4 clients of one token submit as fast as the journal takes them.
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--snapshot-every", "300", "--rate-limit", "0"});
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  std::mt19937 rng(std::random_device{}());
  const char* env = std::getenv("HEXA_KILLS");
  const int kills = env ? std::atoi(env) : 20;
  Storm storm(*cloud, token, 4);
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    cloud->kill_server(SIGKILL);
    ASSERT_TRUE(cloud->restart_server()) << "restart " << k << ":\n" << cloud->server_log();
  }
  std::this_thread::sleep_for(300ms);
  storm.stop();
  auto acked = storm.acked();
  EXPECT_GT(acked.size(), static_cast<std::size_t>(kills)) << "the storm acknowledged almost nothing";
  check_acked(*cloud, acked, 4);
  check_fresh_replay(*cloud);
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  RecordProperty("retries", static_cast<int>(storm.retries()));
}

// The newest snapshot torn (cut short) or with a flipped byte: the server starts from the one
// before, says so, and replays the rest to the same state.
TEST(Restart, ATornOrCorruptNewestSnapshotFallsBackToTheOneBefore) {
  for (const char* damage : {"torn", "flipped"}) {
    auto cloud = LiveCloud::start(small_cloud(2, 2), {"--snapshot-every", "20"});
    ASSERT_TRUE(cloud);
    ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
    const std::string token = cloud->token("member", "acme");
    for (int i = 0; i < 60; ++i)
      ASSERT_EQ(cloud->call("POST", "/v1/jobs", {{"command", {"true"}}}, token).status, 201);
    std::this_thread::sleep_for(300ms);  // the snapshot after the last batch is written by then
    const std::string before = digest(*cloud);
    cloud->kill_server(SIGKILL);
    std::vector<fs::path> snaps;
    for (const auto& e : fs::directory_iterator(cloud->dir() + "/state/snapshots"))
      if (e.path().extension() == ".bin") snaps.push_back(e.path());
    std::sort(snaps.begin(), snaps.end());
    ASSERT_GE(snaps.size(), 2u) << "the test needs two snapshots";
    const fs::path newest = snaps.back();
    if (std::string(damage) == "torn") {
      fs::resize_file(newest, fs::file_size(newest) / 2);
    } else {
      std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(newest) - 7));
      f.put('\x5a');
    }
    ASSERT_TRUE(cloud->restart_server()) << cloud->server_log();
    EXPECT_EQ(digest(*cloud), before) << damage;
    EXPECT_NE(cloud->server_log().find("falling back"), std::string::npos) << cloud->server_log();
    Answer list = cloud->as_admin("GET", "/v1/jobs?limit=1000");
    EXPECT_EQ(list.json["jobs"].size(), 60u) << damage;
  }
}

}  // namespace
}  // namespace hexa::testing
