// Input checks shared by the ledger's operations. Each message starts with `what` (the
// operation and its id, e.g. "grant 'g1'"), then names the field and the rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/status.h"

namespace hexa {

constexpr std::size_t kMaxNameBytes = 200;
// Account names and transfer ids: a name with a prefix and a suffix ("meter:<hold>@<total>").
constexpr std::size_t kMaxIdBytes = 256;

// "what: field must be > 0 (got v)".
Status check_positive(std::string_view what, std::string_view field, std::int64_t v);
// "what: field must be >= 0 (got v)".
Status check_not_negative(std::string_view what, std::string_view field, std::int64_t v);
// Ids and names: non-empty, at most kMaxNameBytes, no control characters (they end up in
// statements, CSV and JSON, and in error messages).
Status check_name(std::string_view what, std::string_view field, std::string_view v,
                  std::size_t max_bytes = kMaxNameBytes);

// 'v', quoted for messages.
std::string quoted(std::string_view v);

}  // namespace hexa
