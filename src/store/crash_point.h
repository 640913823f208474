// Crash points (docs/testing.md, "Crash points"): HEXA_CRASH_AT=NAME[:N] makes the process
// kill itself with SIGKILL the Nth time (default 1st) it passes the named point, so that a test
// can crash the real server where a random kill -9 seldom lands: between the journal's commit
// and the answer, inside a batch's transaction, halfway through a snapshot file, while old
// snapshots are pruned; and the real agent between a job's fork and its record. Unset (as in
// production): one load and one branch per point.
#pragma once

#include <string>
#include <vector>

#include "model/status.h"

namespace hexa {

// Every point's name in the server, for the check below, `--help` and the tests.
const std::vector<std::string>& crash_point_names();
// The agent's (`hexa agent`): "agent.start.before_record", a job's keeper and process forked,
// its state not yet recorded (agent/job_records.h).
const std::vector<std::string>& agent_crash_point_names();

// Reads HEXA_CRASH_AT once: Invalid (naming the variable and the rule) for a point not in
// `known` or a bad count; the armed point's name in `armed` ("" when unset).
Status arm_crash_point(std::string* armed, const std::vector<std::string>& known = crash_point_names());

// Dies here (SIGKILL, nothing flushed, no destructor run) when this point is armed and its count
// is reached. Call arm_crash_point first; before it, points never fire.
void crash_point(const char* name);

}  // namespace hexa
