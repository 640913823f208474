// Reading the server's JSON without exceptions: a missing field, a null or a value of another
// type reads as absent (the text views print "-" then).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hexa::cli {

// Ordered: a document read and written again keeps the server's order of fields.
using Json = nlohmann::ordered_json;

// Parses `text`; nullopt when it is not JSON.
std::optional<Json> parse_json(const std::string& text);
// Compact JSON; invalid UTF-8 in strings is replaced rather than thrown about.
std::string dump(const Json& j);

std::optional<std::string> str(const Json& obj, const char* key);
std::optional<std::int64_t> int_of(const Json& obj, const char* key);
std::optional<double> number_of(const Json& obj, const char* key);
std::optional<bool> bool_of(const Json& obj, const char* key);
// The field, or a null when absent; never throws.
const Json& field(const Json& obj, const char* key);

// A scalar field as text: strings as they are, numbers and booleans as JSON writes them;
// `dash` when absent or null.
std::string text_of(const Json& obj, const char* key, const std::string& dash = "-");
// An array of scalars joined by `sep`; `dash` when absent, not an array or empty.
std::string join_array(const Json& array, const std::string& sep = ",", const std::string& dash = "-");
std::string joined(const Json& obj, const char* key, const std::string& sep = ",", const std::string& dash = "-");

}  // namespace hexa::cli
