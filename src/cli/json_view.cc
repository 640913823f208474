#include "cli/json_view.h"

namespace hexa::cli {

namespace {

std::string scalar(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return dump(v);
  return "";
}

}  // namespace

std::optional<Json> parse_json(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

const Json& field(const Json& obj, const char* key) {
  static const Json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::optional<std::string> str(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  if (!v.is_string()) return std::nullopt;
  return v.get<std::string>();
}

std::optional<std::int64_t> int_of(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

std::optional<double> number_of(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

std::optional<bool> bool_of(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  if (v.is_boolean()) return v.get<bool>();
  return std::nullopt;
}

std::string text_of(const Json& obj, const char* key, const std::string& dash) {
  std::string s = scalar(field(obj, key));
  return s.empty() ? dash : s;
}

std::string joined(const Json& obj, const char* key, const std::string& sep, const std::string& dash) {
  return join_array(field(obj, key), sep, dash);
}

std::string join_array(const Json& v, const std::string& sep, const std::string& dash) {
  if (!v.is_array() || v.empty()) return dash;
  std::string out;
  for (const Json& e : v) out += (out.empty() ? "" : sep) + scalar(e);
  return out;
}

}  // namespace hexa::cli
