// Dates and times on the command line (--from, --to, --expires) and on screen, in local time
// (the TZ environment variable) unless they end with `Z` (UTC).
#pragma once

#include <cstdint>
#include <string>

#include "model/status.h"

namespace hexa::cli {

// Milliseconds since the Unix epoch of `YYYY-MM-DD` (its midnight), `YYYY-MM-DDTHH:MM`,
// `YYYY-MM-DDTHH:MM:SS` (a space may replace the T), each with an optional `Z` for UTC.
// Errors: one line naming `flag` and the accepted forms.
Result<std::int64_t> parse_datetime_ms(const std::string& flag, const std::string& text);

// `YYYY-MM-DD HH:MM:SS ZONE` (without `:SS` when not `seconds`), in local time.
std::string format_local(std::int64_t ms, bool seconds = true);

}  // namespace hexa::cli
