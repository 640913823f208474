#include "store/schema.h"

#include <charconv>
#include <cstdint>
#include <string>

namespace hexa::store {

namespace {

// PRAGMA application_id: tells a Hexagone journal from any other SQLite file ("HXJ1").
constexpr std::int64_t kApplicationId = 0x48584A31;
// PRAGMA user_version: bumped with each change of the tables below.
constexpr std::int64_t kSchemaVersion = 1;

// journal: the rowid is the seq, so a read in seq order is a walk of the table itself.
// archive: one row per finished job; archive_by_state lists one state newest first.
// archive_tree: each job once per subtree it belongs to (store/tenant_path.h), so that a
// subtree query, with or without a state, is an equality then a walk down the ids.
constexpr const char* kSchema = R"sql(
CREATE TABLE journal(
  seq INTEGER PRIMARY KEY,
  now INTEGER NOT NULL,
  command TEXT NOT NULL,
  request_id TEXT NOT NULL);
CREATE TABLE archive(
  id INTEGER PRIMARY KEY,
  tenant_path TEXT NOT NULL,
  state TEXT NOT NULL,
  submitted_ms INTEGER NOT NULL,
  ended_ms INTEGER NOT NULL,
  json TEXT NOT NULL);
CREATE INDEX archive_by_state ON archive(state);
CREATE TABLE archive_tree(
  path TEXT NOT NULL,
  id INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY(path, id)) WITHOUT ROWID;
CREATE INDEX archive_tree_by_state ON archive_tree(path, state, id);
CREATE TABLE tokens(
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  tenant TEXT NOT NULL,
  node TEXT NOT NULL,
  created INTEGER NOT NULL);
)sql";

Result<std::int64_t> query_int(Db& db, const std::string& sql) {
  Result<std::string> v = db.query_text(sql);
  if (!v.ok()) return v.status();
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return Status::Unavailable(sql + ": not a number: " + *v);
  return n;
}

Status create_schema(Db& db) {
  std::string sql = std::string("BEGIN IMMEDIATE;") + kSchema +
                    "PRAGMA application_id = " + std::to_string(kApplicationId) + ";" +
                    "PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";COMMIT;";
  Status st = db.exec(sql);
  if (!st.ok() && db.in_transaction()) (void)db.exec("ROLLBACK");
  return st;
}

Status check_or_create_schema(Db& db) {
  Result<std::int64_t> app = query_int(db, "PRAGMA application_id");
  Result<std::int64_t> version = query_int(db, "PRAGMA user_version");
  Result<std::int64_t> objects = query_int(db, "SELECT count(*) FROM sqlite_schema");
  if (!app.ok()) return app.status();
  if (!version.ok()) return version.status();
  if (!objects.ok()) return objects.status();
  if (*app == 0 && *objects == 0) return create_schema(db);
  if (*app != kApplicationId)
    return Status::Invalid("not a Hexagone journal (another program's SQLite database: application_id " +
                           std::to_string(*app) + ")");
  if (*version > kSchemaVersion)
    return Status::Invalid("written by a newer Hexagone (schema " + std::to_string(*version) +
                           "; this one knows up to " + std::to_string(kSchemaVersion) + ")");
  return Status::Ok();
}

}  // namespace

Status set_up_writer(Db& db) {
  Result<std::string> mode = db.query_text("PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") return Status::Unavailable("cannot use WAL mode (journal_mode is " + *mode + ")");
  // FULL: in WAL mode, each commit fsyncs the WAL, so an acknowledged append survives a power
  // loss (NORMAL would only survive a crash of this process).
  // journal_size_limit: the WAL is reused after each checkpoint; this keeps it from staying
  // at the size of its largest burst.
  Status st = db.exec(
      "PRAGMA synchronous = FULL;"
      "PRAGMA journal_size_limit = 67108864;"
      "PRAGMA cache_size = -16384;");
  if (!st.ok()) return st;
  return check_or_create_schema(db);
}

Status set_up_reader(Db& db) { return db.exec("PRAGMA query_only = ON;"); }

}  // namespace hexa::store
