// The leader lease of the PostgreSQL journal: two journals on one database, as two replicas.
#include <chrono>
#include <thread>

#include "journal_backends.h"
#include "store/pg_conn.h"

namespace hexa::testing {
namespace {

class PgLease : public ::testing::Test {
 protected:
  void SetUp() override {
    HEXA_NEED_PG();
    url_ = PgCluster::get().new_database();
    ASSERT_FALSE(url_.empty());
  }
  // A journal holding no lease yet: a follower.
  std::unique_ptr<store::PgJournal> follower() { return open_pg(url_, ""); }
  std::string url_;
};

// Waits (bounded) until the lease lapses at the database's clock.
void wait_until_lapsed(const Journal& j) {
  for (int i = 0; i < 200; ++i) {
    auto l = j.lease();
    ASSERT_TRUE(l.ok()) << l.status().message();
    if (l->remaining <= 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "the lease did not lapse within 4 s";
}

TEST_F(PgLease, NeverTakenThenTaken) {
  auto a = follower();
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->shared());
  EXPECT_EQ(a->held_epoch(), 0);
  auto none = a->lease();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->epoch, 0);
  EXPECT_EQ(none->holder, "");
  auto taken = a->take_lease("a", "http://a:1", 5000);
  ASSERT_TRUE(taken.ok()) << taken.status().message();
  EXPECT_EQ(taken->epoch, 1);
  EXPECT_EQ(taken->holder, "a");
  EXPECT_EQ(taken->address, "http://a:1");
  EXPECT_GT(taken->remaining, 0);
  EXPECT_LE(taken->remaining, 5000);
  EXPECT_EQ(a->held_epoch(), 1);
}

TEST_F(PgLease, SecondCannotTakeAHeldLease) {
  auto a = follower(), b = follower();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->take_lease("a", "http://a", 60'000).ok());
  auto l = b->take_lease("b", "http://b", 60'000);
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->holder, "a");  // as it stands: not ours
  EXPECT_EQ(l->address, "http://a");
  EXPECT_EQ(l->epoch, 1);
  EXPECT_EQ(b->held_epoch(), 0);
  std::vector<JournalEntry> batch = {entry(1, "from b")};
  Status st = b->append(batch);
  EXPECT_EQ(st.code(), StatusCode::kConflict) << st.message();
  EXPECT_NE(st.message().find("does not hold the leader lease"), std::string::npos) << st.message();
  EXPECT_EQ(b->put_token({"tok-1", "h", "admin", "", "", 1}).code(), StatusCode::kConflict);
  EXPECT_EQ(b->save_snapshot(0, "x").code(), StatusCode::kConflict);
  EXPECT_EQ(b->last_seq(), 0);
  EXPECT_TRUE(read_all(*b).empty());
}

// The deposed leader's next append fails, writes nothing, and the new leader goes on after
// the rows the old one committed.
TEST_F(PgLease, TakenOnceLapsedAndTheOldLeaderCannotWriteEvenOnce) {
  auto a = follower(), b = follower();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->take_lease("a", "", 300).ok());
  std::vector<JournalEntry> first = {entry(1, "a1"), entry(1, "a2")};
  ASSERT_TRUE(a->append(first).ok());
  wait_until_lapsed(*b);
  // Lapsed but not taken: the holder still writes (the epoch fences, not the clock).
  std::vector<JournalEntry> late = {entry(2, "a3")};
  ASSERT_TRUE(a->append(late).ok());
  auto l = b->take_lease("b", "http://b", 60'000);
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->epoch, 2);
  EXPECT_EQ(l->holder, "b");
  EXPECT_EQ(b->held_epoch(), 2);
  EXPECT_EQ(b->last_seq(), 3);

  std::vector<JournalEntry> deposed = {entry(3, "a4"), entry(3, "a5")};
  Status st = a->append(deposed, {job(9, "/t/")});
  ASSERT_EQ(st.code(), StatusCode::kConflict) << st.message();
  EXPECT_NE(st.message().find("lease lost: epoch 2 now held by 'b'"), std::string::npos) << st.message();
  EXPECT_EQ(deposed[0].seq, 0);
  EXPECT_EQ(a->held_epoch(), 0);
  EXPECT_FALSE(b->archived(9).has_value());
  EXPECT_EQ(a->put_token({"tok-1", "h", "admin", "", "", 1}).code(), StatusCode::kConflict);
  EXPECT_TRUE(b->tokens()->empty());

  std::vector<JournalEntry> next = {entry(4, "b1")};
  ASSERT_TRUE(b->append(next).ok());
  EXPECT_EQ(next[0].seq, 4);
  std::vector<JournalEntry> all = read_all(*a);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[2].command, "a3");
  EXPECT_EQ(all[3].command, "b1");
}

// A batch without archive rows is one statement, the epoch check inside it: a deposed leader's
// is refused the same way and writes nothing.
TEST_F(PgLease, DeposedLeadersBatchWithoutArchiveRowsWritesNothing) {
  auto a = follower(), b = follower();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->take_lease("a", "", 300).ok());
  std::vector<JournalEntry> first = {entry(1, "a1")};
  ASSERT_TRUE(a->append(first).ok());
  EXPECT_EQ(first[0].seq, 1);
  wait_until_lapsed(*b);
  ASSERT_TRUE(b->take_lease("b", "http://b", 60'000).ok());

  std::vector<JournalEntry> deposed = {entry(2, "a2"), entry(2, "a3")};
  Status st = a->append(deposed);
  ASSERT_EQ(st.code(), StatusCode::kConflict) << st.message();
  EXPECT_NE(st.message().find("lease lost: epoch 2 now held by 'b'"), std::string::npos) << st.message();
  EXPECT_EQ(deposed[0].seq, 0);
  EXPECT_EQ(a->held_epoch(), 0);
  std::vector<JournalEntry> next = {entry(3, "b1"), entry(3, "b2")};
  ASSERT_TRUE(b->append(next).ok());
  EXPECT_EQ(next[1].seq, 3);
  std::vector<JournalEntry> all = read_all(*b);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].command, "b1");
}

TEST_F(PgLease, RenewKeepsTheEpochAndALostOneIsAConflict) {
  auto a = follower(), b = follower();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->take_lease("a", "", 300).ok());
  for (int i = 0; i < 3; ++i) {
    auto l = a->take_lease("a", "", 300);
    ASSERT_TRUE(l.ok()) << l.status().message();
    EXPECT_EQ(l->epoch, 1);
    EXPECT_GT(l->remaining, 0);
  }
  wait_until_lapsed(*a);
  ASSERT_EQ(b->take_lease("b", "", 60'000)->epoch, 2);
  auto lost = a->take_lease("a", "", 300);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), StatusCode::kConflict);
  EXPECT_NE(lost.status().message().find("lease lost"), std::string::npos) << lost.status().message();
  EXPECT_EQ(a->held_epoch(), 0);
  // Once told, it is a follower: asking again says who leads.
  auto again = a->take_lease("a", "", 300);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->holder, "b");
  EXPECT_EQ(a->held_epoch(), 0);
}

TEST_F(PgLease, ReleaseLetsAnotherTakeAtOnce) {
  auto a = follower(), b = follower();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->take_lease("a", "", 60'000).ok());
  a->release_lease();
  EXPECT_EQ(a->held_epoch(), 0);
  auto l = b->take_lease("b", "", 60'000);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->holder, "b");
  EXPECT_EQ(l->epoch, 2);
  a->release_lease();  // holds none: changes nothing
  EXPECT_EQ(b->lease()->holder, "b");
  EXPECT_GT(b->lease()->remaining, 0);
}

TEST_F(PgLease, BadArgumentsAreInvalid) {
  auto a = follower();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->take_lease("", "", 1000).status().code(), StatusCode::kInvalid);
  EXPECT_EQ(a->take_lease("a", "", 0).status().code(), StatusCode::kInvalid);
  EXPECT_EQ(a->held_epoch(), 0);
}

TEST_F(PgLease, WaitForEntriesWakesOnAnothersAppend) {
  auto leader = open_pg(url_, "a");
  auto f = follower();
  ASSERT_TRUE(leader && f);
  // Nothing yet: returns after the timeout.
  const auto t0 = std::chrono::steady_clock::now();
  f->wait_for_entries(0, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::vector<JournalEntry> b = {entry(1, "x"), entry(1, "y")};
    EXPECT_TRUE(leader->append(b).ok());
  });
  const auto t1 = std::chrono::steady_clock::now();
  f->wait_for_entries(0, 30'000);
  const auto waited = std::chrono::steady_clock::now() - t1;
  writer.join();
  EXPECT_LT(waited, std::chrono::seconds(20));  // woken by the NOTIFY, not the timeout
  EXPECT_EQ(read_all(*f).size(), 2u);
  EXPECT_EQ(f->last_seq(), 2);  // a follower's asks the database
  // Already there: at once.
  const auto t2 = std::chrono::steady_clock::now();
  f->wait_for_entries(1, 30'000);
  EXPECT_LT(std::chrono::steady_clock::now() - t2, std::chrono::seconds(20));
}

// A server that closes its journal releases the lease: the next takes it without waiting.
TEST_F(PgLease, ClosingReleases) {
  {
    auto a = open_pg(url_, "a");
    ASSERT_TRUE(a);
  }
  auto b = follower();
  ASSERT_TRUE(b);
  auto l = b->take_lease("b", "", 60'000);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->holder, "b");
}

// Appends racing a takeover: every append either committed before it (and the new leader
// continues after it) or failed writing nothing.
TEST_F(PgLease, AppendsRacingATakeoverLoseNothingAndDuplicateNothing) {
  auto a = follower(), b = follower();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->take_lease("a", "", 200).ok());
  std::atomic<int> acked{0};
  std::thread old_leader([&] {
    for (int i = 0; i < 2000; ++i) {
      std::vector<JournalEntry> batch = {entry(i, "a" + std::to_string(i))};
      Status st = a->append(batch);
      if (!st.ok()) {
        EXPECT_EQ(st.code(), StatusCode::kConflict) << st.message();
        return;
      }
      ++acked;
    }
  });
  std::int64_t epoch = 0;
  for (int i = 0; i < 500 && epoch == 0; ++i) {
    auto l = b->take_lease("b", "", 60'000);
    ASSERT_TRUE(l.ok()) << l.status().message();
    if (l->holder == "b") epoch = l->epoch;
    else std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  old_leader.join();
  ASSERT_EQ(epoch, 2) << "b never took the lease";
  std::vector<JournalEntry> next = {entry(9999, "b")};
  ASSERT_TRUE(b->append(next).ok());
  EXPECT_EQ(next[0].seq, acked.load() + 1);
  std::vector<JournalEntry> all = read_all(*b);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(acked.load() + 1));
  for (int i = 0; i < acked.load(); ++i) EXPECT_EQ(all[static_cast<std::size_t>(i)].command, "a" + std::to_string(i));
}

// A leader paused inside a transaction (SIGSTOP while it appends) holds the lease row's lock:
// PostgreSQL ends its session after 2 s idle in it, and a take waits at most 1 s for the lock,
// so another replica takes the lease within seconds (it waited forever: Failover.AStopped...).
TEST_F(PgLease, ALeaderPausedInsideATransactionDoesNotBlockATakeover) {
  auto a = follower(), b = follower();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->take_lease("a", "", 300).ok());
  auto target = store::parse_pg_url(url_);
  ASSERT_TRUE(target.ok());
  store::PgConn paused(*target, "paused leader");
  ASSERT_TRUE(paused.exec("begin", "BEGIN").ok());
  ASSERT_TRUE(paused.exec("lock", "SELECT epoch FROM hexa_lease WHERE one = 1 FOR SHARE").ok());
  wait_until_lapsed(*b);
  const auto t0 = std::chrono::steady_clock::now();
  std::string holder;
  for (int i = 0; i < 50 && holder != "b"; ++i) {
    auto l = b->take_lease("b", "", 5000);
    if (l.ok()) holder = l->holder;
    if (holder != "b") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(holder, "b");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  // The paused session was ended: its transaction is gone, and what it would write fails.
  EXPECT_FALSE(paused.exec("write", "UPDATE hexa_lease SET holder = 'a' WHERE one = 1").ok());
}

}  // namespace
}  // namespace hexa::testing
