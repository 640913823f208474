#include "ledger/transfer_log.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace hexa {
namespace {

Transfer random_transfer(std::mt19937& rng, int i) {
  // Few distinct memo strings, so that many equal the previous transfer's; some long ones.
  auto pick = [&](std::vector<std::string> from) { return from[rng() % from.size()]; };
  Transfer t;
  t.id = "t" + std::to_string(i) + (rng() % 7 == 0 ? std::string(300, 'x') : "");
  t.from = static_cast<AccountId>(rng() % 5);
  t.to = static_cast<AccountId>(rng() % 5);
  t.amount = static_cast<Micro>(rng() % 1000);
  t.at = i;
  t.memo.kind = static_cast<TransferKind>(rng() % 7);
  t.memo.ref = pick({"", "j1#0", "j2#0", "j1#1"});
  t.memo.job = pick({"", "train-resnet", "train-bert-", "learner-0001-session-17"});
  t.memo.gpu_type = pick({"H100", "A100", "L4", ""});
  t.memo.site = pick({"paris", "lyon", ""});
  t.memo.note = pick({"", "returned by hold j1#0", "returned by hold j2#0", std::string(70000, 'n')});
  t.memo.gpu_ms = static_cast<GpuMs>(rng() % 100);
  t.memo.rate = static_cast<Micro>(rng() % 100);
  return t;
}

// The log keeps what it was given, strings included (those equal to the previous transfer's
// shared, a string longer than a chunk in a chunk of its own), across blocks; a copy keeps its
// own bytes after the original is gone; a move leaves the source empty and the views valid.
TEST(TransferLog, KeepsEveryTransferAsGivenThroughCopiesAndMoves) {
  std::mt19937 rng(3);
  std::vector<Transfer> given;
  auto log = std::make_unique<TransferLog>();
  const int n = static_cast<int>(2 * TransferLog::kBlock + 17);
  for (int i = 0; i < n; ++i) {
    given.push_back(random_transfer(rng, i));
    std::string scratch = given.back().id;  // the log must not keep a view of its argument's bytes
    TransferView v = view_of(given.back());
    v.id = scratch;
    const TransferView& stored = log->push_back(v);
    scratch.assign(scratch.size(), '?');
    EXPECT_EQ(stored.id, given.back().id);
  }
  auto expect_same = [&](const TransferLog& l) {
    ASSERT_EQ(l.size(), given.size());
    std::size_t i = 0;
    for (const TransferView& t : l) ASSERT_TRUE(owned(t) == given[i++]) << i;
  };
  expect_same(*log);
  TransferLog copy = *log;
  EXPECT_TRUE(copy == *log);
  TransferLog moved = std::move(*log);
  EXPECT_TRUE(log->empty());
  log.reset();
  expect_same(copy);
  expect_same(moved);
  copy = moved;  // assigned over a full log
  moved = TransferLog();
  expect_same(copy);
  EXPECT_FALSE(copy == moved);
  // One string different (at the same length, when not empty): not equal.
  TransferLog other;
  for (const TransferView& t : copy) {
    TransferView v = t;
    std::string job(v.memo.job);
    if (&t == &copy.back()) {
      job = "X" + job.substr(std::min<std::size_t>(1, job.size()));
      v.memo.job = job;
    }
    other.push_back(v);
  }
  EXPECT_EQ(other.size(), copy.size());
  EXPECT_FALSE(other == copy);
}

}  // namespace
}  // namespace hexa
