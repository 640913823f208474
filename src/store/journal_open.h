// Which journal a server keeps: `hexa serve --db URL` puts it in PostgreSQL, without --db it
// is SQLite in the state directory (journal.h).
#pragma once

#include <memory>
#include <string>

#include "store/journal.h"

namespace hexa {

// db "": Journal::open(dir). db a postgresql:// or postgres:// URL: the journal in that
// database (store/pg_journal.h), holding no lease yet. Errors as the journal's open says.
Result<std::unique_ptr<Journal>> open_journal(const std::string& db, const std::string& dir);

// Ok for "" and for a URL libpq can use; Invalid naming the rule (the password hidden) otherwise:
// a bad --db is refused before anything is opened.
Status check_journal_db(const std::string& db);

}  // namespace hexa
