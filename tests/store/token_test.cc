#include "journal_backends.h"

namespace hexa::testing {
namespace {

class TokensOnEveryBackend : public JournalBackendTest {};
HEXA_ON_EVERY_JOURNAL(TokensOnEveryBackend);

TokenRecord token(std::string id, std::string hash, std::string role = "member", std::string tenant = "acme") {
  return TokenRecord{std::move(id), std::move(hash), std::move(role), std::move(tenant), "", 1234};
}

TEST_P(TokensOnEveryBackend, PutFindListDelete) {
  auto j = open();
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->tokens()->empty());
  ASSERT_TRUE(j->put_token(token("tok-1", "h1", "admin", "")).ok());
  ASSERT_TRUE(j->put_token(token("tok-2", "h2")).ok());
  TokenRecord agent{"tok-10", "h10", "agent", "", "n1", 99};
  ASSERT_TRUE(j->put_token(agent).ok());

  auto found = j->find_token_by_hash("h10");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "tok-10");
  EXPECT_EQ(found->role, "agent");
  EXPECT_EQ(found->node, "n1");
  EXPECT_EQ(found->created, 99);
  EXPECT_FALSE(j->find_token_by_hash("nope").has_value());

  std::vector<TokenRecord> all = *j->tokens();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "tok-1");  // the order they were put, not the ids' text order
  EXPECT_EQ(all[1].id, "tok-2");
  EXPECT_EQ(all[2].id, "tok-10");
  EXPECT_EQ(all[1].tenant, "acme");

  ASSERT_TRUE(j->delete_token("tok-2").ok());
  EXPECT_FALSE(j->find_token_by_hash("h2").has_value());
  EXPECT_EQ(j->tokens()->size(), 2u);
  Status again = j->delete_token("tok-2");
  EXPECT_EQ(again.code(), StatusCode::kNotFound);
  EXPECT_NE(again.message().find("tok-2"), std::string::npos);
}

TEST_P(TokensOnEveryBackend, PutReplacesTheSameIdAndRefusesAnotherIdsHash) {
  auto j = open();
  ASSERT_TRUE(j);
  ASSERT_TRUE(j->put_token(token("tok-1", "h1")).ok());
  ASSERT_TRUE(j->put_token(token("tok-2", "h2")).ok());
  ASSERT_TRUE(j->put_token(token("tok-1", "h1b", "operator", "")).ok());  // rotated
  EXPECT_FALSE(j->find_token_by_hash("h1").has_value());
  EXPECT_EQ(j->find_token_by_hash("h1b")->role, "operator");
  EXPECT_EQ(j->tokens()->front().id, "tok-1");

  Status dup = j->put_token(token("tok-3", "h2"));
  EXPECT_EQ(dup.code(), StatusCode::kConflict) << dup.message();
  EXPECT_EQ(j->tokens()->size(), 2u);
  EXPECT_EQ(j->put_token(token("", "h9")).code(), StatusCode::kInvalid);
  EXPECT_EQ(j->put_token(token("tok-9", "")).code(), StatusCode::kInvalid);
}

TEST_P(TokensOnEveryBackend, SurviveReopenAndDoNotTouchTheJournal) {
  {
    auto j = open();
    ASSERT_TRUE(j);
    ASSERT_TRUE(j->put_token(token("tok-1", "h1")).ok());
  }
  auto j = open();
  ASSERT_TRUE(j);
  EXPECT_EQ(j->find_token_by_hash("h1")->id, "tok-1");
  EXPECT_EQ(j->last_seq(), 0);
}

}  // namespace
}  // namespace hexa::testing
