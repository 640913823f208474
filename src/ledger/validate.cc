#include "ledger/validate.h"

namespace hexa {

Status check_positive(const Subject& what, std::string_view field, std::int64_t v) {
  if (v > 0) return Status::Ok();
  return Status::Invalid(what.str() + ": " + std::string(field) + " must be > 0 (got " + std::to_string(v) + ")");
}

Status check_not_negative(const Subject& what, std::string_view field, std::int64_t v) {
  if (v >= 0) return Status::Ok();
  return Status::Invalid(what.str() + ": " + std::string(field) + " must be >= 0 (got " + std::to_string(v) + ")");
}

Status check_name(const Subject& what, std::string_view field, std::string_view v, std::size_t max_bytes) {
  // Every ledger operation checks its names: the message is built only when one is wrong.
  auto head = [&] { return what.str() + ": " + std::string(field); };
  if (v.empty()) return Status::Invalid(head() + " must not be empty");
  if (v.size() > max_bytes)
    return Status::Invalid(head() + " must be at most " + std::to_string(max_bytes) + " bytes (got " + std::to_string(v.size()) + ")");
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::Invalid(head() + " must not contain control characters");
  }
  return Status::Ok();
}

std::string quoted(std::string_view v) { return "'" + std::string(v) + "'"; }

}  // namespace hexa
