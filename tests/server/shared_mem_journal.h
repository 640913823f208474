// Several Journal objects over one store in memory, with the lease of journal.h: what a
// PostgreSQL journal shared by several servers does, for in-process tests of replicas
// (tests/server/replica_test.cc). The store's clock is the "database's": tests move it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/journal.h"

namespace hexa::testing {

struct SharedMemStore {
  std::function<TimeMs()> clock;  // the database's clock, ms
  mutable std::mutex mu;
  mutable std::condition_variable appended;  // wait_for_entries
  std::vector<JournalEntry> rows;            // seq = index + 1
  std::map<std::uint32_t, ArchivedJob> archive;
  std::vector<TokenRecord> tokens;
  std::map<std::int64_t, std::string> snapshots;
  std::int64_t epoch = 0;
  std::string holder, address;
  TimeMs lapses_at = 0;
  bool down = false;  // the database cannot be reached: every call fails with Unavailable
};

class SharedMemJournal final : public Journal {
 public:
  explicit SharedMemJournal(std::shared_ptr<SharedMemStore> store) : s_(std::move(store)) {}

  Status append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive = {}) override;
  Status read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const override;
  std::int64_t last_seq() const override;
  std::int64_t size_bytes() const override { return 0; }
  std::optional<ArchivedJob> archived(std::uint32_t id) const override;
  Result<std::vector<ArchivedJob>> list_archived(const ArchiveQuery& q) const override;
  std::map<std::string, std::int64_t> count_archived_by_state() const override;
  Status put_token(const TokenRecord& t) override;
  std::optional<TokenRecord> find_token_by_hash(const std::string& hash) const override;
  Result<std::vector<TokenRecord>> tokens() const override;
  Status delete_token(const std::string& id) override;

  bool shared() const override { return true; }
  Result<LeaseInfo> take_lease(const std::string& id, const std::string& address, DurationMs ttl) override;
  Result<LeaseInfo> lease() const override;
  std::int64_t held_epoch() const override;
  void release_lease() override;
  void wait_for_entries(std::int64_t after, DurationMs timeout) const override;
  bool keeps_snapshots() const override { return true; }
  Status save_snapshot(std::int64_t seq, std::string_view bytes) override;
  SnapshotLoad load_snapshot(const SnapshotAccept& accept) const override;

 private:
  Status fenced() const;  // REQUIRES: s_->mu held. Ok when this journal's epoch holds the lease
  LeaseInfo info() const;  // REQUIRES: s_->mu held
  std::shared_ptr<SharedMemStore> s_;
  std::int64_t held_ = 0;  // guarded by s_->mu
};

}  // namespace hexa::testing
