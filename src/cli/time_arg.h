// Durations on the command line, as Slurm writes them (--time, --checkpoint-every), and run
// times in tables.
#pragma once

#include <cstdint>
#include <string>

#include "model/status.h"

namespace hexa::cli {

// Seconds in `text`, which is one of: `90` (minutes), `30s`, `45m`, `2h`, `1d`, `MM:SS`,
// `H:MM:SS` (`1:30:00`), `D-HH` , `D-HH:MM`, `D-HH:MM:SS` (`2-12:00:00`). More than 0.
// Errors: one line naming `flag` and the accepted forms.
Result<std::int64_t> parse_duration_s(const std::string& flag, const std::string& text);

// Slurm's elapsed form: `M:SS`, `H:MM:SS`, `D-HH:MM:SS`; negative counts as 0.
std::string format_elapsed(std::int64_t ms);

}  // namespace hexa::cli
