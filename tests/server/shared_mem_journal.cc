#include "server/shared_mem_journal.h"

#include <chrono>

namespace hexa::testing {
namespace {

Status unreachable() { return Status::Unavailable("the database cannot be reached (test)"); }

}  // namespace

// As PostgreSQL's: an append by an epoch that no longer holds the lease fails, and keeps nothing.
// A lease that lapsed but that nobody took yet still takes its holder's appends (the epoch is
// the fence, not the clock).
Status SharedMemJournal::fenced() const {
  if (s_->down) return unreachable();
  if (held_ == 0) return Status::Conflict("this server holds no lease: it may not write the journal");
  if (held_ != s_->epoch)
    return Status::Conflict("the lease's epoch is " + std::to_string(s_->epoch) + ", this server's " +
                            std::to_string(held_) + ": another server leads");
  return Status::Ok();
}

LeaseInfo SharedMemJournal::info() const { return LeaseInfo{s_->epoch, s_->holder, s_->address, s_->lapses_at - s_->clock()}; }

Status SharedMemJournal::append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive) {
  std::lock_guard lock(s_->mu);
  if (Status st = fenced(); !st.ok()) return st;
  if (batch.empty() && archive.empty()) return Status::Ok();
  for (JournalEntry& e : batch) {
    e.seq = static_cast<std::int64_t>(s_->rows.size()) + 1;
    s_->rows.push_back(e);
  }
  for (const ArchivedJob& a : archive) s_->archive[a.id] = a;
  s_->appended.notify_all();
  return Status::Ok();
}

Status SharedMemJournal::read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const {
  std::vector<JournalEntry> rows;  // what was committed when the read began, read outside the lock
  {
    std::lock_guard lock(s_->mu);
    if (s_->down) return unreachable();
    if (after < static_cast<std::int64_t>(s_->rows.size()))
      rows.assign(s_->rows.begin() + std::max<std::int64_t>(after, 0), s_->rows.end());
  }
  for (const JournalEntry& e : rows)
    if (Status st = fn(e); !st.ok()) return st;
  return Status::Ok();
}

std::int64_t SharedMemJournal::last_seq() const {
  std::lock_guard lock(s_->mu);
  return static_cast<std::int64_t>(s_->rows.size());
}

std::optional<ArchivedJob> SharedMemJournal::archived(std::uint32_t id) const {
  std::lock_guard lock(s_->mu);
  auto it = s_->archive.find(id);
  if (it == s_->archive.end()) return std::nullopt;
  return it->second;
}

Result<std::vector<ArchivedJob>> SharedMemJournal::list_archived(const ArchiveQuery& q) const {
  std::lock_guard lock(s_->mu);
  std::vector<ArchivedJob> out;
  for (auto it = s_->archive.rbegin(); it != s_->archive.rend() && static_cast<int>(out.size()) < q.limit; ++it)
    if (it->second.id < q.before_id && (q.state.empty() || it->second.state == q.state) &&
        it->second.tenant_path.starts_with(q.path_prefix))
      out.push_back(it->second);
  return out;
}

std::map<std::string, std::int64_t> SharedMemJournal::count_archived_by_state() const {
  std::lock_guard lock(s_->mu);
  std::map<std::string, std::int64_t> out;
  for (const auto& [id, a] : s_->archive) ++out[a.state];
  return out;
}

Status SharedMemJournal::put_token(const TokenRecord& t) {
  std::lock_guard lock(s_->mu);
  if (Status st = fenced(); !st.ok()) return st;
  if (t.id.empty() || t.hash.empty()) return Status::Invalid("token: id and hash must not be empty");
  for (TokenRecord& o : s_->tokens) {
    if (o.hash == t.hash && o.id != t.id) return Status::Conflict("token: another id has this hash");
    if (o.id == t.id) return o = t, Status::Ok();
  }
  s_->tokens.push_back(t);
  return Status::Ok();
}

std::optional<TokenRecord> SharedMemJournal::find_token_by_hash(const std::string& hash) const {
  std::lock_guard lock(s_->mu);
  for (const TokenRecord& t : s_->tokens)
    if (t.hash == hash) return t;
  return std::nullopt;
}

Result<std::vector<TokenRecord>> SharedMemJournal::tokens() const {
  std::lock_guard lock(s_->mu);
  if (s_->down) return unreachable();
  return s_->tokens;
}

Status SharedMemJournal::delete_token(const std::string& id) {
  std::lock_guard lock(s_->mu);
  if (Status st = fenced(); !st.ok()) return st;
  for (auto it = s_->tokens.begin(); it != s_->tokens.end(); ++it)
    if (it->id == id) return s_->tokens.erase(it), Status::Ok();
  return Status::NotFound("token '" + id + "': no such token");
}

// journal.h: taken when free or lapsed (epoch + 1), renewed by its holder; Conflict when this
// journal held it and another epoch has it now.
Result<LeaseInfo> SharedMemJournal::take_lease(const std::string& id, const std::string& address, DurationMs ttl) {
  std::lock_guard lock(s_->mu);
  if (s_->down) return unreachable();
  const TimeMs now = s_->clock();
  if (held_ != 0 && held_ != s_->epoch) {
    held_ = 0;
    return Status::Conflict("the lease was taken by " + s_->holder + " (epoch " + std::to_string(s_->epoch) + ")");
  }
  if (held_ != 0 && held_ == s_->epoch) {
    s_->lapses_at = now + ttl;  // renewed, even past its lapse: nobody took it
  } else if (s_->epoch == 0 || s_->lapses_at <= now) {
    held_ = ++s_->epoch;
    s_->holder = id, s_->address = address, s_->lapses_at = now + ttl;
  }
  return info();
}

Result<LeaseInfo> SharedMemJournal::lease() const {
  std::lock_guard lock(s_->mu);
  if (s_->down) return unreachable();
  return info();
}

std::int64_t SharedMemJournal::held_epoch() const {
  std::lock_guard lock(s_->mu);
  return held_;
}

void SharedMemJournal::release_lease() {
  std::lock_guard lock(s_->mu);
  if (!s_->down && held_ != 0 && held_ == s_->epoch) s_->lapses_at = s_->clock();
  held_ = 0;
}

void SharedMemJournal::wait_for_entries(std::int64_t after, DurationMs timeout) const {
  std::unique_lock lock(s_->mu);
  s_->appended.wait_for(lock, std::chrono::milliseconds(timeout),
                        [&] { return static_cast<std::int64_t>(s_->rows.size()) > after; });
}

Status SharedMemJournal::save_snapshot(std::int64_t seq, std::string_view bytes) {
  std::lock_guard lock(s_->mu);
  if (Status st = fenced(); !st.ok()) return st;
  s_->snapshots[seq] = std::string(bytes);
  return Status::Ok();
}

SnapshotLoad SharedMemJournal::load_snapshot(const SnapshotAccept& accept) const {
  std::map<std::int64_t, std::string> all;
  {
    std::lock_guard lock(s_->mu);
    all = s_->snapshots;
  }
  SnapshotLoad out;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (Status st = accept(it->first, it->second); st.ok()) return out.seq = it->first, out;
    else out.notes.push_back("snapshot " + std::to_string(it->first) + ": refused (" + st.message() + ")");
  }
  return out;
}

}  // namespace hexa::testing
