// The database's settings, tables and indexes, and the checks that it is ours and not newer.
#pragma once

#include "model/status.h"
#include "store/sqlite_db.h"

namespace hexa::store {

// The writing connection: WAL, synchronous=FULL (a commit is on disk when it returns), then
// the schema, created on first use. Invalid when the file is another program's database or a
// newer schema's.
Status set_up_writer(Db& db);
// A reading connection: query_only, so that a bug cannot write through it.
Status set_up_reader(Db& db);

}  // namespace hexa::store
