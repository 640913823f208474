// hexa serve's replica flags (docs/server.md, Replicas): bad values are refused with the flag's
// name and the rule, before anything is opened.
#include <gtest/gtest.h>

#include "run_hexa.h"

namespace hexa::testing {
namespace {

Exit serve(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--config", "/nonexistent/cloud.yaml", "--state", "/nonexistent/state"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_hexa("serve", args);
}

TEST(ReplicaFlags, BadValuesNameTheFlagAndTheRule) {
  for (const char* bad : {"0", "61", "x"}) {
    Exit e = serve({"--lease-s", std::string(bad)});
    EXPECT_NE(e.code, 0) << bad;
    EXPECT_NE(e.output().find("--lease-s"), std::string::npos) << e.output();
  }
  Exit id = serve({"--replica-id", "a b"});
  EXPECT_NE(id.code, 0);
  EXPECT_NE(id.output().find("--replica-id"), std::string::npos) << id.output();
  EXPECT_NE(id.output().find("letters, digits"), std::string::npos) << id.output();
  for (const char* bad : {"ftp://a:1", "http://", "http://a:1/path", "a:1"}) {
    Exit e = serve({"--advertise-url", std::string(bad)});
    EXPECT_NE(e.code, 0) << bad;
    EXPECT_NE(e.output().find("--advertise-url"), std::string::npos) << e.output();
    EXPECT_NE(e.output().find("without a path"), std::string::npos) << e.output();
  }
  // Good values get past the flags: the missing config is what is refused then.
  Exit good = serve({"--lease-s", "7", "--replica-id", "r-1.a_b", "--advertise-url", "https://h.example:8642/"});
  EXPECT_EQ(good.code, 2);
  EXPECT_EQ(good.output().find("--lease-s"), std::string::npos) << good.output();
  EXPECT_NE(good.output().find("cloud.yaml"), std::string::npos) << good.output();
}

TEST(ReplicaFlags, AClientRefusesABadServerList) {
  Exit e = run_hexa("queue", {"--server", "http://127.0.0.1:1,,http://127.0.0.1:2"});
  EXPECT_EQ(e.code, 2);
  EXPECT_NE(e.output().find("--server"), std::string::npos) << e.output();
  EXPECT_NE(e.output().find("an empty URL"), std::string::npos) << e.output();
}

}  // namespace
}  // namespace hexa::testing
