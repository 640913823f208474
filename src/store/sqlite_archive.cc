// The job archive: upserts (inside append's transaction) and queries.
#include "store/sqlite_journal.h"
#include "store/tenant_path.h"

namespace hexa::store {

// ---- writing, inside append's transaction

Status SqliteJournal::upsert_archived(const ArchivedJob& j, Counts& delta) {
  // Where the job was filed before, if it was: a second upsert may move it or change its state.
  std::optional<std::pair<std::string, std::string>> old;  // tenant_path, state
  {
    Stmt& s = w_.archive_place;
    auto use = s.use();
    s.bind(1, std::int64_t{j.id});
    Result<bool> row = s.next();
    if (!row.ok()) return row.status();
    if (*row) old.emplace(s.text(0), s.text(1));
  }
  const bool moved = !old || old->first != j.tenant_path || old->second != j.state;
  if (old && moved)
    if (Status st = unfile_from_subtrees(j.id, old->first); !st.ok()) return st;
  {
    Stmt& s = w_.upsert_archive;
    auto use = s.use();
    s.bind(1, std::int64_t{j.id});
    s.bind(2, j.tenant_path);
    s.bind(3, j.state);
    s.bind(4, j.submitted_ms);
    s.bind(5, j.ended_ms);
    s.bind(6, j.json);
    if (Status st = s.run(); !st.ok()) return st;
  }
  if (moved)
    if (Status st = file_under_subtrees(j); !st.ok()) return st;
  if (!old || old->second != j.state) {
    if (old) --delta[old->second];
    ++delta[j.state];
  }
  return Status::Ok();
}

Status SqliteJournal::file_under_subtrees(const ArchivedJob& j) {
  Stmt& s = w_.insert_tree;
  for (std::string_view key : subtree_keys(j.tenant_path)) {
    auto use = s.use();
    s.bind(1, key);
    s.bind(2, std::int64_t{j.id});
    s.bind(3, j.state);
    if (Status st = s.run(); !st.ok()) return st;
  }
  return Status::Ok();
}

Status SqliteJournal::unfile_from_subtrees(std::uint32_t id, const std::string& path) {
  Stmt& s = w_.delete_tree;
  for (std::string_view key : subtree_keys(path)) {
    auto use = s.use();
    s.bind(1, key);
    s.bind(2, std::int64_t{id});
    if (Status st = s.run(); !st.ok()) return st;
  }
  return Status::Ok();
}

// ---- queries

namespace {

// Every query returns these columns, in this order.
ArchivedJob archived_row(const Stmt& s) {
  ArchivedJob j;
  j.id = static_cast<std::uint32_t>(s.int64(0));
  j.tenant_path = s.text(1);
  j.state = s.text(2);
  j.submitted_ms = s.int64(3);
  j.ended_ms = s.int64(4);
  j.json = s.text(5);
  return j;
}

}  // namespace

std::optional<ArchivedJob> SqliteJournal::archived(std::uint32_t id) const {
  std::lock_guard lock(read_mu_);
  Stmt& s = r_.archived;
  auto use = s.use();
  s.bind(1, std::int64_t{id});
  Result<bool> row = s.next();
  if (!row.ok() || !*row) return std::nullopt;
  return archived_row(s);
}

// Each walks one index from before_id down and stops after `limit` rows (?1 before_id,
// ?2 limit, ?3 state, ?4 subtree). CROSS JOIN keeps archive_tree the outer loop, and INDEXED
// BY makes a plan that would not use the index an error at prepare rather than a slow scan.
const char* SqliteJournal::list_sql(bool tree, bool state) {
  if (!tree && !state)
    return "SELECT id, tenant_path, state, submitted_ms, ended_ms, json FROM archive "
           "WHERE id < ?1 ORDER BY id DESC LIMIT ?2";
  if (!tree)
    return "SELECT id, tenant_path, state, submitted_ms, ended_ms, json FROM archive INDEXED BY archive_by_state "
           "WHERE state = ?3 AND id < ?1 ORDER BY id DESC LIMIT ?2";
  if (!state)
    return "SELECT a.id, a.tenant_path, a.state, a.submitted_ms, a.ended_ms, a.json "
           "FROM archive_tree AS t CROSS JOIN archive AS a ON a.id = t.id "
           "WHERE t.path = ?4 AND t.id < ?1 ORDER BY t.id DESC LIMIT ?2";
  return "SELECT a.id, a.tenant_path, a.state, a.submitted_ms, a.ended_ms, a.json "
         "FROM archive_tree AS t INDEXED BY archive_tree_by_state CROSS JOIN archive AS a ON a.id = t.id "
         "WHERE t.path = ?4 AND t.state = ?3 AND t.id < ?1 ORDER BY t.id DESC LIMIT ?2";
}

Stmt& SqliteJournal::list_statement(bool tree, bool state) const {
  if (tree) return state ? r_.list_tree_state : r_.list_tree;
  return state ? r_.list_state : r_.list_all;
}

Result<std::vector<ArchivedJob>> SqliteJournal::list_archived(const ArchiveQuery& q) const {
  if (q.limit < 1) return Status::Invalid("archive query: limit must be at least 1, not " + std::to_string(q.limit));
  Result<std::string> subtree = subtree_of_prefix(q.path_prefix);
  if (!subtree.ok()) return Status::Invalid("archive query: " + subtree.status().message());
  const bool tree = !subtree->empty(), state = !q.state.empty();
  std::lock_guard lock(read_mu_);
  Stmt& s = list_statement(tree, state);
  auto use = s.use();
  s.bind(1, std::int64_t{q.before_id});
  s.bind(2, std::int64_t{q.limit});
  if (state) s.bind(3, q.state);
  if (tree) s.bind(4, *subtree);
  std::vector<ArchivedJob> page;
  for (;;) {
    Result<bool> row = s.next();
    if (!row.ok()) return in_context("list archived jobs", row.status());
    if (!*row) return page;
    page.push_back(archived_row(s));
  }
}

std::map<std::string, std::int64_t> SqliteJournal::count_archived_by_state() const {
  std::lock_guard lock(counts_mu_);
  return counts_;
}

Result<std::string> SqliteJournal::plan_for_testing(const ArchiveQuery& q) const {
  Result<std::string> subtree = subtree_of_prefix(q.path_prefix);
  if (!subtree.ok()) return subtree.status();
  std::lock_guard lock(read_mu_);
  Result<Stmt> s = r_.db.prepare(std::string("EXPLAIN QUERY PLAN ") + list_sql(!subtree->empty(), !q.state.empty()));
  if (!s.ok()) return s.status();
  std::string plan;
  for (;;) {
    Result<bool> row = s->next();
    if (!row.ok()) return row.status();
    if (!*row) return plan;
    plan += s->text(3) + "\n";  // the columns: id, parent, notused, detail
  }
}

}  // namespace hexa::store
