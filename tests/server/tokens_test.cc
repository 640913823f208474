// Tokens (docs/server.md, Tokens and roles; docs/SECURITY.md, API2): secrets of 256 random bits,
// kept as their SHA-256, and the check that decides: TokenBook::authenticate finds a record by
// the presented secret's hash and accepts it only if same_secret (CRYPTO_memcmp: its time does
// not depend on where the bytes differ) says the stored hash equals it. No timing is measured
// here (a shared machine's noise would make it a coin toss); what is tested is that equal,
// unequal and other-length inputs get the right answer wherever they differ.
#include <gtest/gtest.h>

#include "server/tokens.h"

namespace hexa {
namespace {

TEST(Tokens, SameSecretEqualUnequalAndLengths) {
  const std::string a = "hexa_" + std::string(64, 'a');
  EXPECT_TRUE(same_secret(a, a));
  EXPECT_TRUE(same_secret("", ""));
  for (std::size_t at : {std::size_t{0}, std::size_t{5}, std::size_t{36}, a.size() - 1}) {
    std::string b = a;
    b[at] = 'b';
    EXPECT_FALSE(same_secret(a, b)) << "differs at " << at;
    EXPECT_FALSE(same_secret(b, a)) << "differs at " << at;
  }
  EXPECT_FALSE(same_secret(a, a + "a"));            // one longer
  EXPECT_FALSE(same_secret(a, a.substr(0, 68)));    // one shorter: a prefix is not equal
  EXPECT_FALSE(same_secret(a, ""));
  EXPECT_FALSE(same_secret(std::string("x\0y", 3), std::string("x\0z", 3)));  // past a NUL byte too
  EXPECT_TRUE(same_secret(std::string("x\0y", 3), std::string("x\0y", 3)));
}

TEST(Tokens, SecretsAre256RandomBitsInHex) {
  const std::string s = new_token_secret(), t = new_token_secret();
  ASSERT_EQ(s.size(), 69u);
  EXPECT_EQ(s.rfind("hexa_", 0), 0u);
  EXPECT_EQ(s.find_first_not_of("0123456789abcdef", 5), std::string::npos) << s;
  EXPECT_NE(s, t);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

class TokenBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = new_token_secret();
    TokenRecord t;
    t.id = "tok-m", t.role = "member", t.tenant = "acme", t.hash = sha256_hex(secret_);
    book_.add(t);
  }
  std::optional<Principal> auth(const std::string& header) const { return book_.authenticate(header); }
  std::string secret_;
  TokenBook book_;
};

TEST_F(TokenBookTest, TheSecretItselfIsAccepted) {
  auto who = auth("Bearer " + secret_);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->role, "member");
  EXPECT_EQ(who->tenant, "acme");
  EXPECT_EQ(who->token_id, "tok-m");
}

TEST_F(TokenBookTest, AnyOtherSecretIsRefused) {
  for (std::size_t at = 5; at < secret_.size(); at += 7) {
    std::string other = secret_;
    other[at] = other[at] == '0' ? '1' : '0';
    EXPECT_FALSE(auth("Bearer " + other)) << "changed at " << at;
  }
  std::string last = secret_;
  last.back() = last.back() == '0' ? '1' : '0';
  EXPECT_FALSE(auth("Bearer " + last));
  EXPECT_FALSE(auth("Bearer " + secret_ + "0"));
  EXPECT_FALSE(auth("Bearer " + secret_.substr(0, 68)));
  EXPECT_FALSE(auth("Bearer " + sha256_hex(secret_)));  // the stored hash is no key (a stolen database)
  EXPECT_FALSE(auth("Bearer hexa_" + sha256_hex(secret_)));
  EXPECT_FALSE(auth("Bearer " + new_token_secret()));
}

TEST_F(TokenBookTest, OnlyTheBearerSchemeExactlyAsWritten) {
  for (const std::string& h : {secret_, "bearer " + secret_, "Bearer  " + secret_, "Bearer " + secret_ + " ",
                               "Basic " + secret_, " Bearer " + secret_, "Bearer\t" + secret_, std::string("Bearer "), std::string()})
    EXPECT_FALSE(auth(h)) << "'" << h << "'";
}

TEST_F(TokenBookTest, ARemovedTokenIsRefusedAtOnce) {
  ASSERT_TRUE(auth("Bearer " + secret_));
  EXPECT_TRUE(book_.has_id("tok-m"));
  book_.remove("tok-m");
  EXPECT_FALSE(auth("Bearer " + secret_));
  EXPECT_FALSE(book_.has_id("tok-m"));
}

}  // namespace
}  // namespace hexa
