// A full disk: the server's state directory on a small tmpfs that fills up. New writes are
// refused with 503 and the reason, reads go on, writes resume once space returns, and nothing
// acknowledged is lost across a restart. Mounting needs root (CI runs as root); elsewhere the
// test skips, and the deterministic simulation's failing appends cover the same path.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "e2e/storm.h"

namespace hexa::testing {
namespace {

namespace fs = std::filesystem;

// A tmpfs of `size` at `path`, in a mount namespace of this test process's own (the server it
// forks sees it; nothing outlives the process), detached when this goes.
class SmallDisk {
 public:
  bool mount(const std::string& path, const std::string& size) {
    fs::create_directories(path);
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
    mounted_ = ::mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0755").c_str()) == 0;
    if (mounted_) path_ = path;
    return mounted_;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }

 private:
  std::string path_;
  bool mounted_ = false;
};

// Writes `path` until the file system is full; true when it is.
bool fill(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  const std::string block(64 * 1024, 'x');
  for (int i = 0; i < 4096 && out; ++i) out.write(block.data(), static_cast<std::streamsize>(block.size())), out.flush();
  return !out;  // ENOSPC
}

Answer submit(LiveCloud& c, const std::string& token, const std::string& key) {
  return c.call("POST", "/v1/jobs", {{"gpus", 1}, {"command", {"true"}}}, token, {{"Idempotency-Key", key}});
}

TEST(ServerDiskFull, WritesAre503WithTheReasonReadsGoOnAndWritesResumeWhenSpaceReturns) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  SmallDisk disk;
  bool mounted = false;
  auto cloud = LiveCloud::start(small_cloud(2, 2), {"--snapshot-every", "50", "--rate-limit", "0"}, "",
                                [&](const std::string& dir) { mounted = disk.mount(dir + "/state", "16m"); });
  if (!mounted) GTEST_SKIP() << "this machine does not let a test mount a tmpfs";
  ASSERT_TRUE(cloud);
  ASSERT_EQ(cloud->as_admin("POST", "/v1/tenants", {{"name", "acme"}}).status, 201);
  const std::string token = cloud->token("member", "acme");
  std::map<std::string, std::int64_t> acked;
  for (int i = 0; i < 20; ++i) {
    Answer a = submit(*cloud, token, "before-" + std::to_string(i));
    ASSERT_EQ(a.status, 201) << a.body;
    acked["before-" + std::to_string(i)] = a.json["id"];
  }

  const std::string filler = cloud->dir() + "/state/filler";
  ASSERT_TRUE(fill(filler)) << "the small disk did not fill up";
  // SQLite may still have room in pages it holds: submit until the journal is refused.
  Answer refused;
  for (int i = 0; i < 5000; ++i) {
    const std::string key = "full-" + std::to_string(i);
    refused = submit(*cloud, token, key);
    if (refused.status != 201) break;
    acked[key] = refused.json["id"];
  }
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.headers.count("retry-after"), 1u);
  const std::string detail = refused.json.value("detail", "");
  EXPECT_NE(detail.find("full"), std::string::npos) << "the reason is named: " << detail;
  EXPECT_NE(detail.find("free on its file system"), std::string::npos) << detail;

  // Reads go on while writes are refused.
  EXPECT_EQ(cloud->call("GET", "/v1/jobs", nullptr, token).status, 200);
  EXPECT_EQ(cloud->call("GET", "/v1/jobs/" + std::to_string(acked.begin()->second), nullptr, token).status, 200);
  EXPECT_EQ(cloud->call("GET", "/healthz").status, 200);
  EXPECT_EQ(submit(*cloud, token, "still-full").status, 503) << "still full: still refused";

  fs::remove(filler);  // space returns
  Answer again = submit(*cloud, token, "after");
  EXPECT_EQ(again.status, 201) << again.body;
  if (again.status == 201) acked["after"] = again.json["id"];
  EXPECT_NE(cloud->server_log().find("full"), std::string::npos) << "the server said why it refused";

  // Nothing acknowledged is lost, nothing refused was made, and the state is a replay.
  cloud->kill_server(SIGKILL);
  ASSERT_TRUE(cloud->restart_server()) << cloud->server_log();
  check_acked(*cloud, acked, 0);  // 0 in flight: a refused submit made no job
  check_fresh_replay(*cloud);
}

}  // namespace
}  // namespace hexa::testing
