// Crash consistency: a child appends in a loop and is SIGKILLed at a random moment, twenty
// times over the same journal. After each kill: the seqs are contiguous, every append that
// returned OK before the kill is there, and the archive moved with its batch or not at all.
#include <csignal>
#include <fcntl.h>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "store_test_util.h"

namespace hexa::testing {
namespace {

// Each entry says which seq it expects to get, so that a row in the wrong place shows; each
// batch archives one job whose id is the batch's last seq.
std::string command_for(std::int64_t seq) { return "{\"seq\":" + std::to_string(seq) + ",\"pad\":\"" + std::string(250, 'p') + "\"}"; }

// The child: appends until killed; after each append that returned OK, writes the batch's
// last seq to `ack`. Never returns.
[[noreturn]] void append_until_killed(const std::string& dir, int ack, std::uint64_t seed) {
  auto opened = store::SqliteJournal::open(dir);
  if (!opened.ok()) ::_exit(2);
  auto& j = *opened.value();
  XorShift rng{seed};
  for (;;) {
    const std::int64_t first = j.last_seq() + 1;
    std::vector<JournalEntry> batch;
    for (std::int64_t seq = first; seq < first + 1 + static_cast<std::int64_t>(rng(64)); ++seq)
      batch.push_back(entry(seq, command_for(seq)));
    const auto last = static_cast<std::uint32_t>(first + static_cast<std::int64_t>(batch.size()) - 1);
    if (!j.append(batch, {job(last, "/crash/t/", "completed")}).ok()) ::_exit(3);
    std::int64_t acked = batch.back().seq;
    if (::write(ack, &acked, sizeof acked) != sizeof acked) ::_exit(4);
  }
}

// Everything the child acknowledged before it died.
std::vector<std::int64_t> read_acks(int fd) {
  std::vector<std::int64_t> acks;
  std::int64_t v = 0;
  while (::read(fd, &v, sizeof v) == sizeof v) acks.push_back(v);
  return acks;
}

void check_after_kill(const std::string& dir, const std::set<std::int64_t>& acked) {
  auto j = open_journal(dir);
  ASSERT_TRUE(j);
  const std::int64_t last = j->last_seq();
  ASSERT_GE(last, acked.empty() ? 0 : *acked.rbegin());
  std::int64_t expected = 1;
  for (const JournalEntry& e : read_all(*j)) {
    ASSERT_EQ(e.seq, expected);
    ASSERT_EQ(e.command, command_for(e.seq));
    ++expected;
  }
  ASSERT_EQ(expected - 1, last);
  for (std::int64_t seq : acked) ASSERT_TRUE(j->archived(static_cast<std::uint32_t>(seq)).has_value()) << seq;
  // No archive row from a batch that did not commit: each one names a batch end in the journal.
  auto rows = j->list_archived(everything());
  ASSERT_TRUE(rows.ok());
  for (const ArchivedJob& a : *rows) ASSERT_LE(a.id, last);
  EXPECT_EQ(j->count_archived_by_state()["completed"], static_cast<std::int64_t>(rows->size()));
}

TEST(Crash, KilledAppendsLoseNothingAcknowledged) {
  TempDir dir;
  XorShift rng{20240611};
  std::set<std::int64_t> acked;
  std::int64_t batches_before = 0;
  for (int round = 0; round < 20; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      append_until_killed(dir.path(), fds[1], 1000 + static_cast<std::uint64_t>(round));
    }
    ::close(fds[1]);
    // Sometimes while the child is still opening (or creating) the database.
    std::this_thread::sleep_for(std::chrono::microseconds(rng(round % 5 == 0 ? 3000 : 80000)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child ended by itself: status " << status;
    for (std::int64_t seq : read_acks(fds[0])) acked.insert(seq);
    ::close(fds[0]);
    SCOPED_TRACE("round " + std::to_string(round));
    check_after_kill(dir.path(), acked);
    if (HasFatalFailure()) return;
    batches_before = static_cast<std::int64_t>(acked.size());
  }
  EXPECT_GT(batches_before, 20);  // the kills did land among appends
}

}  // namespace
}  // namespace hexa::testing
