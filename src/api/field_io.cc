#include "api/field_io.h"

#include <algorithm>

namespace hexa::json_io {

std::string Path::str() const {
  if (!parent) return std::string(key);
  std::string s = parent->str();
  if (index >= 0) return s + "[" + std::to_string(index) + "]";
  s += '.';
  s += key;
  return s;
}

Status bad(const Path& at, std::string_view rule) { return Status::Invalid(at.str() + ": " + std::string(rule)); }

Status get_int(const JsonValue& j, std::int64_t lo, std::int64_t hi, std::int64_t* out, const Path& at) {
  using Kind = JsonValue::Kind;
  auto range = [&](const std::string& got) {
    return bad(at, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " + got);
  };
  switch (j.kind) {
    case Kind::kInt:
      if (j.integer < lo || j.integer > hi) return range(std::to_string(j.integer));
      *out = j.integer;
      return Status::Ok();
    case Kind::kBigInt: return range(j.text);
    case Kind::kFloat: return bad(at, "must be an integer, got " + j.text);
    default: return bad(at, "must be an integer");
  }
}

Status get_string(const JsonValue& j, std::string* out, const Path& at) {
  if (j.kind != JsonValue::Kind::kString) return bad(at, "must be a string");
  *out = j.text;
  return Status::Ok();
}

Status get_bool(const JsonValue& j, bool* out, const Path& at) {
  if (j.kind != JsonValue::Kind::kBool) return bad(at, "must be true or false");
  *out = j.boolean;
  return Status::Ok();
}

namespace {

// An enum by its name; `names` lists them all for the message.
template <class E>
Status get_enum(const JsonValue& j, E* out, const Path& at, std::initializer_list<E> all, const char* (*name)(E)) {
  if (j.kind != JsonValue::Kind::kString) return bad(at, "must be a string");
  std::string known;
  for (E e : all) {
    if (j.text == name(e)) {
      *out = e;
      return Status::Ok();
    }
    known += known.empty() ? "" : ", ";
    known += name(e);
  }
  return bad(at, "must be one of " + known + "; got '" + j.text + "'");
}

}  // namespace

Status get_kind(const JsonValue& j, TenantKind* out, const Path& at) {
  return get_enum(j, out, at,
                  {TenantKind::kOrganisation, TenantKind::kProject, TenantKind::kProgramme, TenantKind::kCohort,
                   TenantKind::kLearner},
                  &kind_name);
}

Status get_end(const JsonValue& j, EndKind* out, const Path& at) {
  return get_enum(j, out, at,
                  {EndKind::kNone, EndKind::kCompleted, EndKind::kTimeout, EndKind::kFailed, EndKind::kCancelled,
                   EndKind::kRejected},
                  &end_name);
}

Status unknown_field(const JsonValue& obj, const std::vector<std::string_view>& known, const Path& at) {
  for (const std::string& k : obj.keys)
    if (std::find(known.begin(), known.end(), k) == known.end()) return bad(at, "unknown field '" + k + "'");
  return bad(at, "unknown field");  // unreachable: keys are unique, so some key was not read
}

}  // namespace hexa::json_io
