#include <atomic>
#include <fstream>
#include <thread>

#include "journal_backends.h"

namespace hexa::testing {
namespace {

class JournalOnEveryBackend : public JournalBackendTest {};
HEXA_ON_EVERY_JOURNAL(JournalOnEveryBackend);

TEST_P(JournalOnEveryBackend, AppendThenReadRoundTrip) {
  auto j = open();
  ASSERT_TRUE(j);
  EXPECT_EQ(j->last_seq(), 0);
  std::vector<JournalEntry> batch = {entry(5, R"({"submit":{"tenant":"acme"}})", "acme/key-1"),
                                     entry(5, R"({"cancel":7})"), entry(5, R"({"schedule":{}})")};
  ASSERT_TRUE(j->append(batch).ok());
  EXPECT_EQ(batch[0].seq, 1);
  EXPECT_EQ(batch[1].seq, 2);
  EXPECT_EQ(batch[2].seq, 3);
  EXPECT_EQ(j->last_seq(), 3);

  std::vector<JournalEntry> all = read_all(*j);
  ASSERT_EQ(all.size(), 3u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, batch[i].seq);
    EXPECT_EQ(all[i].now, 5);
    EXPECT_EQ(all[i].command, batch[i].command);
    EXPECT_EQ(all[i].request_id, batch[i].request_id);
  }
  std::vector<JournalEntry> tail = read_all(*j, 2);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].seq, 3);
  EXPECT_TRUE(read_all(*j, 3).empty());
}

TEST_P(JournalOnEveryBackend, SeqsStayContiguousAcrossReopen) {
  {
    auto j = open();
    ASSERT_TRUE(j);
    std::vector<JournalEntry> b = {entry(1, "a"), entry(1, "b")};
    ASSERT_TRUE(j->append(b).ok());
  }
  auto j = open();
  ASSERT_TRUE(j);
  EXPECT_EQ(j->last_seq(), 2);
  std::vector<JournalEntry> b = {entry(2, "c"), entry(2, "d"), entry(2, "e")};
  ASSERT_TRUE(j->append(b).ok());
  EXPECT_EQ(b.front().seq, 3);
  EXPECT_EQ(b.back().seq, 5);
  std::vector<JournalEntry> all = read_all(*j);
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, static_cast<std::int64_t>(i) + 1);
  EXPECT_EQ(all[4].command, "e");
}

TEST_P(JournalOnEveryBackend, EmptyAppendIsANoOp) {
  auto j = open();
  ASSERT_TRUE(j);
  std::vector<JournalEntry> none;
  ASSERT_TRUE(j->append(none).ok());
  EXPECT_EQ(j->last_seq(), 0);
  EXPECT_TRUE(read_all(*j).empty());
}

TEST_P(JournalOnEveryBackend, BigAndAwkwardTextRoundTrips) {
  auto j = open();
  ASSERT_TRUE(j);
  std::string big(1 << 20, 'x');
  std::string awkward = "quote ' double \" nul-free unicode \xC3\xA9\xE2\x82\xAC newline\n;DROP TABLE journal;--";
  std::vector<JournalEntry> b = {entry(1, big, awkward), entry(2, awkward, "")};
  ASSERT_TRUE(j->append(b).ok());
  std::vector<JournalEntry> all = read_all(*j);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].command, big);
  EXPECT_EQ(all[0].request_id, awkward);
  EXPECT_EQ(all[1].command, awkward);
}

TEST_P(JournalOnEveryBackend, ReadStopsAtTheFirstError) {
  auto j = open();
  ASSERT_TRUE(j);
  std::vector<JournalEntry> b = {entry(1, "a"), entry(1, "b"), entry(1, "c")};
  ASSERT_TRUE(j->append(b).ok());
  int calls = 0;
  Status st = j->read(0, [&](const JournalEntry& e) {
    ++calls;
    return e.seq == 2 ? Status::Invalid("cannot decode 2") : Status::Ok();
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_EQ(st.message(), "cannot decode 2");
  EXPECT_EQ(read_all(*j).size(), 3u);  // the statement was reset: the next read starts afresh
}

TEST(Journal, MissingDirectoryIsNotFound) {
  TempDir dir;
  auto j = Journal::open(dir.file("nope"));
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kNotFound);
  EXPECT_NE(j.status().message().find("nope"), std::string::npos);
}

TEST(Journal, OneOpenAtATimePerDirectory) {
  TempDir dir;
  auto first = Journal::open(dir.path());
  ASSERT_TRUE(first.ok());
  auto second = Journal::open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("hexa.lock"), std::string::npos) << second.status().message();
  first.value().reset();
  EXPECT_TRUE(Journal::open(dir.path()).ok());
}

TEST(Journal, ForeignFileIsRefused) {
  TempDir dir;
  {
    std::ofstream f(dir.file("hexa.db"), std::ios::binary);
    f << std::string(8192, 'z');
  }
  auto j = Journal::open(dir.path());
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("not a database"), std::string::npos) << j.status().message();
}

TEST_P(JournalOnEveryBackend, SizeCountsDatabaseAndWal) {
  auto j = open();
  ASSERT_TRUE(j);
  const std::int64_t before = j->size_bytes();
  EXPECT_GT(before, 0);
  std::vector<JournalEntry> b(100, entry(1, std::string(1000, 'p')));
  ASSERT_TRUE(j->append(b).ok());
  EXPECT_GE(j->size_bytes(), before + 100 * 1000);
}

// Queries run on their own connection while appends go on: they see whole batches only.
TEST_P(JournalOnEveryBackend, QueriesDuringAppendsSeeWholeBatches) {
  auto j = open();
  ASSERT_TRUE(j);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint32_t i = 0; i < 200; ++i) {
      std::vector<JournalEntry> b = {entry(i, "x"), entry(i, "y"), entry(i, "z")};
      EXPECT_TRUE(j->append(b, {job(i, "/t/")}).ok());
    }
    done = true;
  });
  int reads = 0;
  while (!done || reads == 0) {
    const std::size_t n = read_all(*j).size();
    EXPECT_EQ(n % 3, 0u);
    auto page = j->list_archived({});
    ASSERT_TRUE(page.ok());
    (void)j->count_archived_by_state();
    ++reads;
  }
  writer.join();
  EXPECT_EQ(j->last_seq(), 600);
  EXPECT_EQ(j->count_archived_by_state().at("completed"), 200);
}

}  // namespace
}  // namespace hexa::testing
