// `hexa serve --db postgresql://...` on a machine without libpq (loaded at run time, not
// linked: store/pg_lib.h): refused at start, naming the flag, the library and the package.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "e2e/live_cloud.h"

namespace hexa::testing {
namespace {

TEST(PgServe, WithoutLibpqADbUrlIsRefusedNamingTheLibraryAndThePackage) {
  auto cloud = LiveCloud::start(small_cloud(1, 1));
  ASSERT_TRUE(cloud);
  // HEXA_LIBPQ: a library that is not there, as on a machine without libpq5.
  const std::string cmd = "HEXA_LIBPQ=libhexa-no-such-pq.so.5 " + std::string(HEXA_BINARY) + " serve --config " +
                          cloud->dir() + "/cloud.yaml --state " + cloud->dir() +
                          "/other --db 'postgresql://u:topsecret@127.0.0.1:1/db' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  EXPECT_EQ(WEXITSTATUS(::pclose(p)), 2) << out;
  EXPECT_NE(out.find("--db"), std::string::npos) << out;
  EXPECT_NE(out.find("libhexa-no-such-pq.so.5"), std::string::npos) << out;
  EXPECT_NE(out.find("libpq5"), std::string::npos) << out;
  EXPECT_EQ(out.find("topsecret"), std::string::npos) << out;
}

}  // namespace
}  // namespace hexa::testing
