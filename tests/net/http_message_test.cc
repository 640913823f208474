#include <gtest/gtest.h>

#include "net/http.h"

namespace hexa {
namespace {

TEST(HttpRequestTest, PathDropsTheQuery) {
  HttpRequest r;
  r.target = "/v1/jobs?state=running";
  EXPECT_EQ(r.path(), "/v1/jobs");
}

}  // namespace
}  // namespace hexa
