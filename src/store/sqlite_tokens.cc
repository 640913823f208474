// Tokens: hashes only (the caller hashes; the secret never reaches the store).
#include "store/sqlite_journal.h"

namespace hexa::store {

namespace {

TokenRecord token_row(const Stmt& s) {
  TokenRecord t;
  t.id = s.text(0);
  t.hash = s.text(1);
  t.role = s.text(2);
  t.tenant = s.text(3);
  t.node = s.text(4);
  t.created = s.int64(5);
  return t;
}

}  // namespace

Status SqliteJournal::put_token(const TokenRecord& t) {
  if (t.id.empty()) return Status::Invalid("token: empty id");
  if (t.hash.empty()) return Status::Invalid("token " + t.id + ": empty hash");
  std::lock_guard lock(write_mu_);
  // A statement outside BEGIN commits on its own, with the same fsync as an append: durable
  // when it returns.
  Stmt& s = w_.put_token;
  auto use = s.use();
  s.bind(1, t.id);
  s.bind(2, t.hash);
  s.bind(3, t.role);
  s.bind(4, t.tenant);
  s.bind(5, t.node);
  s.bind(6, t.created);
  Status st = s.run();
  if (st.code() == StatusCode::kConflict)
    return Status::Conflict("token " + t.id + ": another token has the same hash");
  if (!st.ok()) return Status::Unavailable(in_context("put token " + t.id, st).message() + free_space_note(dir_));
  return st;
}

Status SqliteJournal::delete_token(const std::string& id) {
  std::lock_guard lock(write_mu_);
  Stmt& s = w_.delete_token;
  auto use = s.use();
  s.bind(1, id);
  if (Status st = s.run(); !st.ok()) return in_context("delete token " + id, st);
  if (w_.db.changes() == 0) return Status::NotFound("no token " + id);
  return Status::Ok();
}

std::optional<TokenRecord> SqliteJournal::find_token_by_hash(const std::string& hash) const {
  std::lock_guard lock(read_mu_);
  Stmt& s = r_.token_by_hash;
  auto use = s.use();
  s.bind(1, hash);
  Result<bool> row = s.next();
  if (!row.ok() || !*row) return std::nullopt;
  return token_row(s);
}

Result<std::vector<TokenRecord>> SqliteJournal::tokens() const {
  std::lock_guard lock(read_mu_);
  Stmt& s = r_.tokens;
  auto use = s.use();
  std::vector<TokenRecord> all;
  for (;;) {
    Result<bool> row = s.next();
    if (!row.ok()) return row.status();
    if (!*row) return all;
    all.push_back(token_row(s));
  }
}

}  // namespace hexa::store
