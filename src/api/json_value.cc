#include "api/json_value.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace hexa {
namespace {

using Kind = JsonValue::Kind;

// Builds a JsonValue from nlohmann's SAX events. Returning false stops the parse; `error`
// says why.
class TreeBuilder {
 public:
  bool null() { return add(JsonValue{}); }
  bool boolean(bool b) {
    JsonValue v;
    v.kind = Kind::kBool;
    v.boolean = b;
    return add(std::move(v));
  }
  bool number_integer(std::int64_t i) {
    JsonValue v;
    v.kind = Kind::kInt;
    v.integer = i;
    return add(std::move(v));
  }
  bool number_unsigned(std::uint64_t u) {
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return big(std::to_string(u));
    return number_integer(static_cast<std::int64_t>(u));
  }
  // nlohmann hands integers beyond 64 bits over as doubles; the lexeme tells them apart.
  bool number_float(double, const std::string& lexeme) {
    if (lexeme.find_first_of(".eE") == std::string::npos) return big(lexeme);
    JsonValue v;
    v.kind = Kind::kFloat;
    v.text = lexeme;
    return add(std::move(v));
  }
  bool string(std::string& s) {
    JsonValue v;
    v.kind = Kind::kString;
    v.text = std::move(s);
    return add(std::move(v));
  }
  bool binary(nlohmann::json::binary_t&) { return fail("binary values are not JSON"); }  // never from text
  bool start_object(std::size_t) { return open(Kind::kObject); }
  bool start_array(std::size_t) { return open(Kind::kArray); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    JsonValue& obj = *open_.back();
    for (const std::string& seen : obj.keys)
      if (seen == k) return fail("the key '" + k + "' appears twice in one object");
    obj.keys.push_back(std::move(k));
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& ex) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the tag.
    std::string_view what = ex.what();
    if (auto tag = what.find("] "); tag != std::string_view::npos) what.remove_prefix(tag + 2);
    return fail(std::string(what));
  }

  JsonValue root;
  std::string error;

 private:
  bool big(std::string lexeme) {
    JsonValue v;
    v.kind = Kind::kBigInt;
    v.text = std::move(lexeme);
    return add(std::move(v));
  }
  bool add(JsonValue v) {
    place(std::move(v));
    return true;
  }
  JsonValue* place(JsonValue v) {
    if (open_.empty()) {
      root = std::move(v);
      return &root;
    }
    open_.back()->items.push_back(std::move(v));
    return &open_.back()->items.back();
  }
  // Containers still open. A pointer stays valid: only the innermost container grows.
  bool open(Kind kind) {
    if (open_.size() >= static_cast<std::size_t>(kMaxJsonDepth))
      return fail("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    JsonValue v;
    v.kind = kind;
    // Room for a command's fields at once: growing one by one costs more than the parse.
    const std::size_t room = open_.empty() ? 16 : 4;
    v.items.reserve(room);
    if (kind == Kind::kObject) v.keys.reserve(room);
    open_.push_back(place(std::move(v)));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }
  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }
  std::vector<JsonValue*> open_;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

Result<JsonValue> parse_json(std::string_view text) {
  TreeBuilder b;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &b);
  } catch (const std::exception& ex) {  // the SAX parser reports through parse_error; this is a backstop
    return Status::Invalid(std::string("not JSON: ") + ex.what());
  }
  if (!ok) return Status::Invalid("not JSON: " + (b.error.empty() ? std::string("parse failed") : b.error));
  return std::move(b.root);
}

}  // namespace hexa
