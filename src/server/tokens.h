// Bearer tokens: 256 random bits, shown once, stored only as their SHA-256, compared in
// constant time, never logged (docs/server.md, Tokens and roles).
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "store/journal.h"

namespace hexa {

// "hexa_" + 64 hex digits from OpenSSL's CSPRNG (RAND_bytes). Empty when it has no entropy.
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

// The tokens, as their hashes, in memory: a request is authenticated without touching the
// database. Kept in step with the database by whoever writes it (add/remove after the write).
class TokenBook {
 public:
  void load(const std::vector<TokenRecord>& all);
  void add(const TokenRecord& t);
  void remove(const std::string& id);
  // The principal of an "Authorization: Bearer <secret>" header, or nullopt (401).
  std::optional<Principal> authenticate(const std::string& authorization) const;
  std::vector<TokenRecord> list() const;
  bool has_id(const std::string& id) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, TokenRecord> by_hash_;
};

}  // namespace hexa
