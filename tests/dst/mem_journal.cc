#include "dst/mem_journal.h"

#include "store/tenant_path.h"

namespace hexa::dst {

Status SimDisk::save_snapshot(std::int64_t seq, const std::string& bytes) {
  snapshots[seq] = bytes;
  while (snapshots.size() > static_cast<std::size_t>(kSnapshotsKept)) snapshots.erase(snapshots.begin());
  return Status::Ok();
}

SnapshotLoad SimDisk::load_snapshot(const SnapshotAccept& accept) const {
  SnapshotLoad out;
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    Status st = accept(it->first, it->second);
    if (st.ok()) {
      out.seq = it->first;
      return out;
    }
    out.notes.push_back("snapshot " + std::to_string(it->first) + ": refused (" + st.message() + "), falling back");
  }
  return out;
}

Status MemJournal::append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive) {
  if (batch.empty() && archive.empty()) return Status::Ok();
  for (const ArchivedJob& a : archive)  // as the SQLite journal: checked before anything is written
    if (!store::valid_tenant_path(a.tenant_path) || a.state.empty())
      return Status::Invalid("archive row of job " + std::to_string(a.id) + ": malformed tenant path or state");
  const DiskFault fault = disk_.next;
  disk_.next = DiskFault::kNone;
  if (fault == DiskFault::kFsync) {
    ++disk_.fsync_failures;
    return Status::Unavailable("disk I/O error (simulated: fsync failed)");
  }
  if (fault == DiskFault::kTornLost) {
    ++disk_.torn_writes, disk_.crashed = true;
    return Status::Unavailable("the server died in this append (simulated), before the commit");
  }
  // SQLite's commit is atomic: the whole batch and its archive rows, or none of it.
  for (JournalEntry& e : batch) {
    e.seq = last_seq() + 1;
    disk_.rows.push_back(e);
  }
  for (const ArchivedJob& a : archive) disk_.archive[a.id] = a;
  if (fault == DiskFault::kTornKept) {
    ++disk_.torn_writes, disk_.crashed = true;
    return Status::Unavailable("the server died in this append (simulated), after the commit");
  }
  return Status::Ok();
}

Status MemJournal::read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const {
  for (std::size_t i = static_cast<std::size_t>(std::max<std::int64_t>(after, 0)); i < disk_.rows.size(); ++i)
    if (Status st = fn(disk_.rows[i]); !st.ok()) return st;
  return Status::Ok();
}

std::int64_t MemJournal::size_bytes() const {
  std::int64_t n = 0;
  for (const JournalEntry& e : disk_.rows) n += static_cast<std::int64_t>(e.command.size() + e.request_id.size() + 16);
  return n;
}

std::optional<ArchivedJob> MemJournal::archived(std::uint32_t id) const {
  auto it = disk_.archive.find(id);
  if (it == disk_.archive.end()) return std::nullopt;
  return it->second;
}

Result<std::vector<ArchivedJob>> MemJournal::list_archived(const ArchiveQuery& q) const {
  auto subtree = store::subtree_of_prefix(q.path_prefix);
  if (!subtree.ok()) return subtree.status();
  std::vector<ArchivedJob> out;
  for (auto it = disk_.archive.rbegin(); it != disk_.archive.rend() && static_cast<int>(out.size()) < q.limit; ++it) {
    const ArchivedJob& a = it->second;
    if (a.id >= q.before_id || (!q.state.empty() && a.state != q.state)) continue;
    if (!subtree->empty() && !a.tenant_path.starts_with(*subtree)) continue;
    out.push_back(a);
  }
  return out;
}

std::map<std::string, std::int64_t> MemJournal::count_archived_by_state() const {
  std::map<std::string, std::int64_t> out;
  for (const auto& [id, a] : disk_.archive) ++out[a.state];
  return out;
}

Status MemJournal::put_token(const TokenRecord& t) {
  if (t.id.empty() || t.hash.empty()) return Status::Invalid("token: id and hash must not be empty");
  for (const TokenRecord& o : disk_.tokens)
    if (o.hash == t.hash && o.id != t.id) return Status::Conflict("token: another id has this hash");
  for (TokenRecord& o : disk_.tokens)
    if (o.id == t.id) return o = t, Status::Ok();
  disk_.tokens.push_back(t);
  return Status::Ok();
}

std::optional<TokenRecord> MemJournal::find_token_by_hash(const std::string& hash) const {
  for (const TokenRecord& t : disk_.tokens)
    if (t.hash == hash) return t;
  return std::nullopt;
}

Status MemJournal::delete_token(const std::string& id) {
  for (auto it = disk_.tokens.begin(); it != disk_.tokens.end(); ++it)
    if (it->id == id) return disk_.tokens.erase(it), Status::Ok();
  return Status::NotFound("token '" + id + "': no such token");
}

}  // namespace hexa::dst
