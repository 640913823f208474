// The live `hexa statement` (without --scenario): a tenant's statement as the server renders
// it. apps/hexa/statement_command.cc owns the flags of both forms and calls this.
#pragma once

#include <string>

#include "cli/io.h"
#include "cli/session.h"
#include "model/status.h"

namespace hexa::cli {

struct LiveStatementArgs {
  Globals g;            // --server, --token-file (json unused: --format json)
  std::string tenant;
  std::string from, to;  // dates (date_arg.h); "" : the server's default
  std::string format = "text";  // text, json or csv
};

// GET /v1/tenants/{t}/statement?from=MS&to=MS&format=F: the body as is. Errors: one line
// (a bad date, --from not before --to, the session, the server's problem).
Result<std::string> fetch_live_statement(const LiveStatementArgs& a, const HttpClientFactory& make, const ClientIo& io);

}  // namespace hexa::cli
