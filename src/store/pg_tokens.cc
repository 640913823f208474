// Tokens on PostgreSQL: hashes only. Writes are the leader's, conditional on its epoch.
#include "store/pg_journal.h"

namespace hexa::store {

namespace {

constexpr const char* kTokenColumns = "id, hash, role, tenant, node, created";

TokenRecord token_row(const PgResult& r, int i) {
  return TokenRecord{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.int64(i, 5)};
}

}  // namespace

Status PgJournal::put_token(const TokenRecord& t) {
  if (t.id.empty()) return Status::Invalid("token: empty id");
  if (t.hash.empty()) return Status::Invalid("token " + t.id + ": empty hash");
  std::lock_guard lock(write_mu_);
  bool duplicate = false;
  Status st = write_transaction("put token " + t.id, [&]() -> Status {
    PgParams p;
    p.text(t.id).text(t.hash).text(t.role).text(t.tenant).text(t.node).integer(t.created);
    auto put = w_.exec("put token " + t.id,
                       "INSERT INTO hexa_tokens(id, hash, role, tenant, node, created) VALUES($1, $2, $3, $4, $5, $6) "
                       "ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, role = excluded.role, "
                       "tenant = excluded.tenant, node = excluded.node, created = excluded.created",
                       p);
    duplicate = put.status().code() == StatusCode::kConflict;
    return put.status();
  });
  if (duplicate) return Status::Conflict("token " + t.id + ": another token has the same hash");
  return st;
}

Status PgJournal::delete_token(const std::string& id) {
  std::lock_guard lock(write_mu_);
  bool none = false;
  Status st = write_transaction("delete token " + id, [&]() -> Status {
    PgParams p;
    p.text(id);
    auto del = w_.exec("delete token " + id, "DELETE FROM hexa_tokens WHERE id = $1 RETURNING id", p);
    if (del.ok() && del->rows() == 0) none = true;
    return del.status();
  });
  if (st.ok() && none) return Status::NotFound("no token " + id);
  return st;
}

std::optional<TokenRecord> PgJournal::find_token_by_hash(const std::string& hash) const {
  std::lock_guard lock(read_mu_);
  PgParams p;
  p.text(hash);
  auto row = r_.exec("find token", std::string("SELECT ") + kTokenColumns + " FROM hexa_tokens WHERE hash = $1", p);
  if (!row.ok() || row->rows() != 1) return std::nullopt;
  return token_row(*row, 0);
}

Result<std::vector<TokenRecord>> PgJournal::tokens() const {
  std::lock_guard lock(read_mu_);
  auto rows = r_.exec("tokens", std::string("SELECT ") + kTokenColumns + " FROM hexa_tokens ORDER BY ord");
  if (!rows.ok()) return rows.status();
  std::vector<TokenRecord> all;
  for (int i = 0; i < rows->rows(); ++i) all.push_back(token_row(*rows, i));
  return all;
}

}  // namespace hexa::store
