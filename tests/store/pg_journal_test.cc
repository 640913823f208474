// What only the PostgreSQL journal does: snapshots in the database and the compaction they
// allow, its URLs and their passwords, riding out a restart of PostgreSQL.
#include "journal_backends.h"
#include "store/journal_open.h"

namespace hexa::testing {
namespace {

class PgJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HEXA_NEED_PG();
    url_ = PgCluster::get().new_database();
    ASSERT_FALSE(url_.empty());
  }
  std::string url_;
};

std::vector<JournalEntry> rows(int n, TimeMs now) {
  std::vector<JournalEntry> b;
  for (int i = 0; i < n; ++i) b.push_back(entry(now, "c" + std::to_string(now) + "." + std::to_string(i)));
  return b;
}

// Accepts the first snapshot it is offered, remembering it.
struct Taker {
  std::int64_t seq = -1;
  std::string bytes;
  Status operator()(std::int64_t s, std::string_view b) {
    seq = s, bytes = std::string(b);
    return Status::Ok();
  }
};

TEST_F(PgJournalTest, SnapshotsKeepTheNewestThreeAndCompactTheJournal) {
  auto j = open_pg(url_);
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->keeps_snapshots());
  std::vector<JournalEntry> b = rows(10, 1);
  ASSERT_TRUE(j->append(b).ok());
  Taker none;
  EXPECT_FALSE(j->load_snapshot(std::ref(none)).seq.has_value());

  ASSERT_TRUE(j->save_snapshot(2, "state at 2").ok());
  EXPECT_EQ(*j->compacted_through(), 2);  // one kept: rows 1..2 are in it
  ASSERT_TRUE(j->save_snapshot(5, std::string("state\0at 5", 10)).ok());
  ASSERT_TRUE(j->save_snapshot(7, "state at 7").ok());
  ASSERT_TRUE(j->save_snapshot(9, "state at 9").ok());
  EXPECT_EQ(*j->compacted_through(), 5);  // kept: 5, 7, 9

  Taker t;
  SnapshotLoad loaded = j->load_snapshot(std::ref(t));
  ASSERT_TRUE(loaded.seq.has_value());
  EXPECT_EQ(*loaded.seq, 9);
  EXPECT_EQ(t.bytes, "state at 9");
  // Refused ones are passed over, newest first, each with a note; bytes come back whole.
  int offered = 0;
  std::string got;
  loaded = j->load_snapshot([&](std::int64_t seq, std::string_view bytes) -> Status {
    ++offered;
    if (seq != 5) return Status::Invalid("not this one");
    got = std::string(bytes);
    return Status::Ok();
  });
  EXPECT_EQ(offered, 3);
  EXPECT_EQ(loaded.seq, 5);
  EXPECT_EQ(got, std::string("state\0at 5", 10));
  ASSERT_EQ(loaded.notes.size(), 2u);
  EXPECT_NE(loaded.notes[0].find("refused (not this one)"), std::string::npos) << loaded.notes[0];

  // Rows 1..5 are gone: reading from before them says so; from 5 on, all is there.
  Status st = j->read(0, [](const JournalEntry&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("rows 1 to 5 were compacted"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("load a snapshot"), std::string::npos) << st.message();
  EXPECT_EQ(j->read(4, [](const JournalEntry&) { return Status::Ok(); }).code(), StatusCode::kNotFound);
  std::vector<JournalEntry> tail = read_all(*j, 5);
  ASSERT_EQ(tail.size(), 5u);
  EXPECT_EQ(tail.front().seq, 6);
  EXPECT_EQ(j->last_seq(), 10);
}

TEST_F(PgJournalTest, TheDatabaseStaysBoundedAndSeqsGoOnAfterEverythingWasCompacted) {
  std::int64_t size_after_first = 0;
  {
    auto j = open_pg(url_);
    ASSERT_TRUE(j);
    for (int round = 1; round <= 20; ++round) {
      std::vector<JournalEntry> b(200, entry(round, std::string(500, 'r')));
      ASSERT_TRUE(j->append(b).ok());
      ASSERT_TRUE(j->save_snapshot(j->last_seq(), "s" + std::to_string(round)).ok());
      if (round == 5) size_after_first = j->size_bytes();
    }
    // Snapshots at 3600, 3800, 4000 kept: rows 3601..4000 remain.
    EXPECT_EQ(*j->compacted_through(), 3600);
    EXPECT_EQ(read_all(*j, 3600).size(), 400u);
    // Rows deleted, space reused (autovacuum may lag: generous bound, no exact figure).
    EXPECT_LT(j->size_bytes(), 4 * size_after_first + (4 << 20));
    ASSERT_TRUE(j->save_snapshot(4000, "s").ok());
    ASSERT_TRUE(j->save_snapshot(4000, "s again").ok());
  }
  auto j = open_pg(url_);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->last_seq(), 4000);
  std::vector<JournalEntry> b = {entry(99, "after")};
  ASSERT_TRUE(j->append(b).ok());
  EXPECT_EQ(b[0].seq, 4001);
}

TEST_F(PgJournalTest, ACorruptSnapshotIsPassedOver) {
  auto j = open_pg(url_);
  ASSERT_TRUE(j);
  ASSERT_TRUE(j->save_snapshot(0, "old").ok());
  std::vector<JournalEntry> b = rows(3, 1);
  ASSERT_TRUE(j->append(b).ok());
  ASSERT_TRUE(j->save_snapshot(3, "new").ok());
  // Damage it behind the journal's back, as a bad disk or a hand edit would.
  auto t = store::parse_pg_url(url_);
  ASSERT_TRUE(t.ok());
  store::PgConn c(*t, "test");
  ASSERT_TRUE(c.exec("damage", "UPDATE hexa_snapshots SET bytes = 'nEw' WHERE seq = 3").ok());
  Taker taker;
  SnapshotLoad loaded = j->load_snapshot(std::ref(taker));
  EXPECT_EQ(loaded.seq, 0);
  EXPECT_EQ(taker.bytes, "old");
  ASSERT_EQ(loaded.notes.size(), 1u);
  EXPECT_NE(loaded.notes[0].find("corrupt (checksum)"), std::string::npos) << loaded.notes[0];
}

TEST_F(PgJournalTest, AHoleIsInvalid) {
  auto j = open_pg(url_);
  ASSERT_TRUE(j);
  std::vector<JournalEntry> b = rows(5, 1);
  ASSERT_TRUE(j->append(b).ok());
  auto t = store::parse_pg_url(url_);
  store::PgConn c(*t, "test");
  ASSERT_TRUE(c.exec("damage", "DELETE FROM hexa_journal WHERE seq = 3").ok());
  Status st = j->read(0, [](const JournalEntry&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("entry 4 follows 2"), std::string::npos) << st.message();
}

TEST_F(PgJournalTest, ADuplicateSeqIsAConflictAndWritesNothing) {
  auto j = open_pg(url_);
  ASSERT_TRUE(j);
  std::vector<JournalEntry> b = rows(2, 1);
  ASSERT_TRUE(j->append(b).ok());
  // Another writer slipped a row in (by hand: the lease keeps servers from doing so).
  auto t = store::parse_pg_url(url_);
  store::PgConn c(*t, "test");
  ASSERT_TRUE(c.exec("insert", "INSERT INTO hexa_journal VALUES (3, 1, 'intruder', '')").ok());
  std::vector<JournalEntry> more = rows(2, 2);
  Status st = j->append(more, {job(1, "/t/")});
  EXPECT_EQ(st.code(), StatusCode::kConflict) << st.message();
  EXPECT_FALSE(j->archived(1).has_value());
  EXPECT_EQ(j->last_seq(), 3);  // counted again
  ASSERT_TRUE(j->append(more).ok());
  EXPECT_EQ(more[0].seq, 4);
}

TEST_F(PgJournalTest, BadUrlsAreInvalidAndNameTheRule) {
  for (const char* bad : {"mysql://u@h/db", "127.0.0.1:5432", "postgresql://u:secret@h:notaport/db?nosuch=1"}) {
    auto j = hexa::open_journal(bad, "/nonexistent");
    ASSERT_FALSE(j.ok()) << bad;
    EXPECT_EQ(j.status().code(), StatusCode::kInvalid) << bad << ": " << j.status().message();
    EXPECT_EQ(j.status().message().find("secret"), std::string::npos) << j.status().message();
  }
  auto j = hexa::open_journal("mysql://u@h/db", "/x");
  EXPECT_NE(j.status().message().find("postgresql://"), std::string::npos) << j.status().message();
}

// PostgreSQL's words and where, never the password, whichever way it was given.
TEST_F(PgJournalTest, UnreachableIsUnavailableWithoutThePassword) {
  // Port 1: nothing listens there (the error says "Connection refused", checked below).
  for (const std::string& url : {std::string("postgresql://hexa:s3cr3t-pw@127.0.0.1:1/hexa"),
                                std::string("postgres://hexa@127.0.0.1:1/hexa?password=s3cr3t-pw&connect_timeout=2")}) {
    auto j = store::PgJournal::open(url);
    ASSERT_FALSE(j.ok());
    const std::string msg = j.status().message();
    EXPECT_EQ(j.status().code(), StatusCode::kUnavailable) << msg;
    EXPECT_EQ(msg.find("s3cr3t"), std::string::npos) << msg;
    EXPECT_NE(msg.find("127.0.0.1:1/hexa"), std::string::npos) << msg;
    EXPECT_NE(msg.find("onnection refused"), std::string::npos) << msg;
  }
  EXPECT_EQ(store::redact("postgresql://u:pw1234@h/db x pw1234", "pw1234"), "postgresql://u:***@h/db x ***");
  EXPECT_EQ(store::redact("postgres://u@h/db?sslmode=off&password=abc&x=1", ""),
            "postgres://u@h/db?sslmode=off&password=***&x=1");
}

// The URL with a password (trust authentication ignores it) works, and errors leave it out.
TEST_F(PgJournalTest, APasswordInTheUrlNeverShows) {
  std::string url = url_;
  url.insert(url.find('@'), ":hunter2-pw");
  auto j = open_pg(url);
  ASSERT_TRUE(j);
  std::vector<JournalEntry> b = rows(1, 1);
  ASSERT_TRUE(j->append(b).ok());
  std::string bad = url.substr(0, url.rfind('/')) + "/no_such_database";
  auto k = store::PgJournal::open(bad);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().message().find("hunter2"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find("no_such_database"), std::string::npos) << k.status().message();
}

// Stops PostgreSQL under the journal and starts it again: calls fail clearly meanwhile, and
// work again once it is back, on new connections, with nothing lost.
TEST_F(PgJournalTest, RidesOutARestartOfPostgres) {
  PgCluster& cluster = PgCluster::get();
  if (cluster.dir().empty()) GTEST_SKIP() << "$HEXA_PG_URL's cluster is not ours to restart";
  auto leader = open_pg(url_, "a");
  auto f = open_pg(url_, "");
  ASSERT_TRUE(leader && f);
  std::vector<JournalEntry> b = rows(3, 1);
  ASSERT_TRUE(leader->append(b).ok());
  ASSERT_TRUE(cluster.stop_for_testing());
  std::vector<JournalEntry> during = rows(2, 2);
  Status st = leader->append(during);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.message();
  EXPECT_NE(st.message().find("PostgreSQL at 127.0.0.1:"), std::string::npos) << st.message();
  EXPECT_EQ(during[0].seq, 0);
  EXPECT_EQ(f->read(0, [](const JournalEntry&) { return Status::Ok(); }).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(f->lease().ok());
  f->wait_for_entries(3, 100);  // returns, bounded, while it is down
  ASSERT_TRUE(cluster.restart_for_testing());
  ASSERT_TRUE(leader->append(during).ok());
  EXPECT_EQ(during[0].seq, 4);
  EXPECT_EQ(read_all(*f).size(), 5u);
  auto l = leader->take_lease("a", "", kTestLease);
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->epoch, leader->held_epoch());
  f->wait_for_entries(4, 5000);
}

// The reader's connection sat idle while PostgreSQL restarted: its first query after does not
// fail (a GET of an ended job answered 404 once after every restart, tests/e2e/failover_test.cc).
TEST_F(PgJournalTest, AQueryAfterARestartOfPostgresAnswersOnTheFirstTry) {
  PgCluster& cluster = PgCluster::get();
  if (cluster.dir().empty()) GTEST_SKIP() << "$HEXA_PG_URL's cluster is not ours to restart";
  auto j = open_pg(url_);
  ASSERT_TRUE(j);
  std::vector<JournalEntry> b = rows(2, 1);
  ASSERT_TRUE(j->append(b, {job(7, "/acme/")}).ok());
  ASSERT_TRUE(j->archived(7).has_value());  // the reader is connected now
  ASSERT_TRUE(cluster.restart_for_testing());
  EXPECT_TRUE(j->archived(7).has_value());
  EXPECT_TRUE(j->lease().ok());
  EXPECT_EQ(j->last_seq(), 2);
}

}  // namespace
}  // namespace hexa::testing
