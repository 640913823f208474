#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <random>

#include "ledger/book.h"
#include "model/archive.h"

namespace hexa {
namespace {

constexpr Micro kMax = std::numeric_limits<Micro>::max();

Transfer move(std::string id, AccountId from, AccountId to, Micro amount, TimeMs at = 0) {
  Transfer t;
  t.id = std::move(id);
  t.from = from;
  t.to = to;
  t.amount = amount;
  t.at = at;
  return t;
}

struct LedgerBookTest : ::testing::Test {
  void SetUp() override {
    src = *book.open("src", AccountKind::kSystem, std::nullopt);
    cash = *book.open("cash:a", AccountKind::kCash, Micro{0}, 0);
    other = *book.open("cash:b", AccountKind::kCash, Micro{-50}, 1);
  }
  // A failed call must leave the book as it was.
  void expect_refused(const Transfer& t, const std::string& words) {
    Book before = book;
    auto r = book.transfer(t);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
    EXPECT_TRUE(book == before);
  }
  Book book;
  AccountId src = 0, cash = 0, other = 0;
};

TEST_F(LedgerBookTest, TransferMovesMoneyAndKeepsTheSumZero) {
  ASSERT_EQ(*book.transfer(move("t1", src, cash, 100)), OpOutcome::kApplied);
  EXPECT_EQ(book.account(src).balance, -100);
  EXPECT_EQ(book.account(cash).balance, 100);
  EXPECT_EQ(book.total(), 0);
  EXPECT_EQ(book.transfers().size(), 1u);
}

TEST_F(LedgerBookTest, ReplayIsADuplicateAndChangesNothing) {
  ASSERT_TRUE(book.transfer(move("t1", src, cash, 100, 5)).ok());
  Book before = book;
  // Same content, even at another time: a duplicate.
  EXPECT_EQ(*book.transfer(move("t1", src, cash, 100, 9)), OpOutcome::kDuplicate);
  EXPECT_TRUE(book == before);
  expect_refused(move("t1", src, cash, 101, 9), "id already used");
}

TEST_F(LedgerBookTest, RefusesBadAmounts) {
  expect_refused(move("t", src, cash, 0), "amount must be > 0 (got 0)");
  expect_refused(move("t", src, cash, -5), "amount must be > 0 (got -5)");
}

TEST_F(LedgerBookTest, RefusesUnknownAndSameAccounts) {
  expect_refused(move("t", src, 99, 1), "unknown account 99 (to)");
  expect_refused(move("t", 77, cash, 1), "unknown account 77 (from)");
  expect_refused(move("t", cash, cash, 1), "same account 'cash:a'");
  expect_refused(move("", src, cash, 1), "id must not be empty");
}

TEST_F(LedgerBookTest, RefusesGoingBelowAFloor) {
  ASSERT_TRUE(book.transfer(move("t1", src, cash, 10)).ok());
  expect_refused(move("t2", cash, src, 11), "below its floor of 0 (balance 10, amount 11)");
  // An overdraft floor of -50 allows 50 below zero, not 51.
  EXPECT_TRUE(book.transfer(move("t3", other, src, 50)).ok());
  expect_refused(move("t4", other, src, 1), "below its floor of -50");
}

TEST_F(LedgerBookTest, RefusesOverflow) {
  ASSERT_TRUE(book.transfer(move("t1", src, cash, kMax)).ok());
  expect_refused(move("t2", src, cash, 1), "overflow the balance of 'cash:a'");
  // src is at -kMax: one more and then INT64_MIN is fine, beyond it is not.
  ASSERT_TRUE(book.transfer(move("t3", src, other, 1)).ok());
  expect_refused(move("t4", src, other, 1), "overflow the balance of 'src'");
}

TEST_F(LedgerBookTest, RefusesTimeGoingBackwards) {
  ASSERT_TRUE(book.transfer(move("t1", src, cash, 1, 100)).ok());
  expect_refused(move("t2", src, cash, 1, 99), "time must not go backwards");
  EXPECT_TRUE(book.transfer(move("t3", src, cash, 1, 100)).ok());
}

TEST_F(LedgerBookTest, TransferAllIsAllOrNothing) {
  ASSERT_TRUE(book.transfer(move("t0", src, cash, 10)).ok());
  Book before = book;
  // The second would take cash below 0 after the first: none is applied.
  Status s = book.transfer_all({move("t1", cash, other, 6), move("t2", cash, other, 6)});
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(book == before);
  EXPECT_FALSE(book.transfer_all({move("t1", src, cash, 1), move("t1", src, cash, 1)}).ok());
  EXPECT_FALSE(book.transfer_all({move("t0", src, cash, 10)}).ok());  // not new
  EXPECT_TRUE(book == before);
  EXPECT_TRUE(book.transfer_all({move("t1", cash, other, 6), move("t2", cash, other, 4)}).ok());
  EXPECT_EQ(book.account(cash).balance, 0);
}

TEST_F(LedgerBookTest, AccountsAreValidated) {
  EXPECT_FALSE(book.open("src", AccountKind::kSystem, std::nullopt).ok());  // taken
  EXPECT_FALSE(book.open("x", AccountKind::kCash, Micro{1}).ok());          // floor above 0
  EXPECT_FALSE(book.open("", AccountKind::kCash, Micro{0}).ok());
  EXPECT_FALSE(book.open("a\nb", AccountKind::kCash, Micro{0}).ok());
  EXPECT_EQ(book.find("cash:b"), other);
  EXPECT_FALSE(book.find("nope").has_value());
}

TEST_F(LedgerBookTest, SetFloorRefusesWhatTheBalanceAlreadyBreaks) {
  ASSERT_TRUE(book.transfer(move("t1", other, src, 30)).ok());  // other at -30
  EXPECT_FALSE(book.set_floor(other, Micro{-20}).ok());
  EXPECT_EQ(book.account(other).floor, Micro{-50});
  EXPECT_TRUE(book.set_floor(other, Micro{-30}).ok());
}

TEST_F(LedgerBookTest, OwnerTransfersSkipInternalMoves) {
  AccountId hold = *book.open("hold:h", AccountKind::kHold, Micro{0}, 0);
  ASSERT_TRUE(book.transfer(move("in", src, cash, 10)).ok());
  ASSERT_TRUE(book.transfer(move("held", cash, hold, 4)).ok());  // both owned by tenant 0
  ASSERT_TRUE(book.transfer(move("out", hold, src, 4)).ok());
  EXPECT_EQ(book.owner_transfers(0), (std::vector<std::uint32_t>{0, 2}));
  EXPECT_TRUE(book.owner_transfers(1).empty());
  EXPECT_TRUE(book.owner_transfers(42).empty());
}


// transfer_new and transfer_all_new skip only the checks of the id: on new, well-formed ids
// they refuse and apply exactly what transfer and transfer_all do, leaving the same book.
TEST(LedgerBookNewIdsTest, SameAsTheCheckedPathOnNewIds) {
  std::uint64_t seed = 99;
  auto below = [&](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::int64_t>((seed >> 33) % n);
  };
  Book checked, fresh;
  for (Book* b : {&checked, &fresh}) {
    ASSERT_TRUE(b->open("src", AccountKind::kSystem, std::nullopt).ok());
    ASSERT_TRUE(b->open("cash:a", AccountKind::kCash, Micro{-100}, 0).ok());
    ASSERT_TRUE(b->open("cash:b", AccountKind::kCash, Micro{0}, 1).ok());
  }
  int next_id = 0, applied = 0, refused = 0;
  TimeMs at = 0;
  auto random_transfer = [&] {
    at += below(3) == 0 ? -1 : below(10);  // sometimes backwards: refused
    auto from = static_cast<AccountId>(below(4)), to = static_cast<AccountId>(below(4));  // 3: unknown
    return move("t" + std::to_string(next_id++), from, to, below(20) == 0 ? kMax : below(300) - 20, at);
  };
  for (int step = 0; step < 2000; ++step) {
    if (below(5) == 0) {  // a new hold account, as Ledger::place_hold opens it
      std::string name = "hold:h" + std::to_string(step);
      auto a = checked.open(name, AccountKind::kHold, Micro{0}, 0);
      ASSERT_TRUE(a.ok());
      EXPECT_EQ(fresh.open_new(std::string(name), AccountKind::kHold, Micro{0}, 0), *a);
    } else if (below(2) == 0) {
      Transfer t = random_transfer();
      auto a = checked.transfer(t);
      auto b = fresh.transfer_new(view_of(t));
      ASSERT_EQ(a.ok(), b.ok());
      if (!a.ok()) {
        EXPECT_EQ(a.status().message(), b.status().message());
      }
      a.ok() ? ++applied : ++refused;
    } else {
      std::vector<Transfer> batch;
      for (std::int64_t n = below(4) + 1; n > 0; --n) batch.push_back(random_transfer());
      Status a = checked.transfer_all(batch);
      std::vector<TransferView> views;
      for (const Transfer& t : batch) views.push_back(view_of(t));
      Status b = fresh.transfer_all_new(views);
      ASSERT_EQ(a.ok(), b.ok());
      EXPECT_EQ(a.message(), b.message());
      a.ok() ? ++applied : ++refused;
    }
    ASSERT_TRUE(checked == fresh) << "step " << step;
    ASSERT_EQ(fresh.total(), 0);
  }
  EXPECT_GT(applied, 200);
  EXPECT_GT(refused, 200);
}


// The ids of open_new and transfer_new are indexed at the next lookup (Book: prefix indexes):
// found then, a reused one refused, an account opened and taken back never found, and books
// equal whatever each has indexed so far.
TEST(LedgerBookLazyIndexTest, IdsKnownNewAreFoundAtTheNextLookup) {
  Book a, b;
  for (Book* book : {&a, &b}) {
    ASSERT_TRUE(book->open("src", AccountKind::kSystem, std::nullopt).ok());
    for (int i = 0; i < 40; ++i) {
      const AccountId h = book->open_new("hold:j" + std::to_string(i), AccountKind::kHold, Micro{0}, kNoOwner);
      ASSERT_TRUE(book->transfer_new(view_of(move("hold:j" + std::to_string(i) + "#0", 0, h, 5, i))).ok());
    }
  }
  EXPECT_TRUE(a == b);
  ASSERT_TRUE(a.find("hold:j17").has_value());  // a has indexed its accounts, b not yet
  EXPECT_TRUE(a == b);
  EXPECT_EQ(a.account(*a.find("hold:j17")).balance, 5);
  EXPECT_EQ(a.find_transfer("hold:j39#0")->at, 39);
  EXPECT_EQ(a.find_transfer("hold:j40#0"), nullptr);
  // A transfer by the checked path sees the ids that came by the other.
  auto again = a.transfer(move("hold:j3#0", 0, 4, 5, 40));
  EXPECT_TRUE(again.ok() && *again == OpOutcome::kDuplicate);
  EXPECT_FALSE(a.transfer(move("hold:j3#0", 0, 4, 6, 40)).ok());
  EXPECT_FALSE(a.open("hold:j5", AccountKind::kSystem, std::nullopt).ok());
  // Opened by open_new, taken back before any lookup: never found, and the name is free.
  b.open_new("hold:late", AccountKind::kHold, Micro{0}, kNoOwner);
  b.unopen_last();
  EXPECT_FALSE(b.find("hold:late").has_value());
  EXPECT_TRUE(b.open("hold:late", AccountKind::kHold, Micro{0}).ok());
  b.unopen_last();  // and taken back after one
  EXPECT_FALSE(b.find("hold:late").has_value());
  EXPECT_TRUE(a == b);
}

// Transfer ids are in two indexes by prefix (Book::lazily_indexed): a job segment's own,
// indexed at the next lookup of such an id, and the rest, as they come. Whatever the order of
// applies and lookups of both kinds, by either path, and across a snapshot, every id is found
// where it was applied, an unknown one is not, and a reused one is refused.
TEST(LedgerBookLazyIndexTest, BothKindsOfIdAreFoundWhateverTheOrderOfLookups) {
  EXPECT_TRUE(Book::lazily_indexed("hold:j1#0#0"));
  EXPECT_TRUE(Book::lazily_indexed("meter:j1#0@60000"));
  EXPECT_TRUE(Book::lazily_indexed("release:j1#0#1"));
  EXPECT_TRUE(Book::lazily_indexed("post:p1"));
  EXPECT_FALSE(Book::lazily_indexed("refund:j1#0/restart"));
  EXPECT_FALSE(Book::lazily_indexed("grant:g1"));
  EXPECT_FALSE(Book::lazily_indexed("holdout"));
  const char* kPrefixes[] = {"hold:", "meter:", "release:", "post:", "refund:", "grant:", "topup:", "expiry:"};
  std::mt19937 rng(7);
  Book book;
  const AccountId src = *book.open("src", AccountKind::kSystem, std::nullopt);
  const AccountId dst = *book.open("dst", AccountKind::kSystem, std::nullopt);
  std::map<std::string, TimeMs> applied;  // id -> at, which no two transfers share
  TimeMs at = 0;
  int lookups = 0;
  for (int step = 0; step < 3000; ++step) {
    std::string id = std::string(kPrefixes[rng() % 8]) + std::to_string(rng() % 400);
    if (!applied.empty() && rng() % 2) id = std::next(applied.begin(), rng() % applied.size())->first;
    const bool known = applied.count(id) > 0;
    switch (rng() % 200 == 0 ? 2 : rng() % 4 == 0 ? 3 : rng() % 2) {
      case 0:  // the path for ids known new
        if (known) break;
        ASSERT_TRUE(book.transfer_new(view_of(move(id, src, dst, 1, ++at))).ok());
        applied[id] = at;
        break;
      case 1: {  // the checked path: applied if new, refused if reused with other content
        auto r = book.transfer(move(id, src, dst, known ? 2 : 1, ++at));
        ASSERT_EQ(r.ok(), !known) << id;
        if (!known) applied[id] = at;
        break;
      }
      case 2: {  // now and then, a snapshot: it restores both indexes
        Writer w;
        book.save(w);
        const std::string bytes = w.take();
        Reader r(bytes);
        Book loaded;
        ASSERT_TRUE(loaded.load(r, 0)) << r.status().message();
        ASSERT_TRUE(loaded == book);
        book = std::move(loaded);
        break;
      }
      default: {
        ++lookups;
        const TransferView* t = book.find_transfer(id);
        if (!known) {
          EXPECT_EQ(t, nullptr) << id;
        } else {
          ASSERT_NE(t, nullptr) << id;
          EXPECT_EQ(t->id, id);
          EXPECT_EQ(t->at, applied[id]);
        }
      }
    }
  }
  EXPECT_GT(applied.size(), 800u);
  EXPECT_GT(lookups, 500);
  EXPECT_EQ(book.transfers().size(), applied.size());
}

}  // namespace
}  // namespace hexa
