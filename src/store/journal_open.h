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

}  // namespace hexa
