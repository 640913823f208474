// The Journal on SQLite. Internal to store/ (and its tests, for the hooks at the end); others
// use journal.h. Its methods live in three files: sqlite_journal.cc (open, the journal itself),
// sqlite_archive.cc and sqlite_tokens.cc.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/journal.h"
#include "store/posix_file.h"
#include "store/sqlite_db.h"

namespace hexa::store {

class SqliteJournal final : public Journal {
 public:
  static Result<std::unique_ptr<SqliteJournal>> open(const std::string& dir);

  Status append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive = {}) override;
  Status read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const override;
  std::int64_t last_seq() const override { return last_seq_.load(); }
  std::int64_t size_bytes() const override;

  std::optional<ArchivedJob> archived(std::uint32_t id) const override;
  Result<std::vector<ArchivedJob>> list_archived(const ArchiveQuery& q) const override;
  std::map<std::string, std::int64_t> count_archived_by_state() const override;

  Status put_token(const TokenRecord& t) override;
  std::optional<TokenRecord> find_token_by_hash(const std::string& hash) const override;
  Result<std::vector<TokenRecord>> tokens() const override;
  Status delete_token(const std::string& id) override;

  // Tests: on, the database may not grow by one page more, as on a full disk (SQLITE_FULL);
  // off, it may again.
  Status limit_growth_for_testing(bool on);
  // Tests: SQLite's query plan for the statement list_archived(q) runs, one step a line.
  Result<std::string> plan_for_testing(const ArchiveQuery& q) const;

 private:
  using Counts = std::map<std::string, std::int64_t>;

  // The connection that writes, and its statements (declared after it: finalized first).
  struct Writer {
    Db db;
    Stmt begin, commit, rollback;
    Stmt insert_entry;
    Stmt archive_place, upsert_archive, insert_tree, delete_tree;
    Stmt put_token, delete_token;
  };
  // The connection that reads.
  struct Reader {
    Db db;
    Stmt read_after, archived;
    Stmt list_all, list_state, list_tree, list_tree_state;
    Stmt token_by_hash, tokens;
  };

  SqliteJournal(std::string dir, Fd lock);
  Status open_writer();
  Status open_reader();
  Status load_last_seq_and_counts();
  Status prepare_writer();
  Status prepare_reader();
  // "journal DIR/hexa.db: <what>: <st's message>", keeping st's code.
  Status in_context(std::string_view what, const Status& st) const;

  // Runs body in one write transaction; rolls back whatever it did when anything fails.
  Status in_transaction(const std::function<Status()>& body);
  Status insert_entries(const std::vector<JournalEntry>& batch, std::int64_t first_seq);
  Status upsert_archived(const ArchivedJob& j, Counts& delta);
  Status file_under_subtrees(const ArchivedJob& j);
  Status unfile_from_subtrees(std::uint32_t id, const std::string& path);
  Stmt& list_statement(bool tree, bool state) const;
  // The SQL of list_archived: by subtree (archive_tree) or not, by state or not.
  static const char* list_sql(bool tree, bool state);

  std::string dir_;
  std::string path_;  // DIR/hexa.db
  Fd lock_;           // DIR/hexa.lock, held while open

  std::mutex write_mu_;  // guards w_ and default_max_pages_
  Writer w_;
  std::string default_max_pages_;

  mutable std::mutex read_mu_;  // guards r_
  mutable Reader r_;

  mutable std::mutex counts_mu_;  // guards counts_
  Counts counts_;                 // archived jobs per state, as committed

  std::atomic<std::int64_t> last_seq_{0};  // written under write_mu_
};

}  // namespace hexa::store
