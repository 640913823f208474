// A parsed JSON text, as the command decoder needs it. The parser is nlohmann/json's (kept out
// of this header for compile time); the tree is ours so that a number keeps what it was
// written as: "1.5" (a fraction), "1e3" and "99999999999999999999" (an integer too large for
// 64 bits) each get their own message instead of all becoming a double.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace hexa {

struct JsonValue {
  enum class Kind : std::uint8_t { kNull, kBool, kInt, kBigInt, kFloat, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::int64_t integer = 0;       // kInt
  std::string text;               // kString: the string; kBigInt, kFloat: the number as written
  std::vector<std::string> keys;  // kObject: keys[i] names items[i]
  std::vector<JsonValue> items;   // kArray, kObject

  // The member named `key` of an object, or null when there is none.
  const JsonValue* find(std::string_view key) const;
};

// Objects nest at most this deep (the deepest command has 3 levels), so that a hostile text
// cannot make destruction recurse without bound.
constexpr int kMaxJsonDepth = 8;

// One JSON value and nothing after it. Errors (Invalid): not JSON (with nlohmann's position
// and reason), invalid UTF-8, a key twice in one object, nesting deeper than kMaxJsonDepth.
Result<JsonValue> parse_json(std::string_view text);

}  // namespace hexa
