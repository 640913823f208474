// A real full disk: the journal on a 1 MiB tmpfs, mounted in a child process's own mount
// namespace (so that nothing outlives the test). Skipped where the machine does not allow
// that (no root, no user namespaces).
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_test_util.h"

namespace hexa::testing {
namespace {

constexpr int kCannotMount = 77;

// What the child found wrong, one line each, sent to the parent.
struct Report {
  int fd;
  void fail(const std::string& what) const {
    std::string line = what + "\n";
    (void)!::write(fd, line.data(), line.size());
  }
  void check(bool ok, const std::string& what) const {
    if (!ok) fail(what);
  }
};

bool write_file(const char* path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.close();
  return f.good();
}

// Gives the child a private mount namespace (as root, or as the owner of a new user namespace).
bool private_mounts() {
  if (::unshare(CLONE_NEWNS) != 0) {
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
      return false;
  }
  // Private: the tmpfs below must not show in the parent's namespace.
  return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}

std::vector<JournalEntry> batch64(TimeMs now) { return std::vector<JournalEntry>(64, entry(now, std::string(300, 'c'))); }

// Fills the disk with appends, checks the failure, frees room, checks recovery and reopen.
void fill_then_recover(const std::string& dir, const Report& r) {
  const std::string filler = dir + "/filler";
  r.check(write_file(filler.c_str(), std::string(256 * 1024, 'f')), "cannot write the filler file");
  auto opened = store::SqliteJournal::open(dir);
  if (!opened.ok()) return r.fail("open: " + opened.status().message());
  auto j = std::move(opened).value();
  std::int64_t acked = 0;
  std::uint32_t batches = 0;
  Status st;
  for (int i = 0; i < 10000 && st.ok(); ++i) {
    std::vector<JournalEntry> b = batch64(i);
    st = j->append(b, {job(batches, "/t/")});
    if (st.ok()) acked = b.back().seq, ++batches;
  }
  if (st.ok()) return r.fail("the disk never filled");
  r.check(st.code() == StatusCode::kUnavailable, "not Unavailable: " + st.message());
  r.check(st.message().find("disk full") != std::string::npos, "no 'disk full' in: " + st.message());
  const std::string full = st.message();
  r.check(j->last_seq() == acked, "last_seq moved: " + std::to_string(j->last_seq()));
  r.check(static_cast<std::int64_t>(read_all(*j).size()) == acked, "entries of the failed batch are visible");

  ::unlink(filler.c_str());  // room again
  std::vector<JournalEntry> b = batch64(0);
  st = j->append(b, {job(batches, "/t/")});
  r.check(st.ok(), "append after freeing room: " + st.message());
  r.check(b.front().seq == acked + 1, "seq after recovery: " + std::to_string(b.front().seq));
  j.reset();

  auto again = store::SqliteJournal::open(dir);
  if (!again.ok()) return r.fail("reopen: " + again.status().message());
  std::vector<JournalEntry> all = read_all(**again);
  r.check(static_cast<std::int64_t>(all.size()) == acked + 64, "after reopen: " + std::to_string(all.size()) + " entries");
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].seq != static_cast<std::int64_t>(i) + 1) return r.fail("seqs not contiguous after reopen");
  r.check((*again)->count_archived_by_state()["completed"] == batches + 1, "archive rows after reopen");
  r.fail("info: the disk filled after " + std::to_string(acked) + " entries: " + full);
}

TEST(DiskFull, RealFullDiskKeepsNothingAndRecoversWhenRoomIsMade) {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (!private_mounts() || ::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=1m") != 0) ::_exit(kCannotMount);
    fill_then_recover(dir.path(), Report{fds[1]});
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string lines;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) lines.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kCannotMount) GTEST_SKIP() << "cannot mount a tmpfs here";
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status << "\n" << lines;
  std::size_t info = lines.find("info: ");
  ASSERT_NE(info, std::string::npos) << lines;
  EXPECT_EQ(info, 0u) << lines;  // nothing went wrong before the closing note
  std::cout << lines;
}

}  // namespace
}  // namespace hexa::testing
