#include "server/request_id.h"

#include <cstdio>
#include <random>

namespace hexa {

Status check_request_id(std::string_view id) {
  bool ok = !id.empty() && id.size() <= kMaxRequestId;
  for (char c : id)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  if (ok) return Status::Ok();
  return Status::Invalid("X-Request-Id: must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
}

std::string new_request_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
  return buf;
}

}  // namespace hexa
