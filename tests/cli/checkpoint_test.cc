// `hexa checkpoint`: from inside a job, writes the file HEXA_CHECKPOINT_FILE names; no server.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fake_http.h"

namespace hexa::testing {
namespace {

namespace fs = std::filesystem;

TEST(Checkpoint, OutsideAJobItFailsWithAClearLine) {
  FakeServer server;
  TestIo t;
  EXPECT_EQ(run(server, t, {"checkpoint"}), 2);
  EXPECT_EQ(t.err.str(),
            "hexa: checkpoint: HEXA_CHECKPOINT_FILE is not set: run it from inside a job that hexa agent started\n");
  EXPECT_TRUE(server.sent.empty());
}

TEST(Checkpoint, InsideAJobItWritesTheFileAndNeedsNoServer) {
  char tmpl[] = "/tmp/hexa-checkpoint-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string file = std::string(tmpl) + "/checkpoint";
  FakeServer server;
  TestIo t;
  t.env["HEXA_CHECKPOINT_FILE"] = file;
  ASSERT_EQ(run(server, t, {"checkpoint"}), 0) << t.err.str();
  EXPECT_EQ(t.out.str(), "checkpoint noted\n");
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), std::to_string(t.now) + "\n");
  EXPECT_FALSE(fs::exists(file + ".tmp"));
  EXPECT_TRUE(server.sent.empty()) << "no request";
  // A dir that cannot be written: a clear line, exit 2.
  t.env["HEXA_CHECKPOINT_FILE"] = std::string(tmpl) + "/no/such/dir/checkpoint";
  t.err.str("");
  EXPECT_EQ(run(server, t, {"checkpoint"}), 2);
  EXPECT_NE(t.err.str().find("hexa: checkpoint: cannot write '"), std::string::npos) << t.err.str();
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace hexa::testing
