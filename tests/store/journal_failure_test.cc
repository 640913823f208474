// An append that fails keeps nothing, says why, and leaves the journal usable.
#include <csignal>
#include <sys/resource.h>

#include "store_test_util.h"

namespace hexa::testing {
namespace {

std::vector<JournalEntry> batch_of(int n, std::size_t bytes, TimeMs now) {
  return std::vector<JournalEntry>(static_cast<std::size_t>(n), entry(now, std::string(bytes, 'c'), "r"));
}

// What a journal holds, to compare before and after a failure.
struct Contents {
  std::vector<std::int64_t> seqs;
  std::vector<std::uint32_t> archived;
  std::map<std::string, std::int64_t> counts;
};

Contents contents(const store::SqliteJournal& j) {
  Contents c;
  for (const JournalEntry& e : read_all(j)) c.seqs.push_back(e.seq);
  auto page = j.list_archived(everything());
  EXPECT_TRUE(page.ok());
  for (const ArchivedJob& a : *page) c.archived.push_back(a.id);
  c.counts = j.count_archived_by_state();
  return c;
}

void expect_same(const Contents& a, const Contents& b) {
  EXPECT_EQ(a.seqs, b.seqs);
  EXPECT_EQ(a.archived, b.archived);
  EXPECT_EQ(a.counts, b.counts);
}

// The failed batch writes entries, then archive rows (one moving a job already archived),
// and runs out of room part of the way through.
TEST(JournalFailure, FullDatabaseKeepsNothingAndRecovers) {
  TempDir dir;
  auto j = open_journal(dir.path());
  ASSERT_TRUE(j);
  std::vector<JournalEntry> first = batch_of(10, 300, 1);
  ASSERT_TRUE(j->append(first, {job(1, "/acme/"), job(2, "/acme/p/")}).ok());
  const Contents before = contents(*j);

  ASSERT_TRUE(j->limit_growth_for_testing(true).ok());
  std::vector<JournalEntry> big = batch_of(400, 4000, 2);
  Status st = j->append(big, {job(2, "/other/", "failed"), job(3, "/acme/")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("disk full"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("hexa.db"), std::string::npos) << st.message();
  EXPECT_EQ(big.front().seq, 0);  // not given out
  EXPECT_EQ(j->last_seq(), 10);
  expect_same(contents(*j), before);
  EXPECT_EQ(j->archived(2)->tenant_path, "/acme/p/");

  // Still full: a small batch fails too, and still keeps nothing.
  std::vector<JournalEntry> more = batch_of(400, 4000, 3);
  EXPECT_FALSE(j->append(more).ok());

  ASSERT_TRUE(j->limit_growth_for_testing(false).ok());  // room again
  std::vector<JournalEntry> next = batch_of(3, 300, 4);
  ASSERT_TRUE(j->append(next, {job(3, "/acme/")}).ok());
  EXPECT_EQ(next.front().seq, 11);
  EXPECT_EQ(next.back().seq, 13);

  j.reset();
  auto again = open_journal(dir.path());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->last_seq(), 13);
  const Contents after = contents(*again);
  ASSERT_EQ(after.seqs.size(), 13u);
  for (std::size_t i = 0; i < after.seqs.size(); ++i) EXPECT_EQ(after.seqs[i], static_cast<std::int64_t>(i) + 1);
  EXPECT_EQ(after.archived, (std::vector<std::uint32_t>{3, 2, 1}));
  EXPECT_EQ(after.counts.at("completed"), 3);
}

// The OS refuses to let a file grow (RLIMIT_FSIZE: EFBIG) while the batch is being written
// to the WAL: the commit itself fails, with an I/O error.
TEST(JournalFailure, FileSizeLimitFailsTheCommitAndRecovers) {
  TempDir dir;
  auto j = open_journal(dir.path());
  ASSERT_TRUE(j);
  std::vector<JournalEntry> first = batch_of(5, 300, 1);
  ASSERT_TRUE(j->append(first).ok());
  const Contents before = contents(*j);

  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills us at the limit
  struct rlimit low = old;
  low.rlim_cur = static_cast<rlim_t>(j->size_bytes() + 64 * 1024);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &low), 0);
  std::vector<JournalEntry> big = batch_of(2000, 4000, 2);  // 8 MB: past the db and WAL both
  Status st = j->append(big, {job(9, "/t/")});
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  // EFBIG is no ENOSPC: SQLite calls it an I/O error; the note on free space tells them apart.
  EXPECT_NE(st.message().find("I/O error: write failed"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("free on its file system"), std::string::npos) << st.message();
  EXPECT_EQ(j->last_seq(), 5);
  expect_same(contents(*j), before);

  std::vector<JournalEntry> next = batch_of(2, 300, 3);
  ASSERT_TRUE(j->append(next).ok());
  EXPECT_EQ(next.front().seq, 6);
  j.reset();
  auto again = open_journal(dir.path());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->last_seq(), 7);
  EXPECT_EQ(read_all(*again).size(), 7u);
  EXPECT_FALSE(again->archived(9).has_value());
}

TEST(JournalFailure, MalformedArchiveRowWritesNothing) {
  TempDir dir;
  auto j = open_journal(dir.path());
  ASSERT_TRUE(j);
  for (const char* bad : {"", "acme/", "/acme", "/acme//p/"}) {
    std::vector<JournalEntry> b = batch_of(2, 10, 1);
    Status st = j->append(b, {job(1, "/ok/"), job(2, bad)});
    EXPECT_EQ(st.code(), StatusCode::kInvalid) << bad;
  }
  std::vector<JournalEntry> b = batch_of(1, 10, 1);
  EXPECT_EQ(j->append(b, {job(1, "/ok/", "")}).code(), StatusCode::kInvalid);
  EXPECT_EQ(j->last_seq(), 0);
  EXPECT_FALSE(j->archived(1).has_value());
}

}  // namespace
}  // namespace hexa::testing
