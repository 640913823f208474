// Snapshots of the core's state, as files beside the journal (DIR/snapshots/), not in SQLite:
// a blob of tens of MB rewritten every few minutes would only churn the WAL and its
// checkpoints. A snapshot at seq N holds the state after journal entries 1..N; a restart
// loads the newest one that is whole and that the caller can decode, then replays the
// journal after N (or all of it when there is none).
//
// A file, snap-<seq as 20 digits>.bin, is a 40-byte header then the payload; little endian:
//   "HEXASNAP" | u32 format version (1) | u32 flags (0) | i64 seq | u64 payload length |
//   u32 CRC-32C of the payload | u32 CRC-32C of the 36 header bytes before it
// Files are written to a temporary name, fsynced, renamed into place, and the directory
// fsynced: a crash leaves the old set of snapshots or the new one, never a half-written file
// under a snapshot's name (a lying disk can still tear one: loading checks for that).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace hexa {

constexpr int kSnapshotsKept = 3;

// DIR/snapshots for the server's data directory DIR.
std::string snapshot_dir(const std::string& data_dir);
// "snap-00000000000000000042.bin" for seq 42.
std::string snapshot_file_name(std::int64_t seq);

// Writes the snapshot of seq atomically and durably into dir (created if missing, one level),
// replacing one of the same seq; then keeps only the newest `keep` (by seq) and removes
// temporary files that crashed writes left behind. Invalid: seq < 0 or keep < 1.
// Unavailable: the file could not be written or made durable ("disk full (...)" when so);
// then the snapshots already there are untouched.
Status write_snapshot(const std::string& dir, std::int64_t seq, std::string_view bytes, int keep = kSnapshotsKept);

// The seqs of the snapshot files in dir, newest first (names only: contents unchecked).
std::vector<std::int64_t> list_snapshots(const std::string& dir);

struct SnapshotLoad {
  std::optional<std::int64_t> seq;  // the snapshot accepted; none: replay the whole journal
  // One line per file passed over, for the log: "snapshot snap-...42.bin: corrupt (checksum),
  // falling back"; the causes: torn (short), corrupt (...), unreadable (...), refused (...).
  std::vector<std::string> notes;
};

// Decodes the payload of the snapshot of seq into the caller's state; an error refuses it
// (its message goes into the note) and the next older snapshot is tried.
using SnapshotAccept = std::function<Status(std::int64_t seq, std::string_view bytes)>;

// Tries the snapshots in dir newest first, until accept takes one. A missing or empty dir: none.
SnapshotLoad load_newest_snapshot(const std::string& dir, const SnapshotAccept& accept);

}  // namespace hexa
