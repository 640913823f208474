// Base64 (RFC 4648, with padding): how the agent sends its jobs' output as JSON strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hexa {

std::string base64_encode(std::string_view bytes);
// The bytes, or nullopt when `text` is not padded base64 (its length not a multiple of 4, a
// character outside the alphabet, padding anywhere but at the end).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hexa
