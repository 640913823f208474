#include "server/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace hexa {

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) out += digits[p[i] >> 4], out += digits[p[i] & 15];
  return out;
}

}  // namespace

std::string new_token_secret() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed: no entropy for a token");
  return "hexa_" + hex(raw, sizeof raw);
}

std::string sha256_hex(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  return hex(md, n);
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<Principal> authenticate(const Journal& journal, const std::string& authorization) {
  const std::string prefix = "Bearer ";
  if (authorization.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::string secret = authorization.substr(prefix.size());
  if (secret.size() != 69 || secret.compare(0, 5, "hexa_") != 0) return std::nullopt;
  const std::string hash = sha256_hex(secret);
  auto t = journal.find_token_by_hash(hash);
  // The index found it by hash; the comparison that decides is constant-time all the same.
  if (!t || !same_secret(t->hash, hash)) return std::nullopt;
  return Principal{t->role, t->tenant, t->node, t->id};
}

}  // namespace hexa
