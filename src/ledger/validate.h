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

// 'v', quoted for messages.
std::string quoted(std::string_view v);

// What a message is about: "hold 'j1#0'". The hot operations (a hold, a meter report and a
// release for every job segment) give a kind and an id, put together only when a message
// needs them, since their errors almost never happen; others give the words whole.
// Holds views: REQUIRES the words outlive it (a local of the operation, or an argument).
class Subject {
 public:
  Subject(const char* words) : kind_(words) {}         // NOLINT: implicit by design
  Subject(std::string_view words) : kind_(words) {}    // NOLINT
  Subject(const std::string& words) : kind_(words) {}  // NOLINT
  Subject(std::string_view kind, std::string_view id) : kind_(kind), id_(id), has_id_(true) {}
  // "kind 'id'", or the words.
  std::string str() const { return has_id_ ? std::string(kind_) + " " + quoted(id_) : std::string(kind_); }

 private:
  std::string_view kind_;
  std::string_view id_;
  bool has_id_ = false;
};

// "what: field must be > 0 (got v)".
Status check_positive(const Subject& what, std::string_view field, std::int64_t v);
// "what: field must be >= 0 (got v)".
Status check_not_negative(const Subject& what, std::string_view field, std::int64_t v);
// Ids and names: non-empty, at most kMaxNameBytes, no control characters (they end up in
// statements, CSV and JSON, and in error messages).
Status check_name(const Subject& what, std::string_view field, std::string_view v,
                  std::size_t max_bytes = kMaxNameBytes);

}  // namespace hexa
