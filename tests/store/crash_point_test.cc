// HEXA_CRASH_AT: parsing and firing. A point is armed only inside death tests (a forked child),
// so that the other tests of this binary never meet an armed point.
#include "store/crash_point.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hexa {
namespace {

class CrashPointEnv : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("HEXA_CRASH_AT"); }
  Status arm(const char* value, std::string* armed) {
    ::setenv("HEXA_CRASH_AT", value, 1);
    return arm_crash_point(armed);
  }
};

TEST_F(CrashPointEnv, UnsetOrEmptyArmsNothing) {
  std::string armed = "x";
  ::unsetenv("HEXA_CRASH_AT");
  EXPECT_TRUE(arm_crash_point(&armed).ok());
  EXPECT_EQ(armed, "");
  EXPECT_TRUE(arm("", &armed).ok());
  EXPECT_EQ(armed, "");
  crash_point("append.after_commit");  // not armed: goes on
}

TEST_F(CrashPointEnv, BadValuesNameTheVariableAndTheRule) {
  std::string armed;
  Status s = arm("append.nowhere", &armed);
  EXPECT_EQ(s.code(), StatusCode::kInvalid);
  EXPECT_NE(s.message().find("HEXA_CRASH_AT: unknown crash point 'append.nowhere' (one of: append.mid_batch"),
            std::string::npos)
      << s.message();
  for (const char* bad : {"append.after_commit:0", "append.after_commit:-1", "append.after_commit:x",
                          "append.after_commit:", "append.after_commit:2x"}) {
    s = arm(bad, &armed);
    EXPECT_EQ(s.code(), StatusCode::kInvalid) << bad;
    EXPECT_NE(s.message().find("the count after ':' must be a whole number >= 1"), std::string::npos) << s.message();
    EXPECT_EQ(armed, "");
  }
}

// The agent's points are its own: `hexa serve` refuses them, `hexa agent` the server's.
TEST_F(CrashPointEnv, TheAgentAndTheServerEachKnowTheirOwnPoints) {
  std::string armed;
  ::setenv("HEXA_CRASH_AT", "agent.start.before_record", 1);
  Status s = arm_crash_point(&armed);
  EXPECT_EQ(s.code(), StatusCode::kInvalid);
  EXPECT_NE(s.message().find("unknown crash point 'agent.start.before_record'"), std::string::npos) << s.message();
  ::setenv("HEXA_CRASH_AT", "append.after_commit", 1);
  s = arm_crash_point(&armed, agent_crash_point_names());
  EXPECT_EQ(s.code(), StatusCode::kInvalid);
  EXPECT_NE(s.message().find("(one of: agent.start.before_record)"), std::string::npos) << s.message();
  EXPECT_EQ(armed, "");
  EXPECT_EXIT(
      {
        ::setenv("HEXA_CRASH_AT", "agent.start.before_record", 1);
        std::string agent;
        if (!arm_crash_point(&agent, agent_crash_point_names()).ok() || agent != "agent.start.before_record") ::_exit(3);
        crash_point("agent.start.before_record");
        ::_exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "");
}

TEST_F(CrashPointEnv, AnArmedPointKillsTheProcessOnItsNthPassOnly) {
  EXPECT_EXIT(
      {
        std::string armed;
        if (!arm("snapshot.prune:3", &armed).ok() || armed != "snapshot.prune") ::_exit(3);
        crash_point("append.after_commit");  // another point: nothing
        crash_point("snapshot.prune");
        crash_point("snapshot.prune");
        (void)!::write(2, "two passes survived\n", 20);
        ::_exit(0);
      },
      ::testing::ExitedWithCode(0), "two passes survived");
  EXPECT_EXIT(
      {
        std::string armed;
        if (!arm("snapshot.prune:3", &armed).ok()) ::_exit(3);
        for (int i = 0; i < 3; ++i) crash_point("snapshot.prune");
        ::_exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "");
}

}  // namespace
}  // namespace hexa
