// --help for every verb: exit 0, the verb's flags and an example on stdout.
#include <gtest/gtest.h>

#include "fake_http.h"

namespace hexa::testing {
namespace {

TEST(Help, EveryVerbHasHelpWithAnExample) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> verbs = {
      {{"submit"}, "hexa submit --gpus 2"},
      {{"queue"}, "hexa queue"},
      {{"show"}, "hexa show 7"},
      {{"cancel"}, "hexa cancel 7"},
      {{"logs"}, "hexa logs 7 --follow"},
      {{"nodes"}, "hexa nodes"},
      {{"credits"}, "hexa credits --tenant"},
      {{"tenant", "add"}, "hexa tenant add"},
      {{"grant", "add"}, "hexa grant add"},
      {{"topup", "add"}, "hexa topup add"},
      {{"reservation", "add"}, "hexa reservation add"},
      {{"token", "create"}, "hexa token create"},
      {{"token", "list"}, "hexa token list"},
      {{"token", "delete"}, "hexa token delete"},
  };
  for (const auto& [words, example] : verbs) {
    FakeServer server;
    TestIo t;
    std::vector<std::string> args = words;
    args.push_back("--help");
    EXPECT_EQ(run(server, t, args), 0) << words.back();
    const std::string out = t.out.str();
    EXPECT_NE(out.find("Example:\n  " + example), std::string::npos) << out;
    EXPECT_NE(out.find("--server"), std::string::npos) << out;
    EXPECT_NE(out.find("--token-file"), std::string::npos) << out;
    EXPECT_EQ(t.err.str(), "");
    EXPECT_TRUE(server.sent.empty());
  }
}

TEST(Help, SubmitListsItsFlags) {
  FakeServer server;
  TestIo t;
  ASSERT_EQ(run(server, t, {"submit", "--help"}), 0);
  for (const char* flag : {"--tenant", "--gpus", "--gpu-type", "--site", "--time", "--priority", "--no-preempt",
                           "--slice", "--name", "--checkpoint-every", "--env", "--idempotency-key", "--json"})
    EXPECT_NE(t.out.str().find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace hexa::testing
