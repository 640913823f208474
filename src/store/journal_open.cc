#include "store/journal_open.h"

#include "store/pg_journal.h"

namespace hexa {

Result<std::unique_ptr<Journal>> open_journal(const std::string& db, const std::string& dir) {
  if (db.empty()) return Journal::open(dir);
  auto pg = store::PgJournal::open(db);
  if (!pg.ok()) return pg.status();
  return std::unique_ptr<Journal>(std::move(pg).value());
}

Status check_journal_db(const std::string& db) {
  if (db.empty()) return Status::Ok();
  return store::parse_pg_url(db).status();
}

}  // namespace hexa
