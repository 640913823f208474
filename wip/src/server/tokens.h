// Bearer tokens: 256 random bits, shown once, stored only as their SHA-256 (docs/server.md).
#pragma once

#include <optional>
#include <string>

#include "store/journal.h"

namespace hexa {

// "hexa_" + 64 hex digits from the OS's CSPRNG (OpenSSL RAND_bytes).
std::string new_token_secret();
std::string sha256_hex(const std::string& s);
// Constant-time equality of two strings of the same length (CRYPTO_memcmp); false otherwise.
bool same_secret(const std::string& a, const std::string& b);

struct Principal {
  std::string role;    // admin | operator | member | agent
  std::string tenant;  // member
  std::string node;    // agent
  std::string token_id;
  bool is(const char* r) const { return role == r; }
};

// The principal of "Bearer <secret>", or nullopt (401).
std::optional<Principal> authenticate(const Journal& journal, const std::string& authorization);

}  // namespace hexa
