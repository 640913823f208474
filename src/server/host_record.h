// The JSON a journal row carries besides a command (docs/server.md, Journal): host records
// ('#' + an object: the origin, a gang's rank that ended well, a node's address, a drain) and a
// submit's how-to-run ({"argv", "env", "memory_mb", "cpus"} after the command's "\n"). The host
// writes them itself; on replay they are checked before use, so that a row that is not what the
// host writes (a damaged journal) is refused with a message naming its field and rule, instead
// of a JSON type error escaping the restart.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "model/status.h"
#include "server/job_view.h"

namespace hexa {

// Each known key of a host record, where present, has the type the host writes:
// "origin_ms" an integer; "rank_exit" {"job", "segment", "rank", "code"} integers; "node_addr"
// {"node", "addr"} strings; "drain" {"node", "reason"} strings and "deadline" an integer.
// REQUIRES: record is an object.
Status check_host_record(const nlohmann::json& record);

// A submit's how-to-run: "argv" a list of strings, "env" an object of strings, "memory_mb" and
// "cpus" integers; each may be left out. REQUIRES: j is an object.
Result<JobRun> read_job_run(const nlohmann::json& j);

}  // namespace hexa
