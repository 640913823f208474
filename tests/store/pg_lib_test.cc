// libpq, loaded at run time (store/pg_lib.h): bound when it is there, and a clear Unavailable
// naming the library and the package to install when it is not.
#include "store/pg_lib.h"

#include <gtest/gtest.h>

namespace hexa::store {
namespace {

TEST(PgLib, LoadsLibpqWithEveryEntryPoint) {
  Result<const PgLib*> lib = pg_lib();
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  EXPECT_NE((*lib)->PQconninfoParse, nullptr);
  EXPECT_NE((*lib)->PQnotifies, nullptr);
  EXPECT_EQ(*lib, *pg_lib()) << "loaded once, then the same";
}

TEST(PgLib, AMissingLibraryIsUnavailableNamingItAndThePackage) {
  Result<const PgLib*> lib = load_pg_lib("libhexa-no-such-pq.so.5");
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kUnavailable);
  const std::string m = lib.status().message();
  EXPECT_NE(m.find("libhexa-no-such-pq.so.5"), std::string::npos) << m;
  EXPECT_NE(m.find("libpq5"), std::string::npos) << m;
}

TEST(PgLib, ALibraryWithoutLibpqsFunctionsIsUnavailableNamingTheFirstMissing) {
  Result<const PgLib*> lib = load_pg_lib("libm.so.6");
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kUnavailable);
  const std::string m = lib.status().message();
  EXPECT_NE(m.find("libm.so.6"), std::string::npos) << m;
  EXPECT_NE(m.find("PQconninfoParse"), std::string::npos) << m;
  EXPECT_NE(m.find("libpq5"), std::string::npos) << m;
}

}  // namespace
}  // namespace hexa::store
