// The OpenAPI document lists exactly the routes the server serves, and every schema it names.
#include <set>

#include <gtest/gtest.h>

#include "server/api.h"

namespace hexa {
namespace {

TEST(OpenApi, ListsExactlyTheRoutesTheServerServes) {
  Json doc = Json::parse(openapi_document());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> served, documented;
  for (const Route& r : routes()) {
    std::string m = r.method;
    for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(served.insert({r.pattern, m}).second) << "route twice: " << r.method << " " << r.pattern;
  }
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) documented.insert({path, method});
  EXPECT_EQ(served, documented);
}

TEST(OpenApi, EverySchemaItNamesIsDefined) {
  Json doc = Json::parse(openapi_document());
  const Json& schemas = doc["components"]["schemas"];
  std::function<void(const Json&)> walk = [&](const Json& j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        std::string ref = j["$ref"];
        EXPECT_TRUE(schemas.contains(ref.substr(ref.rfind('/') + 1))) << ref;
      }
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const Json& v : j) walk(v);
    }
  };
  walk(doc);
  for (const Route& r : routes()) {
    if (*r.request) {
      EXPECT_TRUE(schemas.contains(r.request)) << r.request;
    }
    if (*r.response) {
      EXPECT_TRUE(schemas.contains(r.response)) << r.response;
    }
  }
}

TEST(OpenApi, TokenRoutesSayTheirRoles) {
  Json doc = Json::parse(openapi_document());
  EXPECT_EQ(doc["paths"]["/v1/jobs"]["post"]["description"], "Roles: admin member.");
  EXPECT_FALSE(doc["paths"]["/healthz"]["get"].contains("security"));
  EXPECT_TRUE(doc["paths"]["/v1/jobs"]["post"].contains("security"));
}

}  // namespace
}  // namespace hexa
