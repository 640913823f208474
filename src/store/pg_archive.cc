// The job archive on PostgreSQL: upserts (inside append's transaction) and queries.
#include <optional>
#include <set>
#include <utility>

#include "store/pg_journal.h"
#include "store/tenant_path.h"

namespace hexa::store {

namespace {

using Place = std::pair<std::string, std::string>;  // tenant_path, state

// Where the jobs of the batch are filed now, before it: one round trip for the batch.
Result<std::map<std::uint32_t, Place>> places_before(PgConn& w, const std::vector<ArchivedJob>& archive) {
  std::vector<std::int64_t> ids;
  for (const ArchivedJob& j : archive) ids.push_back(j.id);
  PgParams p;
  p.text(pg_int_array(ids));
  auto rows = w.exec("append: archive", "SELECT id, tenant_path, state FROM hexa_archive WHERE id = ANY($1::bigint[]) FOR UPDATE", p);
  if (!rows.ok()) return rows.status();
  std::map<std::uint32_t, Place> out;
  for (int i = 0; i < rows->rows(); ++i)
    out[static_cast<std::uint32_t>(rows->int64(i, 0))] = {rows->text(i, 1), rows->text(i, 2)};
  return out;
}

// Every column of the archive, in this order, for every query.
constexpr const char* kColumns = "a.id, a.tenant_path, a.state, a.submitted_ms, a.ended_ms, a.json";

ArchivedJob archived_row(const PgResult& r, int i) {
  ArchivedJob j;
  j.id = static_cast<std::uint32_t>(r.int64(i, 0));
  j.tenant_path = r.text(i, 1);
  j.state = r.text(i, 2);
  j.submitted_ms = r.int64(i, 3);
  j.ended_ms = r.int64(i, 4);
  j.json = r.text(i, 5);
  return j;
}

// Each walks one index from before_id down and stops after `limit` rows ($1 before_id,
// $2 limit, then $3 the subtree or the state, $4 the state with a subtree): the primary key,
// (state, id), archive_tree's (path, id) or (path, state, id), joined to the archive by id.
std::string list_sql(bool tree, bool state) {
  const std::string cols = kColumns;
  if (!tree && !state) return "SELECT " + cols + " FROM hexa_archive a WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2";
  if (!tree)
    return "SELECT " + cols + " FROM hexa_archive a WHERE a.state = $3 AND a.id < $1 ORDER BY a.id DESC LIMIT $2";
  return "SELECT " + cols + " FROM hexa_archive_tree t JOIN hexa_archive a ON a.id = t.id WHERE t.path = $3" +
         (state ? " AND t.state = $4" : "") + " AND t.id < $1 ORDER BY t.id DESC LIMIT $2";
}

}  // namespace

// The batch's net effect, as the SQLite journal's row by row: a job seen twice ends as its
// last row says; a job that moved (path or state) leaves its old subtrees' rows and gets new ones.
Status PgJournal::upsert_archived(const std::vector<ArchivedJob>& archive, Counts& delta) {
  if (archive.empty()) return Status::Ok();
  auto before = places_before(w_, archive);
  if (!before.ok()) return before.status();
  std::map<std::uint32_t, const ArchivedJob*> last;
  for (const ArchivedJob& j : archive) last[j.id] = &j;
  std::vector<std::int64_t> ids, submitted, ended, unfile_ids, file_ids;
  std::vector<std::string_view> paths, states, jsons, unfile_paths, file_paths, file_states;
  for (const auto& [id, j] : last) {
    ids.push_back(id), paths.push_back(j->tenant_path), states.push_back(j->state);
    submitted.push_back(j->submitted_ms), ended.push_back(j->ended_ms), jsons.push_back(j->json);
    auto old = before->find(id);
    const bool moved = old == before->end() || old->second != Place{j->tenant_path, j->state};
    if (!moved) continue;
    if (old != before->end()) {
      for (std::string_view key : subtree_keys(old->second.first)) unfile_ids.push_back(id), unfile_paths.push_back(key);
      --delta[old->second.second];
    }
    for (std::string_view key : subtree_keys(j->tenant_path))
      file_ids.push_back(id), file_paths.push_back(key), file_states.push_back(j->state);
    ++delta[j->state];
  }
  for (auto it = delta.begin(); it != delta.end();) it = it->second == 0 ? delta.erase(it) : std::next(it);
  if (!unfile_ids.empty()) {
    PgParams p;
    p.text(pg_text_array(unfile_paths)).text(pg_int_array(unfile_ids));
    auto del = w_.exec("append: archive",
                       "DELETE FROM hexa_archive_tree t USING unnest($1::text[], $2::bigint[]) AS d(path, id) "
                       "WHERE t.path = d.path AND t.id = d.id",
                       p);
    if (!del.ok()) return del.status();
  }
  PgParams p;
  p.text(pg_int_array(ids)).text(pg_text_array(paths)).text(pg_text_array(states));
  p.text(pg_int_array(submitted)).text(pg_int_array(ended)).text(pg_text_array(jsons));
  auto up = w_.exec("append: archive",
                    "INSERT INTO hexa_archive(id, tenant_path, state, submitted_ms, ended_ms, json) "
                    "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) "
                    "ON CONFLICT (id) DO UPDATE SET tenant_path = excluded.tenant_path, state = excluded.state, "
                    "submitted_ms = excluded.submitted_ms, ended_ms = excluded.ended_ms, json = excluded.json",
                    p);
  if (!up.ok()) return up.status();
  if (file_ids.empty()) return Status::Ok();
  PgParams f;
  f.text(pg_text_array(file_paths)).text(pg_int_array(file_ids)).text(pg_text_array(file_states));
  return w_.exec("append: archive",
                 "INSERT INTO hexa_archive_tree(path, id, state) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])",
                 f)
      .status();
}

std::optional<ArchivedJob> PgJournal::archived(std::uint32_t id) const {
  std::lock_guard lock(read_mu_);
  PgParams p;
  p.integer(id);
  auto row = r_.exec("archived job", std::string("SELECT ") + kColumns + " FROM hexa_archive a WHERE a.id = $1", p);
  if (!row.ok() || row->rows() != 1) return std::nullopt;
  return archived_row(*row, 0);
}

Result<std::vector<ArchivedJob>> PgJournal::list_archived(const ArchiveQuery& q) const {
  if (q.limit < 1) return Status::Invalid("archive query: limit must be at least 1, not " + std::to_string(q.limit));
  Result<std::string> subtree = subtree_of_prefix(q.path_prefix);
  if (!subtree.ok()) return Status::Invalid("archive query: " + subtree.status().message());
  const bool tree = !subtree->empty(), state = !q.state.empty();
  PgParams p;
  p.integer(q.before_id).integer(q.limit);
  if (tree) p.text(*subtree);
  if (state) p.text(q.state);
  std::lock_guard lock(read_mu_);
  auto rows = r_.exec("list archived jobs", list_sql(tree, state), p);
  if (!rows.ok()) return rows.status();
  std::vector<ArchivedJob> page;
  for (int i = 0; i < rows->rows(); ++i) page.push_back(archived_row(*rows, i));
  return page;
}

std::map<std::string, std::int64_t> PgJournal::count_archived_by_state() const {
  std::lock_guard lock(counts_mu_);
  return counts_;
}

}  // namespace hexa::store
