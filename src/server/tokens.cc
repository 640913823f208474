#include "server/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <mutex>

namespace hexa {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) out += digits[p[i] >> 4], out += digits[p[i] & 15];
  return out;
}

constexpr std::size_t kSecretSize = 5 + 64;  // "hexa_" + 64 hex digits

}  // namespace

std::string new_token_secret() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) return {};
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

void TokenBook::load(const std::vector<TokenRecord>& all) {
  std::unique_lock lock(mu_);
  by_hash_.clear();
  for (const TokenRecord& t : all) by_hash_[t.hash] = t;
}

void TokenBook::add(const TokenRecord& t) {
  std::unique_lock lock(mu_);
  by_hash_[t.hash] = t;
}

void TokenBook::remove(const std::string& id) {
  std::unique_lock lock(mu_);
  for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it)
    if (it->second.id == id) {
      by_hash_.erase(it);
      return;
    }
}

std::optional<Principal> TokenBook::authenticate(const std::string& authorization) const {
  const std::string prefix = "Bearer ";
  if (authorization.size() != prefix.size() + kSecretSize || authorization.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  const std::string secret = authorization.substr(prefix.size());
  if (secret.compare(0, 5, "hexa_") != 0) return std::nullopt;
  const std::string hash = sha256_hex(secret);
  std::shared_lock lock(mu_);
  auto it = by_hash_.find(hash);
  // Found by its hash; the comparison that decides is constant-time all the same.
  if (it == by_hash_.end() || !same_secret(it->second.hash, hash)) return std::nullopt;
  const TokenRecord& t = it->second;
  return Principal{t.role, t.tenant, t.node, t.id};
}

std::vector<TokenRecord> TokenBook::list() const {
  std::shared_lock lock(mu_);
  std::vector<TokenRecord> out;
  for (const auto& [h, t] : by_hash_) out.push_back(t);
  return out;
}

bool TokenBook::has_id(const std::string& id) const {
  std::shared_lock lock(mu_);
  for (const auto& [h, t] : by_hash_)
    if (t.id == id) return true;
  return false;
}

}  // namespace hexa
