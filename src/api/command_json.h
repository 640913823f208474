// Commands as JSON with stable names, for the journal: tenants, GPU types, sites and slice
// profiles by name, never by the core's dense ids, so that a journal reads the same after the
// interning changes. Decoding resolves names against the core as it is at that point of the
// replay (tenants are declared by earlier commands). Jobs are the one exception: CompleteJob
// and CancelJob carry the JobId, which replay gives out again in the same order.
//
// The text is canonical: keys in a fixed order, no whitespace, integers as integers (money in
// micro-credits, times in ms), optional fields left out at their default. So for any s that
// encode_command wrote, encode_command(*decode_command(s, core), core) == s, and
// decode_command(encode_command(c, core), core) applies exactly like c. The schema, with every
// command's type name and fields, is api/command_schema.h.
#pragma once

#include <string>
#include <string_view>

#include "core/command.h"

namespace hexa {

class Core;  // core/core.h: callers have one; this header stays light

// One JSON object: {"type":"submit_job",...}. Every Command alternative has a type name.
// A SubmitJob goes through describe(): the core's ids and masks become names. Never fails.
std::string encode_command(const Command& cmd, const Core& core);

// The inverse, for any text: never throws, never crashes. Errors name the field and the rule
// ("submit_job.gpus: must be an integer", "add_grant: unknown field 'foo'", "type: unknown
// command 'frobnicate'"); all are Invalid except a submit_job's unknown tenant (NotFound).
// Refused: not JSON, not an object, a key twice, a missing or unknown type, an unknown or
// missing required field, a value of the wrong type, a fraction or exponent where an integer
// belongs, an integer that does not fit its field, an unknown enum name, and in a submit_job
// an unknown tenant, GPU type, site or slice profile. (Out of memory: Unavailable.)
Result<Command> decode_command(std::string_view json, const Core& core);

// The command's type name, as in its JSON: "submit_job" (for logs and metrics).
std::string_view command_type(const Command& cmd);

}  // namespace hexa
