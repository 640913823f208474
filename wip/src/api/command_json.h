// Commands as JSON with stable names, for the journal: tenants, GPU types, sites and slice
// profiles by name, never by the core's dense ids, so that a journal reads the same after the
// interning changes. Decoding resolves names against the core as it is at that point of the
// replay (tenants are declared by earlier commands).
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"

namespace hexa {

// One JSON object: {"type": "submit_job", ...}. Every Command alternative has a type name.
std::string encode_command(const Command& cmd, const Core& core);
// The inverse: encode_command(*decode_command(s, core), core) == s. Errors name the field and
// the rule (unknown type, unknown tenant, a field of the wrong type, an unknown field).
Result<Command> decode_command(std::string_view json, const Core& core);

}  // namespace hexa
