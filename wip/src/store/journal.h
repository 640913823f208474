// The journal: every input to Core::apply, in order, with its `now`, in one SQLite file
// (DIR/hexa.db, WAL mode, synchronous=FULL). Restart = replay of the journal through the
// same apply (docs/server.md). Tokens live beside it, as hashes only.
// SQLite's header stays inside store/*.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/status.h"
#include "model/units.h"

namespace hexa {

struct JournalEntry {
  std::int64_t seq = 0;    // 1, 2, 3...: given by append
  TimeMs now = 0;          // the batch's time
  std::string command;     // the command as JSON (api/command_json.h)
  std::string request_id;  // "" or the Idempotency-Key scoped by its tenant
};

struct TokenRecord {
  std::string id;       // public, short: "tok-3"
  std::string hash;     // SHA-256 of the secret, hex; the secret itself is never stored
  std::string role;     // admin | operator | member | agent
  std::string tenant;   // member: its tenant
  std::string node;     // agent: its node
  TimeMs created = 0;
};

class Journal {
 public:
  // Opens or creates DIR/hexa.db (DIR must exist). Errors name the path and SQLite's words.
  static Result<std::unique_ptr<Journal>> open(const std::string& dir);
  virtual ~Journal() = default;

  // Appends the batch in one transaction (one fsync: group commit) and sets each entry's seq.
  // On error nothing of the batch is kept (Status::Unavailable: disk full, I/O error).
  virtual Status append(std::vector<JournalEntry>& batch) = 0;
  // Calls fn for every entry with seq > after, in order; stops at fn's first error.
  virtual Status read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const = 0;
  virtual std::int64_t last_seq() const = 0;
  // Bytes of the database file and its WAL (for benchmarks and /metrics).
  virtual std::int64_t size_bytes() const = 0;

  // Tokens: durable when the call returns.
  virtual Status put_token(const TokenRecord& t) = 0;
  virtual std::optional<TokenRecord> find_token_by_hash(const std::string& hash) const = 0;
  virtual std::vector<TokenRecord> tokens() const = 0;
  virtual Status delete_token(const std::string& id) = 0;  // NotFound when there is none
};

}  // namespace hexa
