// Snapshots on PostgreSQL, where every replica finds them, and the compaction they allow.
#include <cstring>

#include "store/crc32c.h"
#include "store/pg_journal.h"

namespace hexa::store {

namespace {

// A binary int8 column: 8 bytes, big endian.
std::int64_t binary_int64(std::string_view b) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < b.size(); ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return static_cast<std::int64_t>(v);
}

}  // namespace

Status PgJournal::save_snapshot(std::int64_t seq, std::string_view bytes) {
  if (seq < 0) return Status::Invalid("snapshot: seq must be at least 0, not " + std::to_string(seq));
  std::lock_guard lock(write_mu_);
  const std::string what = "snapshot at row " + std::to_string(seq);
  return write_transaction(what, [&]() -> Status {
    PgParams p;
    p.integer(seq).binary(bytes).integer(crc32c(bytes));
    auto put = w_.exec(what,
                       "INSERT INTO hexa_snapshots(seq, bytes, crc) VALUES($1, $2, $3) "
                       "ON CONFLICT (seq) DO UPDATE SET bytes = excluded.bytes, crc = excluded.crc",
                       p);
    if (!put.ok()) return put.status();
    PgParams keep;
    keep.integer(kSnapshotsKept);
    auto old = w_.exec(what,
                       "DELETE FROM hexa_snapshots WHERE seq NOT IN "
                       "(SELECT seq FROM hexa_snapshots ORDER BY seq DESC LIMIT $1)",
                       keep);
    if (!old.ok()) return old.status();
    return compact(what);
  });
}

// The rows at or below the oldest snapshot kept are in every snapshot kept: delete them, so
// that the database stays bounded. In the snapshot's transaction: both or neither.
Status PgJournal::compact(std::string_view what) {
  auto upto = w_.exec(what,
                      "UPDATE hexa_meta SET compacted_through = GREATEST(compacted_through, "
                      "(SELECT COALESCE(MIN(seq), 0) FROM hexa_snapshots)) WHERE one = 1 RETURNING compacted_through");
  if (!upto.ok()) return upto.status();
  if (upto->rows() != 1) return Status::Unavailable(std::string(what) + ": hexa_meta has no row");
  PgParams p;
  p.integer(upto->int64(0, 0));
  return w_.exec(what, "DELETE FROM hexa_journal WHERE seq <= $1", p).status();
}

SnapshotLoad PgJournal::load_snapshot(const SnapshotAccept& accept) const {
  SnapshotLoad out;
  std::vector<std::int64_t> seqs;
  {
    std::lock_guard lock(read_mu_);
    auto rows = r_.exec("snapshots", "SELECT seq FROM hexa_snapshots ORDER BY seq DESC");
    if (!rows.ok()) {
      out.notes.push_back("snapshots unreadable (" + rows.status().message() + "): replaying the journal");
      return out;
    }
    for (int i = 0; i < rows->rows(); ++i) seqs.push_back(rows->int64(i, 0));
  }
  for (std::int64_t seq : seqs) {
    const std::string name = "snapshot at row " + std::to_string(seq) + " (PostgreSQL)";
    std::string bytes;
    std::int64_t crc = 0;
    {
      std::lock_guard lock(read_mu_);
      PgParams p;
      p.integer(seq);
      // One at a time, so that only one snapshot is in memory beside the state it builds.
      auto row = r_.exec("snapshot", "SELECT crc, bytes FROM hexa_snapshots WHERE seq = $1", p, true);
      if (!row.ok()) {
        out.notes.push_back(name + ": unreadable (" + row.status().message() + "), falling back");
        continue;
      }
      if (row->rows() != 1) continue;  // deleted since by a newer one: not a fallback
      crc = binary_int64(row->bytes(0, 0));
      bytes = std::string(row->bytes(0, 1));
    }
    if (static_cast<std::int64_t>(crc32c(bytes)) != crc) {
      out.notes.push_back(name + ": corrupt (checksum), falling back");
      continue;
    }
    if (Status st = accept(seq, bytes); !st.ok()) {
      out.notes.push_back(name + ": refused (" + st.message() + "), falling back");
      continue;
    }
    out.seq = seq;
    return out;
  }
  return out;
}

}  // namespace hexa::store
