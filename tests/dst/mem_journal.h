// The simulation's disk: the journal, the job archive, the tokens and the snapshots in memory
// (SimDisk), and a Journal over it (MemJournal) whose appends fail the way the seed says.
// The disk outlives a crash of the server; the journal object does not.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/journal.h"
#include "store/snapshot_file.h"

namespace hexa::dst {

// What the next append suffers (armed by the simulation, used once).
enum class DiskFault {
  kNone,
  kFsync,      // fsync fails: Unavailable, nothing kept, the journal stays usable
  kTornKept,   // the process dies in the append, after the commit: the batch is there, no ack
  kTornLost,   // the process dies in the append, before the commit: nothing is there
};

struct SimDisk {
  std::vector<JournalEntry> rows;  // seq = index + 1
  std::map<std::uint32_t, ArchivedJob> archive;
  std::vector<TokenRecord> tokens;
  std::map<std::int64_t, std::string> snapshots;  // seq -> bytes, the newest kSnapshotsKept
  DiskFault next = DiskFault::kNone;
  bool crashed = false;  // a torn append killed the server: nothing after it may be answered
  int fsync_failures = 0, torn_writes = 0;

  Status save_snapshot(std::int64_t seq, const std::string& bytes);
  SnapshotLoad load_snapshot(const SnapshotAccept& accept) const;
};

class MemJournal final : public Journal {
 public:
  explicit MemJournal(SimDisk& disk) : disk_(disk) {}
  Status append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive = {}) override;
  Status read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const override;
  std::int64_t last_seq() const override { return static_cast<std::int64_t>(disk_.rows.size()); }
  std::int64_t size_bytes() const override;
  std::optional<ArchivedJob> archived(std::uint32_t id) const override;
  Result<std::vector<ArchivedJob>> list_archived(const ArchiveQuery& q) const override;
  std::map<std::string, std::int64_t> count_archived_by_state() const override;
  Status put_token(const TokenRecord& t) override;
  std::optional<TokenRecord> find_token_by_hash(const std::string& hash) const override;
  Result<std::vector<TokenRecord>> tokens() const override { return disk_.tokens; }
  Status delete_token(const std::string& id) override;

 private:
  SimDisk& disk_;
};

}  // namespace hexa::dst
