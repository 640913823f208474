// A job object of the API as text: the cells of `hexa queue` and the lines of `hexa show`.
#pragma once

#include <cstdint>
#include <string>

#include "cli/json_view.h"
#include "model/status.h"

namespace hexa::cli {

// Whether `state` is one where a job has ended (finished, failed, cancelled, timeout, rejected).
bool is_ended_state(const std::string& state);
// Whether `state` is one of the API's job states.
bool is_job_state(const std::string& state);

// A job id from the command line: a whole number >= 0 (the server counts from 0). Errors name the argument.
Result<std::string> job_id_arg(const std::string& text);

// GPUS: "2", "2xH100", "3x1g.10gb" (slices).
std::string gpus_cell(const Json& job);
// TIME: how long it has run (or ran), or, never started, how long it has waited.
std::string time_cell(const Json& job, std::int64_t now_ms);

// START: when a pending job is expected to start, from now: "in 1h20m", "now", or "?" when the
// server gives no time; "-" for a job that does not wait.
std::string start_cell(const Json& job, std::int64_t now_ms);
// The `estimated start` line of `hexa show`: "2026-12-05 10:40 UTC (in 1 h 20 min; backfill
// reservation)" or "unknown (waiting for credits)"; empty when the job has none (not pending).
std::string start_line(const Json& job, std::int64_t now_ms);

// The command as a shell would take it back: arguments with special characters quoted.
std::string shell_words(const Json& job);

}  // namespace hexa::cli
